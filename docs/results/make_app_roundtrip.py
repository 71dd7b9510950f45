"""The workshop app's browser round-trip for one Step (benchmarks/app_roundtrip.py):
Debian's chromium driven by Playwright against `flowsim app` on this machine, teaching
scenario, alone and with the baseline beside the run."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "app_roundtrip.py"


def generate() -> str:
    spec = importlib.util.spec_from_file_location("app_roundtrip", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    lines = ["| teaching | median ms, click to new counters | worst ms | reference loop ms | "
             "median / reference loop | target ms |", "|---|---|---|---|---|---|"]
    for compare in (False, True):
        got = bench.measure(20, compare)
        lines.append(f"| {'compare with baseline' if compare else 'run alone'} | "
                     f"{got['median']:.0f} | {got['worst']:.0f} | {got['reference']:.0f} | "
                     f"{got['median'] / got['reference']:.2f} | {bench.TARGET_MS:.0f} |")
    return "\n".join(lines) + (
        "\n\n20 Step clicks each (after one warm-up step) at 1280x720; the reference loop "
        "`sum(range(10**7))` was timed just before each row on the machine that made this "
        "table (2 cores shared with other jobs).\n")
