"""Steps per second and peak memory of the model on the shipped scenarios.

Each scenario runs in a fresh process (so peak resident memory is its own) on one core,
``--repeats`` times:

    .venv/bin/python benchmarks/model_speed.py [--steps 120] [--repeats 3]
                                               [--scenarios teaching regional large]

Prints one line per scenario: build time, run time for the steps (best and median of the
repeats; on a shared machine the best is the most repeatable measure of the work), the best
run time as a multiple of a fixed pure-Python reference loop timed beside it ("x ref": the
figure to compare across machines and moments), steps per second at the best, peak resident
memory (MiB), and stockpiled weapons at the start.
Figures measured on this project's machines are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(path: str, steps: int) -> dict:
    from flowsim.inputs.scenario import load_scenario
    from flowsim.model.flow_model import FlowModel

    scenario = load_scenario(path)
    t0 = time.perf_counter()
    model = FlowModel(scenario)
    t1 = time.perf_counter()
    model.run(steps)
    t2 = time.perf_counter()
    stock = int(model.initial[:3].sum())
    return {"scenario": scenario.name, "build_s": t1 - t0, "run_s": t2 - t1,
            "steps_per_s": steps / (t2 - t1), "steps": steps, "weapons": stock,
            "rounds": int(model.initial[3]), "traffickers": len(model.trafficker_list),
            "countries": len(model.country_ids),
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def in_fresh_process(path: str, steps: int) -> dict:
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
            f"from model_speed import measure; print(json.dumps(measure({path!r}, {steps})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT, env={"OMP_NUM_THREADS": "1",
                                                    "OPENBLAS_NUM_THREADS": "1",
                                                    "PATH": ""})
    return json.loads(out.stdout.strip().splitlines()[-1])


def reference_seconds() -> float:
    """Time of a fixed pure-Python loop, to compare figures measured on different machines."""
    t0 = time.perf_counter()
    sum(range(10**7))
    return time.perf_counter() - t0


def measure_all(names: list[str], steps: int, repeats: int) -> tuple[float, list[dict]]:
    """(reference loop seconds, one row per scenario with best/median run time and the
    best run time divided by the reference loop's: the figure comparable across machines)."""
    rows = []
    refs = []
    for name in names:
        runs = []
        for _ in range(max(1, repeats)):
            refs.append(reference_seconds())
            runs.append(in_fresh_process(str(ROOT / "scenarios" / f"{name}.yaml"), steps))
        r = dict(min(runs, key=lambda x: x["run_s"]))
        r["median_s"] = statistics.median(x["run_s"] for x in runs)
        r["peak_mib"] = max(x["peak_mib"] for x in runs)
        r["name"] = name
        rows.append(r)
    ref = min(refs)
    for r in rows:
        r["relative"] = r["run_s"] / ref
    return ref, rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=120)
    p.add_argument("--scenarios", nargs="+", default=["teaching", "regional", "large"])
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    ref, rows = measure_all(args.scenarios, args.steps, args.repeats)
    print(f"machine reference: sum(range(10**7)) takes {ref:.2f} s here (best of "
          f"{len(args.scenarios) * max(1, args.repeats)})")
    print(f"{'scenario':<10} {'countries':>9} {'traffickers':>11} {'weapons':>10} "
          f"{'build s':>8} {'run s':>7} {'median':>7} {'x ref':>6} {'steps/s':>8} "
          f"{'peak MiB':>9}")
    for r in rows:
        print(f"{r['name']:<10} {r['countries']:>9} {r['traffickers']:>11} {r['weapons']:>10,} "
              f"{r['build_s']:>8.2f} {r['run_s']:>7.2f} {r['median_s']:>7.2f} "
              f"{r['relative']:>6.1f} {r['steps_per_s']:>8.1f} {r['peak_mib']:>9.0f}",
              flush=True)


if __name__ == "__main__":
    main()
