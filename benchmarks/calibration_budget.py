"""Wall time and stability of the shipped regional calibration on 2 local workers.

    nice .venv/bin/python benchmarks/calibration_budget.py [--jobs 2] [--seeds 2] [--write]

Runs ``flowsim calibrate calibration/regional.yaml --jobs N`` into a temporary folder, once
per master seed (the set-up's own seed, then the next ones), and prints the wall time, the
simulations used, one simulation's time and the machine reference loop (as
benchmarks/model_speed.py), so figures from different machines compare. The set-up's
particle count (100) puts about five weighted particles beyond each end of a 90% interval;
the runs with other seeds show how much the posterior moves with the ABC's own randomness
(a stable posterior moves little against its width). More particles or generations are for
``--backend dask --address HOST:PORT`` on a cluster. With ``--write`` the section goes to
docs/results/calibration-budget.md, which docs/calibration.md quotes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from model_speed import reference_seconds  # noqa: E402

from flowsim.calibration.fit import (  # noqa: E402
    calibrate,
    load_calibration,
    setup_copy,
    simulate,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=2, help="master seeds to run (stability)")
    ap.add_argument("--write", action="store_true", help="write docs/results/"
                    "calibration-budget.md and splice it into the docs")
    args = ap.parse_args()
    setup = ROOT / "calibration" / "regional.yaml"
    cal = load_calibration(setup)
    t = time.perf_counter()
    simulate(cal.scenario_data, 1, cal.horizon, cal.rows)
    one = time.perf_counter() - t
    ref = reference_seconds()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.seeds):
            seed = cal.spec.seed + k
            t = time.perf_counter()
            copy = setup_copy(setup, Path(tmp) / f"regional-seed{seed}.yaml", seed=seed)
            summary = calibrate(copy, jobs=args.jobs,
                                out=Path(tmp) / f"out{seed}", echo=None)
            runs.append((seed, time.perf_counter() - t, summary))
            print(f"seed {seed}: {runs[-1][1] / 60:.1f} min", flush=True)
    s = cal.spec.abc
    wall, summary = runs[0][1], runs[0][2]
    lines = [
        "### Budget: the regional set-up on 2 cores", "",
        f"Written by `benchmarks/calibration_budget.py`: {s.particles} particles, at most "
        f"{s.generations} generations after the prior one and {s.max_simulations} simulations "
        f"per generation, {cal.spec.noise_runs} noise runs, {cal.spec.predictive_runs} "
        f"predictive runs, `--jobs {args.jobs}`: **{wall / 60:.1f} min** wall time for "
        f"{summary['simulations']:,} simulations of {cal.horizon} steps (one simulation "
        f"{one:.2f} s; machine reference loop {ref:.2f} s). The machine is shared, so this is "
        "an upper bound for an idle one. For more particles or a larger scenario, run on a "
        "Dask cluster: `flowsim calibrate calibration/regional.yaml --backend dask --address "
        "HOST:PORT` (same numbers whatever the number of workers).", "",
        f"Stability: the same set-up and data with {len(runs)} master seeds (the ABC's own "
        "randomness only):", "",
        "| master seed | parameter | posterior median | 90% interval | width / prior's | "
        "simulations | wall time |", "|---|---|---|---|---|---|---|"]
    for seed, minutes, summ in runs:
        for i, (name, v) in enumerate(summ["parameters"].items()):
            lines.append(f"| {seed if i == 0 else ''} | {name} | {v['median']:.3g} | "
                         f"[{v['p05']:.3g}, {v['p95']:.3g}] | {v['width_ratio']:.0%} | "
                         f"{summ['simulations'] if i == 0 else ''} | "
                         f"{f'{minutes / 60:.1f} min' if i == 0 else ''} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        sys.path.insert(0, str(ROOT / "docs" / "results"))
        from generate import publish

        publish("calibration-budget", text)


if __name__ == "__main__":
    main()
