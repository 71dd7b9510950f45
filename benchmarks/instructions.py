"""Instructions a run executes, counted by valgrind's callgrind, against an earlier commit.

    .venv/bin/python benchmarks/instructions.py [--against 3c0b836] [--scenario regional]
                                                [--steps 120] [--seeds 1] [--write]

Wall and CPU times move with whatever else the machine is doing; instruction counts do
not (the same code, inputs and environment give the same count, with the other core
busy or not), so this is the measure for "no slower than before" on a shared machine.
For each tree, the working tree and ``--against`` checked out in a temporary git worktree,
it counts a run of ``--steps`` steps and a run of none, each in a fresh interpreter under
callgrind with ``PYTHONHASHSEED=0`` (string hashing changes dict layouts, hence counts),
and prints the difference: the instructions of the steps, imports and set-up cancelled.
The two trees simulate their own model: where a change alters what happens (more trips,
more seizures), the count includes that work. About 3 minutes per tree on regional,
valgrind being 30 to 50 times slower than the interpreter alone. With ``--write`` the line
goes to docs/results/instructions.md, which benchmarks/README.md quotes.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUN = """
import sys
sys.path.insert(0, {tree!r})
from flowsim.inputs.scenario import load_scenario
from flowsim.model.flow_model import FlowModel
scenario = load_scenario({scenario!r})
for seed in {seeds!r}:
    FlowModel(scenario, seed=seed).run({steps})
"""


def count(tree: Path, scenario: str, steps: int, seeds: list[int]) -> int:
    """Instructions of a fresh interpreter that loads ``tree``'s flowsim and runs."""
    code = RUN.format(tree=str(tree), scenario=str(tree / "scenarios" / f"{scenario}.yaml"),
                      seeds=seeds, steps=steps)
    env = {**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=tree)
    found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if done.returncode or not found:
        raise SystemExit(f"instructions.py: the run under callgrind failed in {tree}:\n"
                         f"{done.stderr[-2000:]}")
    return int(found.group(1))


def steps_only(tree: Path, args: argparse.Namespace) -> int:
    return (count(tree, args.scenario, args.steps, args.seeds)
            - count(tree, args.scenario, 0, args.seeds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", default="3c0b836",
                        help="commit to compare with (default: before issues #22 and #23)")
    parser.add_argument("--scenario", default="regional")
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--write", action="store_true",
                        help="write docs/results/instructions.md and splice it into the docs")
    args = parser.parse_args()
    if subprocess.run(["valgrind", "--version"], capture_output=True).returncode:
        raise SystemExit("instructions.py: valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "against"
        subprocess.run(["git", "worktree", "add", "--detach", str(old), args.against],
                       cwd=ROOT, check=True, capture_output=True)
        try:
            before = steps_only(old, args)
            now = steps_only(ROOT, args)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT,
                           capture_output=True)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                          capture_output=True).stdout.strip()
    text = (f"Written by `benchmarks/instructions.py`: {args.scenario}, {args.steps} steps, "
            f"seed{'s' if len(args.seeds) > 1 else ''} {', '.join(map(str, args.seeds))}, "
            f"instructions under callgrind (a run minus a run of no steps): "
            f"{now / 1e6:,.0f} million at {head} against {before / 1e6:,.0f} million at "
            f"{args.against} ({now / before - 1:+.1%}).\n")
    print(text, end="")
    if args.write:
        sys.path.insert(0, str(ROOT / "docs" / "results"))
        from generate import publish

        publish("instructions", text)


if __name__ == "__main__":
    main()
