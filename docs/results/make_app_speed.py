"""The workshop app's speed for the trainers' guide: one step plus redraw on the server
(benchmarks/app_speed.py), compare mode on, teaching and regional."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "app_speed.py"


def generate() -> str:
    spec = importlib.util.spec_from_file_location("app_speed", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    ref = min(bench.reference_ms() for _ in range(3))
    lines = ["| scenario | median ms per step + redraw | / reference loop | budget ms |",
             "|---|---|---|---|"]
    for name in ("teaching", "regional"):
        median, _worst = bench.step_and_redraw_ms(name, 24)
        lines.append(f"| {name} | {median:.0f} | {median / ref:.2f} | "
                     f"{bench.BUDGET_MS[name]:.0f} |")
    return "\n".join(lines) + (f"\n\n24 steps with compare mode on; the reference loop "
                               f"`sum(range(10**7))` took {ref:.0f} ms on the machine that "
                               "made this table (2 cores shared with other jobs).\n")
