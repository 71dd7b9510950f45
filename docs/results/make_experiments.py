"""docs/shipped-experiments.md, "What the shipped experiments say": runs every
experiments/*.yaml that is a policy comparison (not the sensitivity study, whose results
make_sensitivity.py writes) and writes its comparison, displacement and harm tables (numbers
from the runs, never by hand).

    .venv/bin/python docs/results/generate.py experiments    # a few minutes on 2 cores

Set FLOWSIM_JOBS to change the number of worker processes (default 2); results do not
depend on it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from flowsim.inputs.harm import GROUPS  # noqa: E402
from flowsim.studies import report as rp  # noqa: E402
from flowsim.studies.experiment import BASELINE, load_experiment  # noqa: E402
from flowsim.studies.study import run_experiment  # noqa: E402


def _md(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def comparison(manifest: dict, table: pd.DataFrame) -> str:
    rows = []
    ranked = table.assign(order=table["rank"].fillna(0)).sort_values("order", kind="stable")
    for _, r in ranked.iterrows():
        row = {"option": r["option"],
               "rank": "" if pd.isna(r.get("rank")) else int(r["rank"]),
               "cost (USD)": rp.fmt(r["cost_usd"])}
        for name in manifest["outcomes"]:
            digits = 3 if name == "traced_share" else 0
            row[rp.label(name).lower()] = rp.fmt(r[f"{name}_mean"], digits)
        base = r["option"] == BASELINE
        row["kept from end users [95% interval]"] = "" if base else rp.fmt_interval(
            r["kept_mean"], r["kept_lo"], r["kept_hi"])
        row["kept per USD 1M"] = "" if base else rp.fmt(r["kept_per_usd_million"])
        row["P(beats baseline) [95% Wilson]"] = "" if base else (
            f"{r['p_beats_baseline']:.0%} [{r['p_beats_lo']:.0%}, {r['p_beats_hi']:.0%}]")
        row["paired runs"] = "" if base else int(r["paired_runs"])
        rows.append(row)
    out = _md(pd.DataFrame(rows))
    opts = table[table["option"] != BASELINE]
    n = int(opts["paired_runs"].min())
    notes = []
    if n < rp.MIN_PAIRED_RUNS:
        notes.append(f"With {n} paired runs per option (fewer than {rp.MIN_PAIRED_RUNS}) the "
                     "sample is too small to rank the options; the rank orders the means.")
    undecided = [o for o, lo, hi in zip(opts["option"], opts["p_beats_lo"], opts["p_beats_hi"],
                                        strict=True) if lo <= 0.5 <= hi]
    if undecided:
        notes.append("The P(beats baseline) interval includes 50% for "
                     f"{', '.join(f'`{o}`' for o in undecided)}.")
    if (opts["kept_lo"] <= 0).all():
        notes.append("No option's interval of weapons kept from end users excludes zero.")
    return out + ("\n\n" + " ".join(notes) if notes else "")


def displacement_table(found: dict) -> str:
    rows = []
    for option, d in found.items():
        per = d["per_crossing"]
        gain = per[~per["targeted"] & (per["change"] > 0)].sort_values("change",
                                                                       ascending=False)
        share = d["share"]
        rows.append({
            "option": option,
            "diverted away from targeted crossings": rp.fmt_interval(*d["away"]),
            "origin countries": ", ".join(d["origins"]),
            "more leaving them by other crossings": rp.fmt_interval(*d["elsewhere"]),
            "share reappearing": "" if pd.isna(share[0]) else (
                f"{share[0]:.0%}" + ("" if pd.isna(share[1]) else
                                     f" [{share[1]:.0%}, {share[2]:.0%}]")),
            "largest gains (crossing: weapons)": ", ".join(
                f"{c} {v:+,.0f}" for c, v in zip(gain["crossing"].head(3),
                                                  gain["change"].head(3), strict=True)),
            "change in deliveries": rp.pct(-d["kept"][0] / d["base_delivered"]),
        })
    return _md(pd.DataFrame(rows))


def harm_table(manifest: dict, table: pd.DataFrame, records: list[dict]) -> str:
    br = rp.harm_breakdown(manifest, records)
    rows = []
    for _, r in table[table["option"] != BASELINE].iterrows():
        row = {"option": r["option"],
               "deaths averted [95% interval]": rp.fmt_interval(
                   r["deaths_averted_mean"], r["deaths_averted_lo"], r["deaths_averted_hi"], 1),
               "injuries averted": rp.fmt(r["injuries_averted_mean"], 1),
               "deaths averted per USD 1M": rp.fmt(r["deaths_averted_per_usd_million"], 2)}
        sub = br[(br["option"] == r["option"]) & (br["dimension"] == "group")]
        for g in GROUPS:
            row[f"{g} (deaths + injuries)"] = rp.fmt(
                sub.loc[sub["category"] == g, "mean"].item(), 1)
        row["gender-responsive funding"] = rp.pct(r["gender_share"])
        rows.append(row)
    return _md(pd.DataFrame(rows))


def experiment_block(path: Path, out: Path, jobs: int) -> str:
    exp = load_experiment(path)
    results = run_experiment(path, jobs=jobs, out=out / exp.spec.name, report=False,
                             echo=None)
    manifest, records = rp.load_records(results)
    runs, _ = rp.frames(records)
    table = rp.summarise(manifest, runs, records)
    found = rp.displacement(manifest, records)
    parts = [f"**`{path.name}`** ({len(exp.options) - 1} options and the baseline, "
             f"{len(exp.samples)} sampled future{'s' if len(exp.samples) > 1 else ''} x "
             f"{exp.spec.replications} replications, "
             f"{exp.horizon} {exp.scenario.simulation.step_length}s; scenario "
             f"`{exp.spec.scenario.split('/')[-1]}`, "
             f"{manifest['assumptions']['calibration']}):", "", comparison(manifest, table)]
    if found:
        parts += ["", "Displacement (weapons passed plus seized, against the baseline):", "",
                  displacement_table(found)]
    parts += ["", "Firearm harm averted over the horizon (illustrative harm rates: see "
              "the scenario reference's `harm` block):", "",
              harm_table(manifest, table, records)]
    return "\n".join(parts)


def generate() -> str:
    jobs = int(os.environ.get("FLOWSIM_JOBS", "2"))
    with tempfile.TemporaryDirectory() as tmp:
        blocks = [experiment_block(p, Path(tmp), jobs)
                  for p in sorted((ROOT / "experiments").glob("*.yaml"))
                  if "sensitivity" not in yaml.safe_load(p.read_text())]
    return ("Generated by `docs/results/make_experiments.py` (weapons exclude ammunition; "
            "95% intervals over sampled futures and replications, paired with the "
            "baseline).\n\n" + "\n\n".join(blocks) + "\n")


if __name__ == "__main__":
    print(generate())
