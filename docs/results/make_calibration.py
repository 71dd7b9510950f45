"""The shipped calibrations, re-made from scratch: synthetic data, fits, recovery table.

    .venv/bin/python docs/results/generate.py calibration      # ~20 min on 2 cores

For each shipped set-up (``calibration/teaching.yaml``, ``calibration/regional.yaml``):

1. re-make its data with ``flowsim synthesize`` at the true values in ``TRUTHS`` (written
   to ``calibration/NAME-seizures.csv`` and ``.truth.json``), so the data follow the
   current model;
2. run ``flowsim calibrate`` on them (ABC-SMC, the set-up's own settings, ``--jobs 2``,
   into a fresh temporary folder);
3. tabulate, per parameter, the truth, the posterior median and 90% interval, the
   interval's width relative to the prior's (log scale for log priors) and whether it holds
   the truth, plus coverage of the predictive band and the run's time.

The truths sit away from the priors' medians (both priors are log-uniform on [0.2, 5],
median 1). A set-up passes when every interval holds its truth and is at most half the
prior's width; the table says which do.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

TRUTHS = {
    "teaching": {"seed": 101, "truth": {"state_leakage": 1.8, "civilian_leakage": 0.6}},
    "regional": {"seed": 202, "truth": {"state_leakage": 1.8, "civilian_leakage": 0.6}},
}


def flowsim(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "flowsim.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"flowsim {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def generate() -> str:
    lines = ["| set-up | parameter | truth | posterior median | 90% interval | width / prior's "
             "| truth inside | coverage fit / held out | simulations | time (2 workers) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, made in TRUTHS.items():
            setup = f"calibration/{name}.yaml"
            truth_args = [a for k, v in made["truth"].items() for a in ("--truth", f"{k}={v}")]
            flowsim("synthesize", setup, *truth_args, "--seed", str(made["seed"]), "--out",
                    f"calibration/{name}-seizures.csv")
            out = Path(tmp) / name
            t = time.perf_counter()
            flowsim("calibrate", setup, "--jobs", "2", "--out", str(out))
            minutes = (time.perf_counter() - t) / 60
            summary = json.loads((out / "summary.json").read_text())
            ok = True
            for i, (param, v) in enumerate(summary["parameters"].items()):
                truth = made["truth"][param]
                inside = v["p05"] <= truth <= v["p95"]
                ok &= inside and v["width_ratio"] <= 0.5
                first = i == 0
                cov = (f"{summary['coverage_fit']:.0%} / {summary['coverage_holdout']:.0%}"
                       if first else "")
                lines.append(
                    f"| {name if first else ''} | {param} | {truth:g} | {v['median']:.3g} | "
                    f"[{v['p05']:.3g}, {v['p95']:.3g}] | {v['width_ratio']:.0%} | "
                    f"{'yes' if inside else '**no**'} | {cov} | "
                    f"{summary['simulations'] if first else ''} | "
                    f"{f'{minutes:.1f} min' if first else ''} |")
            verdicts.append(f"- {name}: {'passes' if ok else '**fails**'}")
            verdicts += [f"  - warning: {w}" for w in summary["warnings"]]
    return "\n".join([
        "Written by `docs/results/make_calibration.py`, which re-makes the shipped data with "
        "`flowsim synthesize` at known true values and runs `flowsim calibrate` on them "
        "(ABC-SMC, `--jobs 2`, on the project's shared 2-core machine). Parameters multiply "
        "the documented base leakage rates (log-uniform priors on [0.2, 5]). Coverage: "
        "observations inside the simulated 90% band. Each row's error is divided by its "
        "noise (`count_scale: noise`).", "", *lines, "",
        "Recovery (every 90% interval holds the truth and is at most half the prior's "
        "width):", "", *verdicts])
