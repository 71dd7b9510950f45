"""Wall time of the shipped regional calibration on 2 local workers (the 15-minute budget).

    nice .venv/bin/python benchmarks/calibration_budget.py [--jobs 2] [--write]

Runs ``flowsim calibrate calibration/regional.yaml --jobs N`` into a temporary folder and
prints the wall time, the simulations used, one simulation's time and the machine
reference loop (as benchmarks/model_speed.py), so figures from different machines compare.
The set-up's particle count (100) puts about five weighted particles beyond each end of a
90% interval; more particles or generations are for ``--backend dask --address HOST:PORT``
on a cluster.
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

from flowsim.calibration.fit import calibrate, load_calibration, simulate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    setup = ROOT / "calibration" / "regional.yaml"
    cal = load_calibration(setup)
    t = time.perf_counter()
    simulate(cal.scenario_data, 1, cal.horizon, cal.rows)
    one = time.perf_counter() - t
    ref = reference_seconds()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        summary = calibrate(setup, jobs=args.jobs, out=Path(tmp) / "out", echo=None)
        wall = time.perf_counter() - t
    s = cal.spec.abc
    text = "\n".join([
        "### Budget: the regional set-up on 2 cores", "",
        f"Written by `benchmarks/calibration_budget.py`: {s.particles} particles, at most "
        f"{s.generations} generations after the prior one and {s.max_simulations} simulations "
        f"per generation, {cal.spec.predictive_runs} predictive runs, `--jobs {args.jobs}`: "
        f"**{wall / 60:.1f} min** wall time for {summary['simulations']:,} simulations of "
        f"{cal.horizon} steps (one simulation {one:.2f} s; machine reference loop "
        f"{ref:.2f} s). The machine is shared, so this is an upper bound for an idle one. "
        "For more particles or a larger scenario, run on a Dask cluster: `flowsim calibrate "
        "calibration/regional.yaml --backend dask --address HOST:PORT` (same numbers "
        "whatever the number of workers).", ""])
    print(text)


if __name__ == "__main__":
    main()
