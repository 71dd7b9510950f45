"""Performance figures (benchmarks/README.md): benchmarks/model_speed.py on the shipped
scenarios."""

from __future__ import annotations

import datetime
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

STEPS, REPEATS = 120, 5


def generate() -> str:
    import mesa
    from model_speed import measure_all

    ref, rows = measure_all(["teaching", "regional", "large"], STEPS, REPEATS)
    lines = [
        f"`benchmarks/model_speed.py --repeats {REPEATS}`: {STEPS} monthly steps (ten "
        f"simulated years), each run in a fresh process on one core, best of {REPEATS} "
        f"(measured {datetime.date.today().isoformat()}, Python "
        f"{platform.python_version()}, Mesa {mesa.__version__}; the machine's reference loop "
        f"`sum(range(10**7))` took {ref:.2f} s).",
        "",
        "| scenario | countries | traffickers | weapons stockpiled | run s (best) | median s "
        "| x reference loop | peak MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['name']} | {r['countries']} | {r['traffickers']} | "
                     f"{r['weapons']:,} | {r['run_s']:.2f} | {r['median_s']:.2f} | "
                     f"{r['relative']:.1f} | {r['peak_mib']:.0f} |")
    return "\n".join(lines)
