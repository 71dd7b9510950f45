"""How run time grows as traffickers and countries double (synthetic scenarios).

    .venv/bin/python benchmarks/scaling.py [--steps 24] [--repeats 3]

Prints run time per step for 1x, 2x, 4x and 8x traffickers on a fixed 16-country
network, then for 8, 16, 32, 64 countries with a fixed number of traffickers per source,
with the ratio to the previous line (2.0 would be linear in the doubled quantity). Each
figure is the best of ``--repeats`` runs: on a shared machine the best is the most
repeatable measure of the work done.
"""

from __future__ import annotations

import argparse
import time

from synthetic import make_scenario

from flowsim.inputs.scenario import scenario_from_data
from flowsim.model.flow_model import FlowModel


def seconds_per_step(data: dict, steps: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        model = FlowModel(scenario_from_data(data, "<synthetic>"))
        model.run(2)                           # warm-up: first trips and plans
        t0 = time.perf_counter()
        model.run(steps)
        best = min(best, (time.perf_counter() - t0) / steps)
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=24)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    print("traffickers doubling (16 countries)")
    print(f"{'traffickers':>12} {'ms/step':>9} {'ratio':>6}")
    prev = None
    for per_source in (10, 20, 40, 80):
        data = make_scenario(16, per_source)
        n = sum(t["count"] for t in data["traffickers"])
        t = seconds_per_step(data, args.steps, args.repeats) * 1000
        print(f"{n:>12} {t:>9.1f} {'' if prev is None else f'{t / prev:.2f}':>6}", flush=True)
        prev = t
    print("\ncountries doubling (10 traffickers per source country)")
    print(f"{'countries':>12} {'ms/step':>9} {'ratio':>6}")
    prev = None
    for n_countries in (8, 16, 32, 64):
        t = seconds_per_step(make_scenario(n_countries, 10), args.steps,
                             args.repeats) * 1000
        print(f"{n_countries:>12} {t:>9.1f} {'' if prev is None else f'{t / prev:.2f}':>6}",
              flush=True)
        prev = t


if __name__ == "__main__":
    main()
