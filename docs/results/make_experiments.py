"""docs/shipped-experiments.md, "What the shipped experiments say": runs every
experiments/*.yaml that is a policy comparison (not the sensitivity study, whose results
make_sensitivity.py writes) and writes its comparison, displacement and harm tables (numbers
from the runs, never by hand), then which option rankings changed against the previous
version of the results and through which channels the moved options act (issue #21).

    .venv/bin/python docs/results/generate.py experiments    # a few minutes on 2 cores

The previous rankings are frozen in ``experiments-previous.json`` beside this script,
written from an earlier ``experiments.md`` by

    .venv/bin/python docs/results/make_experiments.py --freeze REV   # e.g. c233d06

Set FLOWSIM_JOBS to change the number of worker processes (default 2); results do not
depend on it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from flowsim.inputs.harm import GROUPS  # noqa: E402
from flowsim.inputs.interventions import CHANNELS  # noqa: E402
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
        row["against the baseline"] = "" if base else r.get("standing", "")
        rows.append(row)
    out = _md(pd.DataFrame(rows))
    opts = table[table["option"] != BASELINE]
    n = int(opts["paired_runs"].min())
    notes = [f"**Bottom line** (as the report writes it): {_plain(rp.headline(table, manifest))}",
             f"**Rule**: {rp.CERTAINTY_RULE}"]
    if n < rp.MIN_PAIRED_RUNS:
        notes.append(f"With {n} paired runs per option (fewer than {rp.MIN_PAIRED_RUNS}) no "
                     "option is ranked.")
    undecided = [o for o, lo, hi in zip(opts["option"], opts["p_beats_lo"], opts["p_beats_hi"],
                                        strict=True) if lo <= 0.5 <= hi]
    if undecided:
        notes.append("The P(beats baseline) interval includes 50% for "
                     f"{', '.join(f'`{o}`' for o in undecided)}.")
    if (opts["kept_lo"] <= 0).all():
        notes.append("No option's interval of weapons kept from end users excludes zero.")
    return out + "\n\n" + " ".join(notes)


def _plain(text: str) -> str:
    """The report's HTML sentence as Markdown (bold kept, entities decoded)."""
    import html

    return html.unescape(re.sub(r"</?strong>", "**", text))


