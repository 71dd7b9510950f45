"""Instructions a run executes, counted by valgrind's callgrind, against an earlier commit.

    .venv/bin/python benchmarks/instructions.py [--against 3c0b836] [--scenario regional]
                                                [--steps 120] [--seeds 1] [--write]
                                                [--outputs] [--without-cases] [--jobs 2]

Wall and CPU times move with whatever else the machine is doing; instruction counts do
not (the same code, inputs and environment give the same count, with the other core
busy or not), so this is the measure for "no slower than before" on a shared machine.
For each tree, the working tree and ``--against`` checked out in a temporary git worktree,
it counts a run of ``--steps`` steps and a run of none, each in a fresh interpreter under
callgrind with ``PYTHONHASHSEED=0`` (string hashing changes dict layouts, hence counts),
and prints the difference: the instructions of the steps, imports and set-up cancelled.
The two trees simulate their own model: where a change alters what happens (more trips,
more seizures), the count includes that work. About 3 minutes per tree on regional,
valgrind being 30 to 50 times slower than the interpreter alone. With ``--without-cases``
it also counts the working tree with the seizure and surrender cases switched off (the
step's possession seizures discarded uncut, no surrender cases logged): what the rest of
the model costs, an ablation to say how much of a difference the cases make (the random
path differs from the full run's, as their draws are missing). With ``--write`` the lines
go to docs/results/instructions.md, which benchmarks/README.md quotes.

A run's output records are made when they are read (seizure and flow rows, and the
possession cases, drawn in the step and cut into rows when first read), so the count of a
run leaves them out. ``--outputs`` counts, for both trees, a run with what an experiment
keeps of it (:func:`flowsim.outputs.metrics.run_totals` and the series of four flows) and
a run with every table ``flowsim run`` writes (:func:`flowsim.outputs.tables.all_tables`,
files not written): the work a user waits for. Counts are independent of the machine's
load, so ``--jobs`` of them run side by side.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUN = """
import sys
sys.path.insert(0, {tree!r})
from flowsim.inputs.scenario import load_scenario
from flowsim.model.flow_model import FlowModel
{ablation}
scenario = load_scenario({scenario!r})
for seed in {seeds!r}:
    model = FlowModel(scenario, seed=seed)
    model.run({steps})
    {after}
"""

#: What is done with each run after it (``--outputs``): nothing, what an experiment keeps
#: (flowsim.studies.experiment.run_task's totals and series), every table.
AFTER = {
    "run": "pass",
    "experiment": ("from flowsim.outputs.metrics import run_totals, series; "
                   "run_totals(model); [series(model, f) for f in ('diverted', 'delivered', "
                   "'seized_border', 'seized_inland')]"),
    "tables": "from flowsim.outputs.tables import all_tables; all_tables(model)",
}


#: Switches the cases off (``--without-cases``): the step's possession seizures are
#: discarded without being cut, and collected weapons make no surrender cases.
WITHOUT_CASES = """
from flowsim.model.cases import CaseBatch
def _discard(model):
    if len(model._possession):
        model.seized += model._possession.totals       # the counts, without the cases
    model._possession, model._possession_country = CaseBatch(), []
FlowModel._log_possession_cases = _discard
FlowModel.record_surrenders = lambda model, country, book: None
"""


def count(tree: Path, scenario: str, steps: int, seeds: list[int], ablation: str = "",
          after: str = "run") -> int:
    """Instructions of a fresh interpreter that loads ``tree``'s flowsim and runs (after
    ``ablation``, code run once the model is imported; then :data:`AFTER` ``[after]``
    with each model)."""
    code = RUN.format(tree=str(tree), scenario=str(tree / "scenarios" / f"{scenario}.yaml"),
                      seeds=seeds, steps=steps, ablation=ablation, after=AFTER[after])
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


LABELS = {
    "run": "a run minus a run of no steps",
    "experiment": "a run and what an experiment keeps of it (run totals, four series), "
                  "minus the same with no steps",
    "tables": "a run and every table `flowsim run` writes (files not written), minus the "
              "same with no steps",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", default="3c0b836",
                        help="commit to compare with (default: before issues #22 and #23)")
    parser.add_argument("--scenario", default="regional")
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--write", action="store_true",
                        help="write docs/results/instructions.md and splice it into the docs")
    parser.add_argument("--outputs", action="store_true",
                        help="also count runs with what an experiment keeps and with every "
                             "table")
    parser.add_argument("--without-cases", action="store_true",
                        help="also count the working tree with the cases switched off")
    parser.add_argument("--jobs", type=int, default=2,
                        help="counts run side by side (default 2)")
    args = parser.parse_args()
    if subprocess.run(["valgrind", "--version"], capture_output=True).returncode:
        raise SystemExit("instructions.py: valgrind is not installed (apt-get install valgrind)")
    modes = ["run", "experiment", "tables"] if args.outputs else ["run"]
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "against"
        subprocess.run(["git", "worktree", "add", "--detach", str(old), args.against],
                       cwd=ROOT, check=True, capture_output=True)
        try:
            counts = [(tree, mode, "") for tree in (old, ROOT) for mode in modes]
            if args.without_cases:
                counts.append((ROOT, "run", WITHOUT_CASES))
            with ThreadPoolExecutor(max(1, args.jobs)) as pool:
                jobs = {(tree, mode, ablation, steps): pool.submit(
                    count, tree, args.scenario, steps, args.seeds, ablation, mode)
                    for tree, mode, ablation in counts for steps in (args.steps, 0)}
                found = {key: job.result() for key, job in jobs.items()}
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT,
                           capture_output=True)

    def steps_only(tree: Path, mode: str, ablation: str = "") -> int:
        return found[(tree, mode, ablation, args.steps)] - found[(tree, mode, ablation, 0)]

    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                          capture_output=True).stdout.strip()
    text = (f"Written by `benchmarks/instructions.py`: {args.scenario}, {args.steps} steps, "
            f"seed{'s' if len(args.seeds) > 1 else ''} {', '.join(map(str, args.seeds))}, "
            f"instructions under callgrind.\n")
    for mode in modes:
        now, before = steps_only(ROOT, mode), steps_only(old, mode)
        verdict = ("no more than" if now <= before else "more than")
        text += (f"\n- {LABELS[mode][0].upper()}{LABELS[mode][1:]}: {now / 1e6:,.0f} million "
                 f"at {head} against {before / 1e6:,.0f} million at {args.against} "
                 f"({now / before - 1:+.1%}): {verdict} at {args.against}.\n")
    if args.without_cases:
        bare, before = steps_only(ROOT, "run", WITHOUT_CASES), steps_only(old, "run")
        verdict = ("so cases that cost nothing would still leave the run slower than at "
                   f"{args.against}" if bare > before else
                   f"so without the cases' work the run would be no slower than at "
                   f"{args.against}")
        text += (f"\nWith the seizure and surrender cases switched off (`--without-cases`; "
                 f"another random path): {bare / 1e6:,.0f} million "
                 f"({bare / before - 1:+.1%} on {args.against}), {verdict}.\n")
    print(text, end="")
    if args.write:
        sys.path.insert(0, str(ROOT / "docs" / "results"))
        from generate import publish

        publish("instructions", text)


if __name__ == "__main__":
    main()
