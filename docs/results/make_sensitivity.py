"""Results (docs/guides/researcher.md) of the shipped sensitivity study and of the Sobol
throughput benchmark.

Runs (or resumes) ``flowsim sensitivity experiments/sensitivity.yaml --jobs 2`` into
``results/sensitivity-sensitivity``, scenario discovery ('fails' on deliveries) for each
option, and quotes ``benchmarks/sensitivity_speed.json`` (written by
``benchmarks/sensitivity_speed.py``) for the time of a 10-parameter Sobol study at N=512.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from flowsim.studies.discovery import discover
from flowsim.studies.experiment import BASELINE
from flowsim.studies.sensitivity import KEPT, load_sensitivity, run_sensitivity

ROOT = Path(__file__).resolve().parent.parent.parent
EXPERIMENT = ROOT / "experiments" / "sensitivity.yaml"
OUT = ROOT / "results" / "sensitivity-sensitivity"
BENCH = ROOT / "benchmarks" / "sensitivity_speed.json"


def cell(row: pd.Series, col: str) -> str:
    v, c = row[col], row[f"{col}_conf"]
    return "n/a" if pd.isna(v) else f"{v:.2f} ± {c:.2f}"


def generate() -> str:
    exp = load_sensitivity(EXPERIMENT)
    d = exp.design
    _, table = run_sensitivity(EXPERIMENT, jobs=2, out=OUT, echo=None)
    options = [o for o in exp.options if o != BASELINE]
    base = table[(table["option"] == BASELINE) & (table["outcome"] == "delivered")]
    kept = {o: table[(table["option"] == o) & (table["outcome"] == KEPT)]
                 .set_index("parameter") for o in options}
    head = ["parameter", "baseline deliveries: S1", "ST"] + [f"{o}: kept, ST" for o in options]
    lines = [f"**`sensitivity.yaml`** — Sobol, N = {d.n}, {len(d.names)} parameters: "
             f"{d.run_formula()} futures x {len(exp.options)} options (baseline included) = "
             f"{len(exp.tasks())} runs of {exp.horizon} months, one seed for all (common random "
             "numbers). Indices ± the half-width of their 95% bootstrap interval; S1: share of "
             "the variance due to the parameter alone, ST: including its interactions; "
             "'kept' is the option's weapons kept from end users against the baseline.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, row in base.iterrows():
        p = row["parameter"]
        lines.append("| " + " | ".join([f"`{p}`", cell(row, "S1"), cell(row, "ST")]
                                       + [cell(kept[o].loc[p], "ST") for o in options]) + " |")
    lines += ["", f"At N = {d.n} the intervals are wide: with one seed the outcome still "
              "responds to a parameter partly through the random draws it shifts (run-to-run "
              "noise), so the ranking is indicative; rerun with `--samples 256` or more "
              "(into a new `--out` folder: the old one refuses a different design) before "
              "relying on it. Scenario discovery on the same futures "
              "(`flowsim discover ... --when fails`):", ""]
    for option in options:
        found = discover(OUT, option=option, outcome="delivered", when="fails", boxes=1)
        text = (f"`{option}` does not beat the baseline on deliveries (paired) in "
                f"{found.marked} of {found.futures} futures ({found.marked / found.futures:.0%})")
        if not found.box_stats.empty:
            st = found.box_stats.iloc[0]
            limits = "; ".join(f"`{r['parameter']}` {r['min']:.3g}–{r['max']:.3g}"
                               for _, r in found.boxes.iterrows())
            text += (f"; PRIM's box: {limits} (coverage {st['coverage']:.0%}, density "
                     f"{st['density']:.0%})")
        top = found.features.iloc[:, 0].idxmax() if not found.features.empty else None
        if top:
            text += f"; feature scoring ranks `{top}` first"
        lines.append(f"- {text}.")
    if BENCH.exists():
        b = json.loads(BENCH.read_text())
        runs3 = 3 * b["target_futures"]
        lines += ["", f"Throughput (`benchmarks/sensitivity_speed.py`: Sobol over "
                  f"{b['parameters']} parameters of `{b['scenario']}`, {b['horizon']} steps, "
                  f"{b['measured_runs']} runs): {b['runs_per_s_1']:.2f} runs/s on 1 worker, "
                  f"{b['runs_per_s_2']:.2f} on 2, parallel efficiency {b['efficiency']:.2f} "
                  f"(measured on the project's shared 2-core machine; the reference loop "
                  f"`sum(range(10**7))` took {b['reference_loop_s']:.2f} s then: at 2 workers "
                  f"one run per {1 / b['runs_per_s_2'] / b['reference_loop_s']:.1f} "
                  f"reference loops, the figure to compare across machines). At that rate a "
                  f"{b['parameters']}-parameter Sobol study at N = {b['target_N']} "
                  f"({b['target_N']}·({b['parameters']}+2) = {b['target_futures']:,} futures "
                  f"per option) takes {b['target_hours_per_option_2']:.1f} h on 2 cores for "
                  f"the baseline alone and {3 * b['target_hours_per_option_2']:.1f} h for the "
                  f"baseline and two options ({runs3:,} runs); with second order "
                  f"({b['target_futures_second_order']:,} futures per option) "
                  f"{b['target_hours_per_option_2_second_order']:.1f} h per option. Run it on "
                  "a Dask cluster with `--backend dask --address HOST:PORT` "
                  "(docs/exploratory.md)."]
    return "\n".join(lines) + "\n"