def displacement_table(found: dict) -> str:
    rows = []
    for option, d in found.items():
        per = d["per_crossing"]
        gain = per[~per["targeted"] & (per["change"] > 0)].sort_values("change",
                                                                       ascending=False)
        rows.append({
            "option": option,
            "left the targeted crossings (weapons)": rp.fmt_interval(*d["away"]),
            "origin countries": ", ".join(d["origins"]),
            "more leaving them elsewhere (weapons)": rp.fmt_interval(*d["elsewhere"]),
            "share reappearing elsewhere": rp.share_text(d),
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
        # harm to women and girls per USD 1M: victims' shares differ by setting (#23),
        # so this can rank options differently from deaths averted per USD 1M
        row["women and girls per USD 1M"] = rp.fmt(r["women_girls_averted_per_usd_million"], 2)
        rows.append(row)
    return _md(pd.DataFrame(rows))


PREVIOUS = Path(__file__).resolve().parent / "experiments-previous.json"


def rankings_from_markdown(text: str) -> dict[str, list[dict]]:
    """Each experiment's ranked options (option, rank, kept per USD 1M) read from the first
    table after its ``**`NAME.yaml`**`` header in a generated experiments.md."""
    found: dict[str, list[dict]] = {}
    for block in re.split(r"^\*\*`", text, flags=re.M)[1:]:
        name = block.split("`", 1)[0]
        all_lines = block.splitlines()
        first = next(i for i, ln in enumerate(all_lines) if ln.startswith("|"))
        lines = []
        for ln in all_lines[first:]:                     # the first table only
            if not ln.startswith("|"):
                break
            lines.append(ln)
        header = [c.strip() for c in lines[0].strip("|").split("|")]
        rows = []
        for ln in lines[2:]:
            cells = [c.strip() for c in ln.strip("|").split("|")]
            row = dict(zip(header, cells, strict=True))
            if row.get("rank"):
                rows.append({"option": row["option"], "rank": int(row["rank"]),
                             "kept_per_usd_million": row.get("kept per USD 1M", "")})
        found[name] = rows
    return found


def freeze(rev: str) -> dict:
    """The rankings of ``docs/results/experiments.md`` at git revision ``rev``."""
    text = subprocess.run(["git", "show", f"{rev}:docs/results/experiments.md"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout
    return {"version": rev, "experiments": rankings_from_markdown(text)}


def ranking_changes(previous: dict, current: dict[str, list[dict]],
                    types: dict[str, list[str]]) -> str:
    """Which options changed rank against ``previous``, and the channels through which
    each moved option acts now (``types``: option -> its intervention types)."""
    lines = [f"Rankings against the previous version of these results "
             f"({previous['version']}):", ""]
    for name, rows in current.items():
        before = {r["option"]: r for r in previous["experiments"].get(name, [])}
        if not before:
            lines.append(f"- `{name}`: new, no previous ranking.")
            continue
        moved = [r for r in rows if r["option"] in before
                 and before[r["option"]]["rank"] != r["rank"]]
        order = ", ".join(r["option"] for r in rows)
        if not rows:
            was = ", ".join(b["option"] for b in sorted(before.values(),
                                                         key=lambda b: b["rank"]))
            lines.append(f"- `{name}`: no option is ranked now (the report's certainty rule "
                         f"ranks only options told apart from the baseline, with at least "
                         f"{rp.MIN_PAIRED_RUNS} paired runs each); the previous version "
                         f"ordered the means: {was}.")
            continue
        if not moved:
            lines.append(f"- `{name}`: ranking unchanged ({order}).")
            continue
        parts = []
        for r in moved:
            b = before[r["option"]]
            why = "; ".join(CHANNELS[t][0] for t in types.get(r["option"], []) if t in CHANNELS)
            parts.append(f"`{r['option']}` {b['rank']} -> {r['rank']} (kept per USD 1M "
                         f"{b['kept_per_usd_million']} -> {r['kept_per_usd_million']}; acts "
                         f"through: {why})")
        lines.append(f"- `{name}`: now {order}; moved: " + "; ".join(parts) + ".")
    return "\n".join(lines)
def gender_funding_table(table: pd.DataFrame) -> str:
    """The declared gender-responsive share of each option's budget, apart from harm."""
    opts = table[table["option"] != BASELINE]
    return _md(pd.DataFrame({"option": opts["option"],
                             "declared gender-responsive funding": opts["gender_share"].map(
                                 rp.pct)}))


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
        parts += ["", "Traffic moved to other crossings (weapons passed plus seized, against "
                  "the baseline; the share reappearing is left out when what left the "
                  "targeted crossings may be zero):", "",
                  displacement_table(found)]
    parts += ["", "Firearm harm averted over the horizon (illustrative harm rates: see "
              "the scenario reference's `harm` block):", "",
              harm_table(manifest, table, records)]
    parts += ["", "Declared gender-responsive funding (a declaration only: it has no "
              "modelled effect on any outcome above):", "", gender_funding_table(table)]
    return "\n".join(parts)


def ranked(block: str) -> list[dict]:
    """The ranked options of one generated block (the same reading as the frozen file)."""
    return next(iter(rankings_from_markdown(block).values()))


def option_types(path: Path) -> dict[str, list[str]]:
    exp = load_experiment(path)
    return {name: [iv.type for iv in exp.own(name)] for name in exp.options}


def generate() -> str:
    jobs = int(os.environ.get("FLOWSIM_JOBS", "2"))
    paths = [p for p in sorted((ROOT / "experiments").glob("*.yaml"))
             if "sensitivity" not in yaml.safe_load(p.read_text())]
    with tempfile.TemporaryDirectory() as tmp:
        blocks = [experiment_block(p, Path(tmp), jobs) for p in paths]
    return assemble(paths, blocks)


def assemble(paths: list[Path], blocks: list[str]) -> str:
    current = {p.name: ranked(b) for p, b in zip(paths, blocks, strict=True)}
    types: dict[str, list[str]] = {}
    for p in paths:
        types.update(option_types(p))
    changes = ranking_changes(json.loads(PREVIOUS.read_text()), current, types)
    return ("Generated by `docs/results/make_experiments.py` (weapons exclude ammunition; "
            "95% intervals over sampled futures and replications, paired with the "
            "baseline).\n\n" + "\n\n".join(blocks) + "\n\n" + changes + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--freeze"]:
        PREVIOUS.write_text(json.dumps(freeze(sys.argv[2]), indent=2) + "\n")
        print(f"wrote {PREVIOUS}")
    else:
        print(generate())
