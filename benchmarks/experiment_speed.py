"""Experiment throughput (runs per second) at 1 and 2 workers, and parallel efficiency.

    .venv/bin/python benchmarks/experiment_speed.py [--runs 12] [--steps 60]

Runs the same batch of independent `regional.yaml` runs (the experiment runner's joblib
backend) with 1 worker and with 2, and prints runs per second for each and the parallel
efficiency, throughput(2) / (2 x throughput(1)).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml

from flowsim.studies.experiment import run_task
from flowsim.studies.runner import run_parallel

ROOT = Path(__file__).resolve().parent.parent


def throughput(jobs: int, n_runs: int, steps: int, data: dict) -> float:
    args = [(data, [], seed, steps, ("baseline", 0, seed)) for seed in range(n_runs)]
    t0 = time.perf_counter()
    n = sum(1 for _ in run_parallel(run_task, args, jobs=jobs))
    return n / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=12)
    p.add_argument("--steps", type=int, default=60)
    args = p.parse_args()
    data = yaml.safe_load((ROOT / "scenarios" / "regional.yaml").read_text())
    throughput(2, 2, 2, data)                        # start the worker pool once
    one = throughput(1, args.runs, args.steps, data)
    two = throughput(2, args.runs, args.steps, data)
    print(f"regional.yaml, {args.runs} runs of {args.steps} steps")
    print(f"1 worker : {one:.3f} runs/s")
    print(f"2 workers: {two:.3f} runs/s")
    print(f"parallel efficiency at 2 workers: {two / (2 * one):.2f}")


if __name__ == "__main__":
    main()
