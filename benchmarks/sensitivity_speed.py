"""Sobol study throughput (runs per second) at 1 and 2 workers, parallel efficiency, and the
projected time of a 10-parameter Sobol study at N=512 on this machine.

    .venv/bin/python benchmarks/sensitivity_speed.py [--samples 16] [--horizon 48]

Runs a Sobol design over ten parameters of `regional.yaml` (the six of
`experiments/sensitivity.yaml` and four more), baseline only, through the same code path as
`flowsim sensitivity` (SALib design, the experiment runner, the resumable results store),
once with 1 worker and once with 2, each into a fresh results folder. Prints runs per
second, the parallel efficiency throughput(2) / (2 x throughput(1)), the reference loop
(`sum(range(10**7))`, to scale figures between machines) and the projection, and writes them
to `benchmarks/sensitivity_speed.json`, which `docs/results/make_sensitivity.py` quotes in
the researchers' guide (docs/guides/researcher.md).
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import time
from pathlib import Path

import yaml
from model_speed import reference_seconds  # benchmarks/ is on the path when run as a script

from flowsim.studies.sensitivity import load_sensitivity
from flowsim.studies.study import run_stored

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "sensitivity_speed.json"
EXTRA = [{"path": "mechanisms.loss", "range": [0.002, 0.008]},
         {"path": "mechanisms.civilian_leakage", "range": [0.01, 0.04]},
         {"path": "behaviour.shared_learning", "range": [0.0, 0.2]},
         {"path": "behaviour.regulator_memory", "range": [0.6, 0.95]}]
N_TARGET, D_TARGET = 512, 10


def study_file(folder: Path, samples: int, horizon: int) -> Path:
    data = yaml.safe_load((ROOT / "experiments" / "sensitivity.yaml").read_text())
    data = copy.deepcopy(data)
    data["scenario"] = str(ROOT / "scenarios" / "regional.yaml")
    data["horizon"] = horizon
    data["sensitivity"]["parameters"] += EXTRA
    data["sensitivity"]["samples"] = samples
    data["sensitivity"]["options"] = [data["options"][0]["name"]]
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def throughput(file: Path, out: Path, jobs: int) -> tuple[float, int]:
    exp = load_sensitivity(file)
    exp.options = {"baseline": exp.options["baseline"]}        # baseline only
    t0 = time.perf_counter()
    run_stored(exp, out, jobs=jobs, echo=None)
    n = len(exp.tasks())
    return n / (time.perf_counter() - t0), n


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=16, help="Sobol N of the measured study")
    p.add_argument("--horizon", type=int, default=48)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        file = study_file(tmp, args.samples, args.horizon)
        (tmp / "warm-up").mkdir()
        warm = study_file(tmp / "warm-up", 2, 2)
        throughput(warm, tmp / "warm", 2)                      # start the worker pool once
        one, runs = throughput(file, tmp / "one", 1)
        two, _ = throughput(file, tmp / "two", 2)
    ref = min(reference_seconds() for _ in range(3))
    futures = N_TARGET * (D_TARGET + 2)
    futures2 = N_TARGET * (2 * D_TARGET + 2)
    result = {
        "scenario": "regional.yaml", "horizon": args.horizon, "measured_runs": runs,
        "measured_N": args.samples, "parameters": D_TARGET,
        "runs_per_s_1": round(one, 3), "runs_per_s_2": round(two, 3),
        "efficiency": round(two / (2 * one), 2), "reference_loop_s": round(ref, 3),
        "ref_loops_per_run_2": round(1 / two / ref, 2),
        "target_N": N_TARGET, "target_futures": futures, "target_futures_second_order": futures2,
        "target_hours_per_option_2": round(futures / two / 3600, 2),
        "target_hours_per_option_2_second_order": round(futures2 / two / 3600, 2),
    }
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(f"regional.yaml, Sobol over {D_TARGET} parameters, N={args.samples}: {runs} runs of "
          f"{args.horizon} steps (baseline only)")
    print(f"1 worker : {one:.2f} runs/s")
    print(f"2 workers: {two:.2f} runs/s")
    print(f"parallel efficiency at 2 workers: {two / (2 * one):.2f}")
    print(f"reference loop sum(range(10**7)): {ref:.3f} s; one run per {1 / two / ref:.2f} "
          "reference loops at 2 workers (comparable across machines)")
    print(f"projected, N={N_TARGET}, D={D_TARGET} on 2 workers: {futures} futures "
          f"({futures / two / 3600:.2f} h) per option (the baseline counts as one); with "
          f"second order {futures2} ({futures2 / two / 3600:.2f} h)")
    print(f"written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
