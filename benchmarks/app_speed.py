"""Speed of the workshop app on the server: one step plus everything a redraw computes
(counters, event feed, the network and the charts as SVG, as the page sends them), for the
teaching and regional scenarios, with the baseline beside the run (compare mode, the
heavier case). The budget is 200 ms for teaching and 500 ms for regional.

Like the other benchmarks it prints figures relative to the reference loop
``sum(range(10**7))`` timed on the same machine, so numbers from different machines (or
moments of a shared one) can be compared; the absolute milliseconds are printed too.

    .venv/bin/python benchmarks/app_speed.py [--steps 24]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from flowsim.app import views
from flowsim.app.page import counters_html
from flowsim.app.session import Setup, WorkshopModel

BUDGET_MS = {"teaching": 200.0, "regional": 500.0}
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def reference_ms() -> float:
    """The benchmarks' reference loop, ``sum(range(10**7))``, in milliseconds."""
    start = time.perf_counter()
    sum(range(10**7))
    return (time.perf_counter() - start) * 1000


def redraw(model: WorkshopModel, charts: views.Charts) -> None:
    counters_html(model)
    views.network_svg(model.run)
    views.to_svg(charts.update())             # the page keeps its charts figure


def step_and_redraw_ms(name: str, steps: int) -> tuple[float, float]:
    setup = Setup.from_file(SCENARIOS / f"{name}.yaml")
    setup.compare = True
    model = WorkshopModel(setup)
    charts = views.Charts(model.run, model.baseline)
    redraw(model, charts)               # warm-up (imports, font cache)
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        model.step()
        redraw(model, charts)
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times)), float(np.max(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=24)
    args = parser.parse_args()
    ref = min(reference_ms() for _ in range(3))
    print(f"reference loop: {ref:.1f} ms")
    print("scenario   median ms  max ms  / reference  budget ms  within budget")
    for name in ("teaching", "regional"):
        median, worst = step_and_redraw_ms(name, args.steps)
        print(f"{name:<10} {median:9.1f} {worst:7.1f} {median / ref:12.2f} "
              f"{BUDGET_MS[name]:10.0f}  {'yes' if median < BUDGET_MS[name] else 'NO'}")


if __name__ == "__main__":
    main()
