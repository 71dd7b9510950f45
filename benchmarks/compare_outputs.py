"""Do two versions of the model give the same distribution of the main outputs?

Run it beside any re-pin of the output digests (tests/test_api.py): a refactor or a speed-up
should leave the distribution of every headline outcome over replications unchanged, even
where the random draws, and so the pinned bytes, differ; a deliberate change should move the
outcomes it meant to move and no others.

    .venv/bin/python benchmarks/compare_outputs.py --base c233d06 [--head WORKTREE|REV]
        [--scenario scenarios/regional.yaml] [--replications 30] [--steps 60]

Each version is taken from git (``git archive``, the working tree by default for the head)
and runs its own copy of the scenario file with seeds 1..N in a fresh interpreter. Per
outcome (run_totals: diverted, trafficked, seized, delivered, ...) it prints both means and
standard deviations, Welch's t-test on the means and the two-sample Kolmogorov-Smirnov test
on the distributions (scipy.stats), and flags outcomes with p < 0.01 in either. Identical
code gives identical samples (p = 1).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
WORKTREE = "WORKTREE"
ALPHA = 0.01

RUN = """
import json, sys
from flowsim.inputs.scenario import load_scenario
from flowsim.model.flow_model import FlowModel
from flowsim.outputs.metrics import run_totals
scenario = load_scenario(sys.argv[1])
out = []
for seed in range(1, int(sys.argv[2]) + 1):
    model = FlowModel(scenario, seed=seed)
    model.run(int(sys.argv[3]))
    out.append(run_totals(model))
print(json.dumps(out))
"""


def checkout(rev: str, into: Path) -> Path:
    """The repository at ``rev`` (or the working tree) as a folder to import flowsim from."""
    if rev == WORKTREE:
        return ROOT
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True,
                             check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def samples(folder: Path, scenario: str, replications: int, steps: int) -> list[dict]:
    done = subprocess.run([sys.executable, "-c", RUN, str(folder / scenario),
                           str(replications), str(steps)], cwd=folder, capture_output=True,
                          text=True, check=True, env={"PYTHONPATH": str(folder),
                                                      "PATH": "/usr/bin:/bin"})
    return json.loads(done.stdout)


def compare(base: list[dict], head: list[dict]) -> list[dict]:
    """Per outcome: means, sds, Welch and KS p-values, and whether it differs at ALPHA."""
    rows = []
    for outcome in sorted(set(base[0]) & set(head[0])):
        a = np.array([r[outcome] for r in base], dtype=float)
        b = np.array([r[outcome] for r in head], dtype=float)
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        same = len(a) == len(b) and np.array_equal(a, b)
        p_t = 1.0 if same or (a.std() == 0 and b.std() == 0 and a.mean() == b.mean()) \
            else float(stats.ttest_ind(a, b, equal_var=False).pvalue)
        p_ks = 1.0 if same else float(stats.ks_2samp(a, b).pvalue)
        rows.append({"outcome": outcome, "base_mean": a.mean(), "base_sd": a.std(ddof=1),
                     "head_mean": b.mean(), "head_sd": b.std(ddof=1), "p_welch": p_t,
                     "p_ks": p_ks, "differs": min(p_t, p_ks) < ALPHA})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="git revision before the change")
    ap.add_argument("--head", default=WORKTREE, help="git revision after (default: the "
                    "working tree)")
    ap.add_argument("--scenario", default="scenarios/regional.yaml")
    ap.add_argument("--replications", type=int, default=30)
    ap.add_argument("--steps", type=int, default=60)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        runs = [samples(checkout(rev, Path(tmp) / name), args.scenario, args.replications,
                        args.steps)
                for name, rev in (("base", args.base), ("head", args.head))]
    rows = compare(*runs)
    print(f"{args.scenario}, {args.replications} replications of {args.steps} steps: "
          f"{args.base} vs {args.head}\n")
    print("| outcome | base mean (sd) | head mean (sd) | Welch p | KS p | |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['outcome']} | {r['base_mean']:.4g} ({r['base_sd']:.3g}) | "
              f"{r['head_mean']:.4g} ({r['head_sd']:.3g}) | {r['p_welch']:.3f} | "
              f"{r['p_ks']:.3f} | {'**differs**' if r['differs'] else ''} |")
    moved = [r["outcome"] for r in rows if r["differs"]]
    print(f"\n{'outcomes that moved (p < 0.01): ' + ', '.join(moved) if moved else
             'no outcome moved (p >= 0.01 for every one)'}")
    return 1 if moved else 0


if __name__ == "__main__":
    sys.exit(main())
