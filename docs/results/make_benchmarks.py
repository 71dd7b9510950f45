"""benchmarks/README.md figures: experiment throughput and scaling, as the scripts print them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

COMMANDS = [
    ["benchmarks/experiment_speed.py"],
    ["benchmarks/scaling.py", "--steps", "24", "--repeats", "3"],
]


def generate() -> str:
    parts = []
    for cmd in COMMANDS:
        done = subprocess.run([sys.executable, *cmd], cwd=ROOT, capture_output=True,
                              text=True, check=True)
        parts += [f"`python {' '.join(cmd)}`:", "", "```", done.stdout.rstrip(), "```", ""]
    return "\n".join(parts)
