"""Donor-facing comparison of policy options from an experiment's results folder.

For each option against the baseline, paired run by run (same sampled future, same seed:
common random numbers): the mean and a 95% interval (2.5th-97.5th percentiles over futures
and replications) of each outcome; weapons kept from end users (baseline deliveries minus
the option's); weapons kept per USD 1 million; P(beats baseline), the share of paired runs in
which the option delivers fewer weapons than the baseline, with a 95% Wilson interval and
the number of paired runs; displacement (traffic pushed off the targeted crossings and where
it reappeared) for options acting on crossings or borders; and firearm harm averted
(deaths and injuries, by end-user kind and victims' sex and age group, harm to women and
girls per USD 1 million, and the indicative non-lethal harms when set: 000 ¶31, ¶113;
002 ¶26-27, ¶70); and, in a section of its own, each option's declared gender-responsive
funding share, which has no modelled effect. The report states its
assumptions: what each option funds, the sampled uncertainties, the scenario's calibration
status, the flowsim version and the date.

Writes ``report/summary.csv``, PNG plots and one self-contained ``report/report.html`` that
prints to PDF. The page is built from section functions (:data:`SECTIONS`), each taking a
:class:`ReportContext` and returning HTML, so a new section is one more function.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from flowsim._version import __version__
from flowsim.errors import InputError
from flowsim.inputs.editing import NOT_CALIBRATED
from flowsim.inputs.experiment import BASELINE
from flowsim.inputs.harm import (
    GROUPS,
    INDICATIVE,
    INDICATIVE_LABELS,
    KIND_LABELS,
    KINDS,
    SETTINGS,
)
from flowsim.io import AtomicDir
from flowsim.outputs.figures import new_figure, save_figure
from flowsim.studies.experiment import read_runs

#: the one interval level used throughout the report
LEVEL = 0.95
LO, HI = 100 * (1 - LEVEL) / 2, 100 * (1 + LEVEL) / 2
LEVEL_TEXT = f"{LEVEL:.0%}"
#: fewer paired runs than this per option: the sample is too small to rank options
MIN_PAIRED_RUNS = 30
BASELINE_COLOUR = "#6b6b6b"
PALETTE = ("#1f77b4", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d",
           "#e6ab02", "#17becf", "#8c564b")
FIG_WIDTH = 7.5          # inches: 750 px at the saved resolution, within the page width
DPI = 100

OUTCOME_LABELS = {
    "diverted": "Diverted", "trafficked": "Trafficked", "seized": "Seized",
    "seized_border": "Seized at borders", "seized_inland": "Seized inland",
    "delivered": "Delivered to end users", "destroyed": "Destroyed",
    "traced_share": "Share of seized weapons traced", "tracing_requests": "Tracing requests",
    "end_user_stock": "Held by end users at the end", "rounds_delivered": "Rounds delivered",
}
#: results_dir/sections/*.html: extra report sections other studies write (sensitivity...)
SECTIONS_DIR = "sections"


def label(name: str) -> str:
    """Human-readable name of an outcome or column."""
    return OUTCOME_LABELS.get(name, name.replace("_", " ").capitalize())


# --- loading -------------------------------------------------------------------------------
def load_results(results_dir: str | Path) -> tuple[dict, pd.DataFrame, dict]:
    """(manifest, one row per run with its totals, series by run key)."""
    manifest, records = load_records(results_dir)
    return manifest, *frames(records)


def frames(records: list[dict]) -> tuple[pd.DataFrame, dict]:
    """(one row per run with its totals, series by run key) from run records."""
    rows = [{"option": r["option"], "sample": r["sample"], "replication": r["replication"],
             **r["totals"]} for r in records]
    series = {(r["option"], r["sample"], r["replication"]): r["series"] for r in records}
    return pd.DataFrame(rows), series


def load_manifest(results_dir: str | Path) -> dict:
    """The results folder's manifest (what experiment its runs belong to)."""
    manifest_path = Path(results_dir) / "manifest.json"
    if not manifest_path.exists():
        raise InputError(str(results_dir), "", "not an experiment results folder (no "
                         "manifest.json); run `flowsim experiment` first")
    return json.loads(manifest_path.read_text())


def load_records(results_dir: str | Path) -> tuple[dict, list[dict]]:
    results_dir = Path(results_dir)
    manifest = load_manifest(results_dir)
    runs = read_runs(results_dir)
    if not runs:
        raise InputError(str(results_dir / "runs.jsonl"), "", "no finished runs yet")
    return manifest, runs


def interval(values) -> tuple[float, float, float]:
    """(mean, low, high) at the report's interval level; NaNs for no values."""
    v = np.asarray(values, dtype=float)
    if not len(v):
        return np.nan, np.nan, np.nan
    lo, hi = np.percentile(v, [LO, HI])
    return float(v.mean()), float(lo), float(hi)


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n at the report's level."""
    from scipy.stats import binomtest

    if n == 0:
        return np.nan, np.nan
    ci = binomtest(k, n).proportion_ci(confidence_level=LEVEL, method="wilson")
    return float(ci.low), float(ci.high)


def paired(records: list[dict], option: str) -> list[tuple[dict, dict]]:
    """(baseline record, option record) for every (future, replication) both have."""
    base = {(r["sample"], r["replication"]): r for r in records if r["option"] == BASELINE}
    return [(base[(r["sample"], r["replication"])], r) for r in records
            if r["option"] == option and (r["sample"], r["replication"]) in base]


#: Victims' groups that are female (harm to women and girls)
FEMALE = ("women", "girls")


def harm_total(record: dict, outcome: str, kinds=KINDS, groups=GROUPS) -> float:
    h = record.get("harm", {}).get(outcome, {})
    return sum(h.get(k, {}).get(g, 0.0) for k in kinds for g in groups)


# --- the numbers -----------------------------------------------------------------------------
def summarise(manifest: dict, runs: pd.DataFrame, records: list[dict] | None = None
              ) -> pd.DataFrame:
    """One row per option: outcome means and intervals, effect against baseline, P(beats
    baseline) over all paired runs with its Wilson interval, harm averted, ranking."""
    outcomes = manifest["outcomes"]
    costs = manifest["costs"]
    gender = manifest.get("assumptions", {}).get("gender_share", {})
    key = ["sample", "replication"]
    base = runs[runs["option"] == BASELINE].set_index(key)
    rows = []
    for option in manifest["options"]:
        own = runs[runs["option"] == option].set_index(key)
        if own.empty:
            continue
        row: dict = {"option": option, "runs": len(own), "cost_usd": costs.get(option, 0.0),
                     "gender_share": gender.get(option, np.nan)}
        for name in outcomes:
            row[f"{name}_mean"], row[f"{name}_lo"], row[f"{name}_hi"] = interval(own[name])
        if option != BASELINE and not base.empty:
            both = own.merge(base, left_index=True, right_index=True, suffixes=("", "_base"))
            kept = (both["delivered_base"] - both["delivered"]).to_numpy(dtype=float)
            row["kept_mean"], row["kept_lo"], row["kept_hi"] = interval(kept)
            n = len(kept)
            wins = int((kept > 0).sum())          # a tie does not beat the baseline
            row["paired_runs"] = n
            row["p_beats_baseline"] = wins / n if n else np.nan
            row["p_beats_lo"], row["p_beats_hi"] = wilson(wins, n)
            millions = row["cost_usd"] / 1e6
            row["kept_per_usd_million"] = row["kept_mean"] / millions if millions else np.nan
            if records is not None and all("harm" in r for r in records):
                pairs = paired(records, option)
                for outcome in ("deaths", "injuries"):
                    averted = [harm_total(b, outcome) - harm_total(o, outcome)
                               for b, o in pairs]
                    m, lo, hi = interval(averted)
                    row[f"{outcome}_averted_mean"] = m
                    row[f"{outcome}_averted_lo"], row[f"{outcome}_averted_hi"] = lo, hi
                    row[f"{outcome}_averted_per_usd_million"] = m / millions if millions \
                        else np.nan
                # deaths and injuries to women and girls: the victims' shares differ by
                # setting, so this can rank options differently from total harm
                averted = [sum(harm_total(b, o_, groups=FEMALE) - harm_total(o, o_,
                                                                               groups=FEMALE)
                               for o_ in ("deaths", "injuries")) for b, o in pairs]
                m, lo, hi = interval(averted)
                row["women_girls_averted_mean"] = m
                row["women_girls_averted_lo"], row["women_girls_averted_hi"] = lo, hi
                row["women_girls_averted_per_usd_million"] = m / millions if millions \
                    else np.nan
        rows.append(row)
    return certainty(pd.DataFrame(rows))


#: how an option stands against the baseline under the report's one certainty rule
BETTER, WORSE, UNCLEAR = "fewer delivered", "more delivered", "cannot be told apart"
CERTAINTY_RULE = (f"An option is told apart from the baseline only when the {LEVEL_TEXT} "
                  "interval of its weapons kept from end users (paired runs) excludes zero; "
                  "options are ranked only among those that keep weapons by this rule, and "
                  f"only with at least {MIN_PAIRED_RUNS} paired runs each.")


def certainty(table: pd.DataFrame) -> pd.DataFrame:
    """The report's one certainty rule (:data:`CERTAINTY_RULE`), for every option: a
    ``standing`` column (:data:`BETTER`, :data:`WORSE` or :data:`UNCLEAR`) and a ``rank``
    (by weapons kept per USD 1 million, then weapons kept) only among the options that keep
    weapons by the rule, and only when each has at least :data:`MIN_PAIRED_RUNS` paired
    runs; every other option has no rank."""
    table = table.copy()
    if "kept_lo" not in table:
        return table
    is_opt = table["option"] != BASELINE
    table["standing"] = np.where(~is_opt, "", np.where(
        table["kept_lo"] > 0, BETTER, np.where(table["kept_hi"] < 0, WORSE, UNCLEAR)))
    better = table[is_opt & (table["standing"] == BETTER)
                   & (table["paired_runs"] >= MIN_PAIRED_RUNS)]
    ranked = better.sort_values(["kept_per_usd_million", "kept_mean"], ascending=False,
                                na_position="last")
    table["rank"] = table["option"].map({o: i + 1 for i, o in enumerate(ranked["option"])})
    return table


def _names(options) -> str:
    options = [html.escape(str(o)) for o in options]
    return options[0] if len(options) == 1 else ", ".join(options[:-1]) + " and " + options[-1]


def headline(table: pd.DataFrame, manifest: dict) -> str:
    """The bottom line in plain words, made from the numbers by :func:`certainty`'s rule:
    which option kept the most weapons from end users per USD 1 million (only if it can be
    told from the baseline and the sample allows ranking), which cannot be told from the
    baseline, which delivered more. Never calls an option better whose interval spans
    zero."""
    table = certainty(table)
    opts = table[table["option"] != BASELINE]
    if "standing" not in opts or not len(opts):
        return "There is no option with paired baseline runs to compare."
    window = f"over {manifest['horizon']} {_unit(manifest)}"
    status = scenario_status(manifest)
    fictional = "fictional" in status.lower() or "illustrative" in status.lower()
    where = "On this fictional scenario" if fictional else "On this scenario"
    costs = (manifest.get("assumptions", {}).get("costs_status") or "as given").split(",")[0]
    lead = f"{where}, with these {html.escape(costs)} costs, "
    better = opts[opts["standing"] == BETTER]
    unclear = opts[opts["standing"] == UNCLEAR]["option"].tolist()
    worse = opts[opts["standing"] == WORSE]["option"].tolist()
    n = int(opts["paired_runs"].min())
    parts = []
    ranked = better[better["rank"].notna()].sort_values("rank")
    if len(ranked):
        top = ranked.iloc[0]
        per = (f"{fmt(top['kept_per_usd_million'])} weapons per USD 1 million"
               if pd.notna(top["kept_per_usd_million"]) else "no cost given")
        parts.append(f"{lead}<strong>{html.escape(top['option'])}</strong> kept the most "
                     f"weapons from end users per USD 1 million ({per}; "
                     f"{fmt_interval(top['kept_mean'], top['kept_lo'], top['kept_hi'])} "
                     f"weapons kept {window}).")
        others = ranked["option"].tolist()[1:]
        if others:
            parts.append(f"{_names(others)} also kept weapons from end users, ranked below "
                         "it.")
    elif len(better):
        parts.append(f"{lead}{_names(better['option'])} kept weapons from end users "
                     f"{window} by the rule below, but with {n} paired runs per option "
                     f"(fewer than {MIN_PAIRED_RUNS}) the report does not rank "
                     f"{'them' if len(better) > 1 else 'it'}.")
    else:
        parts.append(f"{lead}no option can be told apart from the baseline {window}.")
    if unclear and (len(better) or len(worse)):
        parts.append(f"{_names(unclear)} cannot be told apart from the baseline.")
    elif unclear:
        parts.append(f"Options compared: {_names(unclear)}.")
    if worse:
        parts.append(f"{_names(worse)} delivered more weapons to end users than the "
                     "baseline.")
    return " ".join(parts)


def _unit(manifest: dict) -> str:
    step = manifest.get("step_length", "step")
    return {"month": "months", "year": "years", "week": "weeks", "day": "days"}.get(
        step, f"{step}s")


def scenario_status(manifest: dict) -> str:
    """The scenario's status from its header (``# status: ...``, recorded when the runs
    were made)."""
    return manifest.get("assumptions", {}).get("status") or ""


def banner(manifest: dict) -> str:
    """What the numbers are: the scenario's status (fictional/illustrative or fitted to
    named data, from its header), its calibration, and the cost and harm assumptions."""
    a = manifest.get("assumptions", {})
    status = scenario_status(manifest) or ("not stated in the scenario's header: treat its "
                                           "numbers as illustrative")
    costs = a.get("costs_status") or "as entered in the experiment file, source not stated"
    calibration = a.get("calibration", NOT_CALIBRATED)
    harm = ("harm rates (deaths and injuries per weapon-year held) are the scenario's "
            "assumptions, to be set from national data" if a.get("harm") else
            "no harm rates")
    quick = ('<p><strong>Quick look</strong>: fewer replications or sampled futures than '
             "the experiment file asks for; re-run without --quick before acting on it.</p>"
             if manifest.get("quick") else "")
    return (f'<div class="banner"><p><strong>Scenario</strong> '
            f'{html.escape(a.get("scenario_name", ""))}: {html.escape(status)}. '
            f"<strong>Calibration</strong>: {html.escape(calibration)}. "
            f"<strong>Costs</strong>: {html.escape(costs)}. <strong>Harm</strong>: "
            f"{harm}.</p>{quick}</div>")


def section_headline(ctx: ReportContext) -> str:
    return (f'<section id="headline"><div class="headline"><h2>Bottom line</h2>'
            f'<p>{headline(ctx.table, ctx.manifest)}</p><p class="rule"><strong>Rule'
            f"</strong>: {html.escape(CERTAINTY_RULE)}</p></div>"
            f"{banner(ctx.manifest)}</section>")


def harm_breakdown(manifest: dict, records: list[dict]) -> pd.DataFrame:
    """Harm averted (deaths + injuries) per option, by victims' group and end-user kind:
    one row per (option, dimension, category) with mean, low, high."""
    rows = []
    for option in manifest["options"]:
        if option == BASELINE:
            continue
        pairs = paired(records, option)
        if not pairs:
            continue
        for dim, cats in (("group", GROUPS), ("kind", KINDS)):
            for cat in cats:
                sel = {"groups": (cat,)} if dim == "group" else {"kinds": (cat,)}
                averted = [sum(harm_total(b, o_, **sel) - harm_total(o, o_, **sel)
                               for o_ in ("deaths", "injuries")) for b, o in pairs]
                m, lo, hi = interval(averted)
                rows.append({"option": option, "dimension": dim, "category": cat,
                             "mean": m, "lo": lo, "hi": hi})
    return pd.DataFrame(rows)


def displacement(manifest: dict, records: list[dict]) -> dict[str, dict]:
    """For each option acting on crossings: weapons (passed + seized) diverted away from its
    targeted crossings and reappearing at other crossings, paired run by run, the share that
    reappeared (ratio of means, bootstrap interval) and the change per crossing."""
    from scipy.stats import bootstrap

    out = {}
    crossings = manifest.get("crossings", {})
    for option, targeted in manifest.get("targeted_crossings", {}).items():
        pairs = [(b, o) for b, o in paired(records, option) if "routes" in o]
        if not pairs:
            continue
        names = list(crossings) or list(pairs[0][0]["routes"]["crossings"])
        diff = np.array([[sum(o["routes"]["crossings"].get(c, [0, 0]))
                          - sum(b["routes"]["crossings"].get(c, [0, 0])) for c in names]
                         for b, o in pairs], dtype=float)
        hit = np.array([c in targeted for c in names])
        away, elsewhere, origins = _away_and_elsewhere(pairs, set(targeted))
        kept = np.array([b["totals"]["delivered"] - o["totals"]["delivered"] for b, o in pairs],
                        dtype=float)
        base_delivered = np.mean([b["totals"]["delivered"] for b, _ in pairs])
        share = elsewhere.mean() / away.mean() if away.mean() > 0 else np.nan
        share_lo = share_hi = np.nan
        if len(pairs) > 1 and away.mean() > 0 and np.ptp(away) + np.ptp(elsewhere) > 0:
            res = bootstrap((away, elsewhere), lambda a, e: e.mean() / a.mean()
                            if a.mean() else np.nan, paired=True, vectorized=False,
                            confidence_level=LEVEL, n_resamples=2000, method="percentile",
                            random_state=0)
            share_lo, share_hi = (float(res.confidence_interval.low),
                                  float(res.confidence_interval.high))
        per_crossing = pd.DataFrame({
            "crossing": names, "targeted": hit,
            "border": [crossings.get(c, {}).get("border", "") for c in names],
            "between": [" - ".join(crossings.get(c, {}).get("between", [])) for c in names],
            "baseline": [np.mean([sum(b["routes"]["crossings"].get(c, [0, 0]))
                                  for b, _ in pairs]) for c in names],
            "change": diff.mean(axis=0),
            "change_lo": np.percentile(diff, LO, axis=0),
            "change_hi": np.percentile(diff, HI, axis=0)})
        out[option] = {"targeted": targeted, "origins": origins, "runs": len(pairs),
                       "away": interval(away),
                       "elsewhere": interval(elsewhere), "share": (share, share_lo, share_hi),
                       "kept": interval(kept), "base_delivered": base_delivered,
                       "per_crossing": per_crossing}
    return out


#: a country is an origin of a targeted crossing's traffic if it sends at least this share
ORIGIN_SHARE = 0.1


def _away_and_elsewhere(pairs: list[tuple[dict, dict]], targeted: set[str]
                        ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per paired run: weapons no longer crossing at the targeted crossings, and extra
    weapons leaving the same origin countries through other crossings (so a detour through
    a transit country counts once, on its first leg)."""
    def split(key: str) -> tuple[str, str]:
        crossing, _, pair = key.rpartition(":")
        return crossing, pair.split(">")[0]

    keys = list(pairs[0][0]["routes"].get("directed", {}))
    sent: dict[str, float] = {}
    for b, _ in pairs:
        for k in keys:
            crossing, origin = split(k)
            if crossing in targeted:
                sent[origin] = sent.get(origin, 0.0) + sum(b["routes"]["directed"][k])
    total = sum(sent.values())
    origins = sorted(c for c, n in sent.items() if total and n >= ORIGIN_SHARE * total)
    away, elsewhere = [], []
    for b, o in pairs:
        change = {k: sum(o["routes"]["directed"][k]) - sum(b["routes"]["directed"][k])
                  for k in keys}
        away.append(-sum(v for k, v in change.items() if split(k)[0] in targeted))
        elsewhere.append(sum(v for k, v in change.items() if split(k)[0] not in targeted
                             and split(k)[1] in origins))
    return np.array(away, dtype=float), np.array(elsewhere, dtype=float), origins


# --- presentation helpers --------------------------------------------------------------------
def option_colours(options: list[str]) -> dict[str, str]:
    """One colour per option, the same in every chart (baseline grey)."""
    others = [o for o in options if o != BASELINE]
    colours = {o: PALETTE[i % len(PALETTE)] for i, o in enumerate(others)}
    colours[BASELINE] = BASELINE_COLOUR
    return colours


def fmt(v, digits: int = 0) -> str:
    """A number with thousands separators; never "-0" (a rounded zero has no sign)."""
    if v is None or pd.isna(v):
        return ""
    text = f"{v:,.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def digits_for(*values) -> int:
    """Decimals for counts such as deaths: one where the numbers are small (below 10, where
    the decimal matters), none otherwise; weapons are always whole."""
    finite = [abs(v) for v in values if v is not None and not pd.isna(v)]
    return 1 if finite and max(finite) < 10 else 0


def fmt_interval(m, lo, hi, digits: int = 0) -> str:
    return "" if pd.isna(m) else f"{fmt(m, digits)} [{fmt(lo, digits)}, {fmt(hi, digits)}]"


def fmt_harm(m, lo, hi) -> str:
    """Deaths or injuries: whole numbers, one decimal only where all are below 10."""
    return fmt_interval(m, lo, hi, digits_for(m, lo, hi))


def country_label(code: str, names: dict[str, str]) -> str:
    """'Karvania (KAR)' where the scenario names the country, else the code."""
    return f"{names[code]} ({code})" if names.get(code) else code


def parameter_label(path: str) -> str:
    """A scenario parameter's meaning from the scenario reference (its documented first
    phrase), with the path: 'Theft by outsiders (mechanisms.theft)'."""
    from flowsim.inputs.scenario import Scenario

    tp: typing.Any = Scenario
    doc = ""
    listed = False                        # the previous part named a list: this is an id
    for part in path.split("."):
        if listed:
            listed = False
            continue
        found = ({f.name: f for f in dataclasses.fields(tp)}.get(part)
                 if dataclasses.is_dataclass(tp) else None)
        if found is None:
            return path
        doc = found.metadata.get("doc", "")
        tp = typing.get_type_hints(tp)[part]
        while typing.get_origin(tp) in (list, typing.Union, types.UnionType):
            listed = listed or typing.get_origin(tp) is list
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
    first = re.split(r"\.\s|, x |;", doc.strip())[0].rstrip(".") if doc else ""
    return f"{first} ({path})" if first else path



def pct(v) -> str:
    return "" if v is None or pd.isna(v) else f"{v:.0%}"


def _png(fig, stage: AtomicDir, name: str) -> Path:
    path = stage.path(name)
    save_figure(fig, path, DPI, tight=True)
    return path


def figure_html(path: str | Path, alt: str) -> str:
    """A PNG embedded in the page (the report is one self-contained file)."""
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'
            f"</figure>")


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, escape=True, border=0, classes="data", na_rep="")


@dataclass
class ReportContext:
    """Everything a report section needs."""

    manifest: dict
    runs: pd.DataFrame
    series: dict
    records: list[dict]
    table: pd.DataFrame
    stage: AtomicDir
    colours: dict[str, str]
    pngs: list[Path] = field(default_factory=list)

    @property
    def options(self) -> list[str]:
        present = set(self.runs["option"])
        return [o for o in self.manifest["options"] if o in present]

    def figure(self, fig, name: str, alt: str) -> str:
        path = _png(fig, self.stage, name)
        self.pngs.append(path)
        return figure_html(path, alt)


# --- plots ---------------------------------------------------------------------------------
def _axis_numbers(ax, axis: str = "x", percent: bool = False) -> None:
    """At most five ticks, with thousands separators (or %), so labels never collide."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MaxNLocator(nbins=4, min_n_ticks=2))
    target.set_major_formatter(FuncFormatter(
        (lambda v, _p: f"{v:.0%}" if abs(v) >= 0.01 or v == 0 else f"{v:.1%}") if percent
        else (lambda v, _p: fmt(v))))


def plot_distributions(ctx: ReportContext) -> Figure:
    """Small multiples, one panel per outcome, two to a row; options in their colours;
    each axis labelled with its unit and window, its range fitted to the runs."""
    outcomes = ctx.manifest["outcomes"]
    options = ctx.options
    ncols = 2 if len(outcomes) > 1 else 1
    nrows = -(-len(outcomes) // ncols)
    height = 0.4 * len(options) + 1.5
    fig, axes = new_figure(nrows, ncols, figsize=(FIG_WIDTH, height * nrows), squeeze=False)
    window = f"over {ctx.manifest['horizon']} {_unit(ctx.manifest)}"
    for ax in axes.flat[len(outcomes):]:
        ax.set_visible(False)
    for k, (ax, name) in enumerate(zip(axes.flat, outcomes, strict=False)):
        values = []
        for i, o in enumerate(options):
            v = ctx.runs.loc[ctx.runs["option"] == o, name].to_numpy(dtype=float)
            values.append(v)
            m, lo, hi = interval(v)
            ax.plot([lo, hi], [i, i], color=ctx.colours[o], lw=2.5, solid_capstyle="butt")
            ax.plot(v, np.full(len(v), i), "|", color=ctx.colours[o], alpha=0.5, ms=8)
            ax.plot([m], [i], "o", color=ctx.colours[o], ms=6, mec="white")
        every = np.concatenate(values) if values else np.zeros(1)
        span = float(np.ptp(every)) or max(1.0, abs(float(every.mean())) * 0.1)
        ax.set_xlim(float(every.min()) - 0.08 * span, float(every.max()) + 0.08 * span)
        ax.set_yticks(range(len(options)), options if k % ncols == 0 else [], fontsize=8)
        ax.set_ylim(len(options) - 0.4, -0.6)
        share = name == "traced_share"
        ax.set_title(label(name), fontsize=10)
        ax.set_xlabel("share of seized weapons traced" if share else
                      f"{'rounds' if name == 'rounds_delivered' else 'weapons'} {window}",
                      fontsize=8)
        _axis_numbers(ax, "x", percent=share)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(alpha=0.3, axis="x")
    fig.suptitle(f"Outcomes per run (ticks), mean (dot) and {LEVEL_TEXT} interval (bar)",
                 fontsize=10)
    return fig


def plot_timeseries(ctx: ReportContext) -> Figure:
    """Cumulative weapons kept from end users over time, each option against the baseline
    on the same future and seed: mean and interval band."""
    fig, ax = new_figure(figsize=(FIG_WIDTH, 3.6))
    base = {(s, r): np.cumsum(v["delivered"]) for (o, s, r), v in ctx.series.items()
            if o == BASELINE}
    for option in ctx.options:
        if option == BASELINE:
            continue
        curves = np.array([base[(s, r)] - np.cumsum(v["delivered"])
                           for (o, s, r), v in ctx.series.items()
                           if o == option and (s, r) in base])
        if not len(curves):
            continue
        steps = np.arange(1, curves.shape[1] + 1)
        lo, hi = np.percentile(curves, [LO, HI], axis=0)
        c = ctx.colours[option]
        ax.plot(steps, curves.mean(axis=0), label=option, lw=1.8, color=c)
        ax.fill_between(steps, lo, hi, alpha=0.12, color=c)
    ax.axhline(0, color="black", lw=0.8)
    unit = _unit(ctx.manifest)
    ax.set_xlabel(f"Time since the start ({unit})")
    ax.set_ylabel("Weapons kept from end users\n(cumulative, weapons)")
    _axis_numbers(ax, "y")
    ax.set_title(f"Effect over time against the baseline: mean and {LEVEL_TEXT} band",
                 fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_cost_effectiveness(ctx: ReportContext) -> Figure:
    """Left: cost against weapons kept. Right: weapons kept per USD 1 million, ranked."""
    table = ctx.table
    fig, (left, right) = new_figure(1, 2, figsize=(FIG_WIDTH, 3.6))
    opts = table[table["option"] != BASELINE]
    if "kept_mean" in opts:
        opts = opts.sort_values("kept_per_usd_million", ascending=False, na_position="last")
        for i, (_, r) in enumerate(opts.iterrows()):
            c = ctx.colours[r["option"]]
            err = [[r["kept_mean"] - r["kept_lo"]], [r["kept_hi"] - r["kept_mean"]]]
            left.errorbar(r["cost_usd"] / 1e6, r["kept_mean"], yerr=err, fmt="o", capsize=4,
                          color=c, label=r["option"])
            millions = r["cost_usd"] / 1e6
            if millions:
                right.barh(i, r["kept_per_usd_million"], color=c, xerr=[
                    [(r["kept_mean"] - r["kept_lo"]) / millions],
                    [(r["kept_hi"] - r["kept_mean"]) / millions]], capsize=4)
        right.set_yticks(range(len(opts)), opts["option"], fontsize=8)
        right.invert_yaxis()
        left.legend(frameon=False, fontsize=7)
        xs = opts["cost_usd"] / 1e6
        pad = max(0.5, 0.1 * float(xs.max() or 1))
        left.set_xlim(float(xs.min()) - pad, float(xs.max()) + pad)
    left.axhline(0, color="grey", lw=0.8)
    right.axvline(0, color="grey", lw=0.8)
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    left.set_xlabel("Cost within the horizon, USD million", fontsize=9)
    left.set_ylabel(f"Weapons kept from end users\n(over {ctx.manifest['horizon']} "
                    f"{_unit(ctx.manifest)})", fontsize=9)
    left.set_title(f"Cost and effect (mean, {LEVEL_TEXT} interval)", fontsize=10)
    right.set_xlabel("Weapons kept per USD 1 million", fontsize=9)
    right.set_title("Cost-effectiveness (mean, interval)", fontsize=10)
    _axis_numbers(left, "y")
    _axis_numbers(right, "x")
    return fig


def plot_displacement_network(ctx: ReportContext, option: str, found: dict) -> Figure:
    """Countries as nodes, one arc per crossing: width and colour show the option's mean
    change in weapons crossing (passed + seized) against the baseline; targeted crossings
    dashed; the largest changes labelled."""
    import networkx as nx
    from matplotlib.patches import FancyArrowPatch

    per = found["per_crossing"]
    g = nx.Graph()
    for between in per["between"]:
        a, _, b = between.partition(" - ")
        if a and b:
            g.add_edge(a, b)
    pos = nx.kamada_kawai_layout(g) if len(g) > 2 else nx.circular_layout(g)
    fig, ax = new_figure(figsize=(FIG_WIDTH, 4.6))
    biggest = float(per["change"].abs().max() or 1.0)
    seen: dict[frozenset, int] = {}
    labelled = set(per.reindex(per["change"].abs().sort_values(ascending=False).index)
                   ["crossing"].head(4))
    for _, r in per.iterrows():
        a, _, b = r["between"].partition(" - ")
        if not (a and b):
            continue
        k = seen.get(frozenset((a, b)), 0)
        seen[frozenset((a, b))] = k + 1
        rad = (0.15 * ((k + 1) // 2)) * (1 if k % 2 else -1) if k else 0.0
        change = r["change"]
        colour = "#b2182b" if change > 0 else ("#2166ac" if change < 0 else "#bbbbbb")
        width = 0.8 + 7 * abs(change) / biggest
        arc = FancyArrowPatch(pos[a], pos[b], connectionstyle=f"arc3,rad={rad}",
                              arrowstyle="-", lw=width, color=colour, alpha=0.85,
                              linestyle="--" if r["targeted"] else "-")
        ax.add_patch(arc)
        if r["crossing"] in labelled and change:
            mid = (np.asarray(pos[a]) + np.asarray(pos[b])) / 2
            normal = np.array([pos[a][1] - pos[b][1], pos[b][0] - pos[a][0]])
            mid = mid + rad * normal / 2
            ax.annotate(f"{r['crossing']}: {change:+,.0f}", mid, fontsize=7, ha="center",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.8,
                              "lw": 0})
    from matplotlib.lines import Line2D

    scale = [biggest / 4, biggest / 2, biggest]
    ax.legend([Line2D([], [], color="#777777", lw=0.8 + 7 * v / biggest) for v in scale],
              [f"{fmt(v)} weapons" for v in scale], title="Change (line width)",
              loc="lower left", fontsize=7, title_fontsize=7, frameon=False)
    nx.draw_networkx_nodes(g, pos, ax=ax, node_color="#f2f2f2", edgecolors="#444444",
                           node_size=520)
    nx.draw_networkx_labels(g, pos, ax=ax, font_size=8)
    ax.set_title(f"{option}: change in weapons crossing against the baseline (red: more, "
                 "blue: fewer; dashed: targeted)", fontsize=9, color=ctx.colours[option])
    ax.axis("off")
    ax.margins(0.08)
    return fig


# --- sections ------------------------------------------------------------------------------
def section_summary(ctx: ReportContext) -> str:
    table, manifest = ctx.table, ctx.manifest
    shown = display_table(table, manifest["outcomes"], manifest)
    window = f"{manifest['horizon']} {_unit(manifest)}"
    return f"""<section id="summary"><h2>Options compared with the baseline</h2>
<p>Weapons (ammunition excluded) over the {window} of each run. Each cell gives the mean
and, in brackets, the {LEVEL_TEXT} interval over sampled futures and replications.
<em>Kept from end users</em> is the baseline's deliveries minus the option's in the same
future with the same seed (negative: the option delivered more). <em>Against the
baseline</em> applies the rule of the bottom line. <em>P(beats baseline)</em> is the share
of those paired runs in which the option delivers fewer weapons than the baseline (a tie
does not count), with its {LEVEL_TEXT} Wilson interval; it can exceed 50% while the mean
is negative when a few futures go badly wrong.</p>
<div class="wide">{_table(shown)}</div></section>"""


def _intervention_rows(ivs: list[dict], manifest: dict) -> list[dict]:
    names = manifest.get("assumptions", {}).get("country_names", {})
    unit = _unit(manifest)
    rows = []
    for iv in ivs:
        t = iv.get("targets", {})
        targets = "; ".join(
            f"{k}: {', '.join(country_label(x, names) if k == 'countries' else x for x in v)}"
            for k, v in t.items() if v)
        cost = iv.get("cost", {})
        dur = iv.get("duration")
        hl = iv.get("half_life")
        rows.append({
            "Intervention": iv.get("name") or iv["type"].replace("_", " "),
            "Type": iv["type"].replace("_", " "), "Targets": targets,
            "Strength": f"{iv.get('strength', 0):.2f}",
            f"Start ({unit[:-1]})": iv.get("start", 0),
            "Funded for": "until the end" if dur is None else f"{dur} {unit}",
            "Ramp-up": f"{iv.get('ramp_up', 0)} {unit}",
            "Half-life after funding": "lasts" if hl is None else (
                "stops at once" if hl == 0 else f"{hl:g} {unit}"),
            "One-off cost (USD)": fmt(cost.get("one_off", 0)),
            "Yearly cost (USD)": fmt(cost.get("per_year", 0)),
            "Gender-responsive share": pct(cost.get("gender_responsive_share", 0)),
        })
    return rows


def section_assumptions(ctx: ReportContext) -> str:
    m = ctx.manifest
    a = m.get("assumptions", {})
    parts = ['<section id="assumptions"><h2>Assumptions</h2>']
    calibration = a.get("calibration", NOT_CALIBRATED)
    status = scenario_status(m) or "status not stated"
    parts.append(f'<p><strong>Scenario</strong>: {html.escape(a.get("scenario_name", ""))} '
                 f'({html.escape(status)}). <strong>Calibration</strong>: '
                 f'{html.escape(calibration)}.</p>')
    if calibration == NOT_CALIBRATED:
        parts.append('<p class="warn">The scenario is not calibrated: its numbers show what '
                     "the options do in an illustrative model, not what they would do in a "
                     "real country.</p>")
    base_ivs = a.get("baseline_interventions", [])
    if base_ivs:
        parts.append("<h3>In force in every option, the baseline included</h3>")
        parts.append(_table(pd.DataFrame(_intervention_rows(base_ivs, m))))
    parts.append("<h3>What each option funds</h3>")
    for option, ivs in a.get("interventions", {}).items():
        if option == BASELINE or not ivs:
            continue
        parts.append(f'<h4 style="color:{ctx.colours.get(option, "#222")}">'
                     f"{html.escape(option)}</h4>")
        parts.append(_table(pd.DataFrame(_intervention_rows(ivs, m))))
    unc = a.get("uncertain", [])
    parts.append("<h3>Sampled uncertainties</h3>")
    if unc:
        parts.append(f"<p>{len(m.get('samples', []))} futures sampled by Latin hypercube, "
                     "each option run in every future with the same seeds.</p>")
        parts.append(_table(pd.DataFrame([{"Parameter": parameter_label(u["path"]),
                                           "Low": f"{u['range'][0]:g}",
                                           "High": f"{u['range'][1]:g}"} for u in unc])))
    else:
        parts.append("<p>None: only run-to-run randomness (replications) varies.</p>")
    harm = a.get("harm")
    if harm:
        parts.append("<h3>Harm rates (assumptions to be set from national data)</h3>")
        parts.append(_table(pd.DataFrame([{
            "End users": KIND_LABELS[k],
            "Setting": SETTINGS[k],
            "Deaths per weapon-year": f"{harm[k]['deaths_per_weapon_year']:g}",
            "Injuries per weapon-year": f"{harm[k]['injuries_per_weapon_year']:g}",
            "Female share of victims": pct(harm[k]["female_share"]),
            "Under-18 share of victims": pct(harm[k]["under_18_share"])}
            for k in KINDS if k in harm])))
    parts.append(f"<p>Runs made with flowsim {html.escape(m.get('flowsim_version', '?'))} on "
                 f"{html.escape(m.get('created', '?'))}; report written with flowsim "
                 f"{__version__} on {datetime.now(UTC):%Y-%m-%d}. Weapons exclude "
                 f"ammunition. Every interval in this report is a {LEVEL_TEXT} interval.</p>")
    parts.append("</section>")
    return "\n".join(parts)


def section_outcomes(ctx: ReportContext) -> str:
    return ('<section id="outcomes"><h2>Outcome distributions</h2>'
            + ctx.figure(plot_distributions(ctx), "outcomes.png", "outcome distributions")
            + "</section>")


def costs_differ(table: pd.DataFrame) -> bool:
    """Whether the options' costs differ (else a cost chart carries no information)."""
    costs = table.loc[table["option"] != BASELINE, "cost_usd"].round(0)
    return costs.nunique() > 1


def section_cost_effectiveness(ctx: ReportContext) -> str:
    if not costs_differ(ctx.table):
        cost = ctx.table.loc[ctx.table["option"] != BASELINE, "cost_usd"]
        each = f"USD {fmt(cost.iloc[0])}" if len(cost) else "the same"
        return ('<section id="cost-effectiveness"><h2>Cost-effectiveness</h2><p>Every '
                f"option costs {each} within the horizon, so weapons kept per USD 1 million "
                "order the options exactly as weapons kept do (see the table above); no "
                "cost chart is drawn.</p></section>")
    return ('<section id="cost-effectiveness"><h2>Cost-effectiveness</h2>'
            + ctx.figure(plot_cost_effectiveness(ctx), "cost_effectiveness.png",
                         "cost and effect") + "</section>")


def section_timeseries(ctx: ReportContext) -> str:
    return ('<section id="over-time"><h2>Effect over time</h2>'
            + ctx.figure(plot_timeseries(ctx), "timeseries.png", "effect over time")
            + "</section>")


def section_displacement(ctx: ReportContext) -> str:
    found = displacement(ctx.manifest, ctx.records)
    parts = ['<section id="displacement"><h2>Traffic moved to other crossings</h2>']
    if not found:
        parts.append("<p>No option acts on border crossings, so there is no displacement "
                     "between crossings to show.</p></section>")
        return "\n".join(parts)
    parts.append(f"<p>When some crossings are hardened, traffickers can take their weapons "
                 f"across elsewhere: this section shows how much traffic left the targeted "
                 f"crossings and how much turned up at other crossings over the "
                 f"{ctx.manifest['horizon']} {_unit(ctx.manifest)} of each run.</p>")
    parts.append(f"<p>For each option that acts on crossings or borders: weapons (passed "
                 f"plus seized) that no longer cross at the targeted crossings, how many "
                 f"more leave the same origin countries through other crossings (a detour "
                 f"through a transit country counts once, on its first leg), and where the "
                 f"traffic went, against the baseline in the same future with the same seed; "
                 f"means with {LEVEL_TEXT} intervals over paired runs. Origin countries are "
                 f"those sending at least {ORIGIN_SHARE:.0%} of the targeted crossings' "
                 f"baseline traffic. The share reappearing elsewhere is the ratio of the "
                 f"means, with a bootstrap interval; it is left out when the interval of "
                 f"the traffic leaving the targeted crossings includes zero (a ratio to "
                 f"something that may be nothing means nothing).</p>")
    rows = []
    for option, d in found.items():
        names = ctx.manifest.get("assumptions", {}).get("country_names", {})
        rows.append({
            "Option": option, "Paired runs": d["runs"],
            "Targeted crossings": ", ".join(d["targeted"]),
            "Left the targeted crossings (weapons)": fmt_interval(*d["away"]),
            "Origin countries": ", ".join(country_label(c, names) for c in d["origins"]),
            "More leaving them elsewhere (weapons)": fmt_interval(*d["elsewhere"]),
            "Share reappearing elsewhere": share_text(d),
            "Kept from end users (weapons)": fmt_interval(*d["kept"]),
            "Change in deliveries": pct(-d["kept"][0] / d["base_delivered"])
            if d["base_delivered"] else ""})
    parts.append(_table(pd.DataFrame(rows)))
    for i, (option, d) in enumerate(found.items()):
        per = d["per_crossing"]
        where = per[~per["targeted"] & (per["change"] > 0)].sort_values("change",
                                                                        ascending=False)
        parts.append(f'<h3 style="color:{ctx.colours[option]}">{html.escape(option)}: where '
                     "the traffic went</h3>")
        if len(where):
            parts.append(_table(pd.DataFrame({
                "Crossing": where["crossing"], "Border": where["border"],
                "Between": where["between"],
                "Baseline weapons crossing": where["baseline"].map(fmt),
                "Change": [fmt_interval(m, lo, hi) for m, lo, hi in
                           zip(where["change"], where["change_lo"], where["change_hi"],
                               strict=True)]}).head(8)))
        else:
            parts.append("<p>No other crossing gained traffic on average.</p>")
        parts.append(ctx.figure(plot_displacement_network(ctx, option, d),
                                f"displacement_{i + 1}.png", f"displacement network {option}"))
    parts.append("</section>")
    return "\n".join(parts)


def share_text(found: dict) -> str:
    """The share of displaced traffic reappearing elsewhere, or why it is not given: only
    when the interval of the traffic leaving the targeted crossings excludes zero."""
    _m, lo, hi = found["away"]
    share, s_lo, s_hi = found["share"]
    if pd.isna(share) or pd.isna(lo) or lo <= 0 <= hi:
        return "not given (what left may be zero)"
    return f"{share:.0%}" + ("" if pd.isna(s_lo) else f" [{s_lo:.0%}, {s_hi:.0%}]")


def section_harm(ctx: ReportContext) -> str:
    table = ctx.table
    opts = table[table["option"] != BASELINE]
    parts = ['<section id="harm"><h2>Harm averted, by victims\' sex and age</h2>',
             "<p>Expected firearm deaths and injuries from illicit weapons held by end users "
             "(weapon-years held x the scenario's harm rates, which are assumptions: see "
             "Assumptions), baseline minus option, paired run by run; means with "
             f"{LEVEL_TEXT} intervals. Victims' sex and age shares differ by the setting "
             "each kind of end user's weapons are used in (private sphere, conflict, "
             "crime), so harm to women and girls can rank options differently from total "
             "harm.</p>"]
    if "deaths_averted_mean" not in opts:
        parts.append("<p>These runs carry no harm outcomes (made with an older flowsim)."
                     "</p></section>")
        return "\n".join(parts)
    base = [r for r in ctx.records if r["option"] == BASELINE]
    if base:
        d = np.mean([harm_total(r, "deaths") for r in base])
        i = np.mean([harm_total(r, "injuries") for r in base])
        parts.append(f"<p>Baseline: {fmt(d, digits_for(d))} deaths and "
                     f"{fmt(i, digits_for(i))} injuries expected over the "
                     f"{ctx.manifest['horizon']} {_unit(ctx.manifest)} (mean over runs).</p>")
    parts.append(_table(pd.DataFrame({
        "Option": opts["option"],
        "Deaths averted": [fmt_harm(*v) for v in zip(
            opts["deaths_averted_mean"], opts["deaths_averted_lo"], opts["deaths_averted_hi"],
            strict=True)],
        "Injuries averted": [fmt_harm(*v) for v in zip(
            opts["injuries_averted_mean"], opts["injuries_averted_lo"],
            opts["injuries_averted_hi"], strict=True)],
        "Deaths averted per USD 1M": opts["deaths_averted_per_usd_million"].map(
            lambda v: fmt(v, digits_for(v))),
        "Injuries averted per USD 1M": opts["injuries_averted_per_usd_million"].map(
            lambda v: fmt(v, digits_for(v))),
        **_women_girls_columns(opts)})))
    br = harm_breakdown(ctx.manifest, ctx.records)
    if len(br):
        for dim, cats, names, title in (
                ("group", GROUPS, [g.capitalize() for g in GROUPS],
                 "Deaths and injuries averted, by victims' sex and age group"),
                ("kind", KINDS, [KIND_LABELS[k].capitalize() for k in KINDS],
                 "Deaths and injuries averted, by who holds the weapons")):
            sub = br[br["dimension"] == dim]
            wide = {"Option": list(dict.fromkeys(sub["option"]))}
            for cat, name in zip(cats, names, strict=True):
                s = sub[sub["category"] == cat].set_index("option")
                wide[name] = [fmt_harm(s.loc[o, "mean"], s.loc[o, "lo"], s.loc[o, "hi"])
                              for o in wide["Option"]]
            zero = [n for c, n in zip(cats, names, strict=True)
                    if (sub.loc[sub["category"] == c, ["mean", "lo", "hi"]] == 0).all(axis=None)]
            note = (f"<p class=\"note\">{', '.join(zero)}: zero in every run — the options "
                    "do not change how many weapons these holders have.</p>" if zero else "")
            parts.append(f"<h3>{title} (deaths plus injuries, added)</h3>"
                         + _table(pd.DataFrame(wide)) + note)
    parts.append(_indicative_harms(ctx))
    parts.append("</section>")
    return "\n".join(parts)


def _women_girls_columns(opts: pd.DataFrame) -> dict:
    """Deaths and injuries to women and girls averted, and per USD 1 million (older results
    carry no such columns)."""
    if "women_girls_averted_mean" not in opts:
        return {}
    return {
        "Deaths and injuries to women and girls averted": [
            fmt_interval(*v, digits=1) for v in zip(
                opts["women_girls_averted_mean"], opts["women_girls_averted_lo"],
                opts["women_girls_averted_hi"], strict=True)],
        "Women and girls per USD 1M": opts["women_girls_averted_per_usd_million"].map(
            lambda v: fmt(v, 2))}


def _indicative_harms(ctx: ReportContext) -> str:
    """Non-lethal gendered harms (000 ¶31) averted, when the scenario sets their rates:
    labelled indicative, apart from deaths and injuries."""
    base = [r for r in ctx.records if r["option"] == BASELINE]
    used = [o for o in INDICATIVE if any(harm_total(r, o) > 0 for r in base)]
    if not used:
        return ""
    rows = []
    for option in ctx.manifest["options"]:
        pairs = paired(ctx.records, option) if option != BASELINE else []
        if not pairs:
            continue
        row = {"Option": option}
        for o in used:
            for label, groups in (("all victims", GROUPS), ("women and girls", FEMALE)):
                m, lo, hi = interval([harm_total(b, o, groups=groups)
                                      - harm_total(r, o, groups=groups) for b, r in pairs])
                row[f"{INDICATIVE_LABELS[o].capitalize()} averted, {label}"] = \
                    fmt_interval(m, lo, hi, digits=1)
        rows.append(row)
    return ("<h3>Indicative: non-lethal gendered harms averted</h3><p>Incidents of "
            + " and of ".join(INDICATIVE_LABELS[o] for o in used) + " (000 ¶31) at the "
            "rates the scenario sets. Indicative only: no source gives such rates per "
            "weapon, so read these as an illustration of direction, not as estimates.</p>"
            + _table(pd.DataFrame(rows)))


def section_gender_funding(ctx: ReportContext) -> str:
    """The declared gender-responsive share of each option's budget, away from the harm
    tables: a declaration with no modelled effect."""
    opts = ctx.table[ctx.table["option"] != BASELINE]
    return ('<section id="gender-funding"><h2>Declared gender-responsive funding</h2>'
            "<p>The share of each option's budget its interventions declare as spent on "
            "gender-responsive activities (000 ¶45, ¶113; 002 ¶26-27, ¶70). It is a "
            "declaration only: it has no modelled effect on any outcome in this report, "
            "including harm to women and girls.</p>"
            + _table(pd.DataFrame({"Option": opts["option"],
                                   "Gender-responsive funding share":
                                       opts["gender_share"].map(pct)}))
            + "</section>")


#: the report's sections, in page order; each takes a ReportContext and returns HTML
SECTIONS: list[Callable[[ReportContext], str]] = [
    section_headline, section_summary, section_assumptions, section_outcomes,
    section_cost_effectiveness, section_timeseries, section_displacement, section_harm,
    section_gender_funding]


def display_table(table: pd.DataFrame, outcomes: list[str], manifest: dict | None = None
                  ) -> pd.DataFrame:
    """Human-readable table: 'mean [lo, hi]' strings with units, ranked options first,
    a rank only where :func:`certainty` gives one."""
    out = pd.DataFrame({"Option": table["option"]})
    if "rank" in table:
        out["Rank"] = table["rank"].map(lambda r: "" if pd.isna(r) else int(r))
    if "standing" in table:
        out["Against the baseline"] = table["standing"]
    out["Cost (USD)"] = table["cost_usd"].map(fmt)
    for name in outcomes:
        pct_share = name == "traced_share"
        unit = " (%)" if pct_share else (" (rounds)" if name == "rounds_delivered"
                                         else " (weapons)")
        scale = 100 if pct_share else 1
        out[label(name) + unit] = [
            fmt_interval(m * scale, lo * scale, hi * scale, 1 if pct_share else 0)
            for m, lo, hi in zip(table[f"{name}_mean"], table[f"{name}_lo"],
                                 table[f"{name}_hi"], strict=True)]
    if "kept_mean" in table:
        out["Kept from end users (weapons)"] = [
            fmt_interval(m, lo, hi) for m, lo, hi in
            zip(table["kept_mean"], table["kept_lo"], table["kept_hi"], strict=True)]
        out["Kept per USD 1M (weapons)"] = table["kept_per_usd_million"].map(fmt)
        out["P(beats baseline)"] = [
            "" if pd.isna(p) else f"{p:.0%} [{lo:.0%}, {hi:.0%}]"
            for p, lo, hi in zip(table["p_beats_baseline"], table["p_beats_lo"],
                                 table["p_beats_hi"], strict=True)]
        out["Paired runs"] = table["paired_runs"].map(lambda v: "" if pd.isna(v) else int(v))
    if "Rank" in out:
        order = out["Rank"].replace("", 10**6).astype(int).to_numpy().copy()
        order[(out["Option"] == BASELINE).to_numpy()] = -1
        out = out.iloc[np.argsort(order, kind="stable")]
    return out


def write_report(results_dir: str | Path, records: list[dict] | None = None
                 ) -> tuple[pd.DataFrame, Path]:
    """Compute the comparison and write CSV, PNG and HTML into ``results_dir/report``.

    ``records``: the folder's run records when the caller has read them already (a
    sensitivity or discovery study), so the store is not read twice."""
    if records is None:
        manifest, records = load_records(results_dir)
    else:
        manifest = load_manifest(results_dir)
    runs, series = frames(records)
    table = summarise(manifest, runs, records)
    shown = display_table(table, manifest["outcomes"], manifest)
    out = Path(results_dir) / "report"
    with AtomicDir(out) as stage:
        table.to_csv(stage.path("summary.csv"), index=False)
        ctx = ReportContext(manifest, runs, series, records, table, stage,
                            option_colours(manifest["options"]))
        body = "\n".join(section(ctx) for section in SECTIONS) + extra_sections(results_dir)
        stage.path("report.html").write_text(_html(ctx, body))
    return shown, out


CSS = """body{font-family:system-ui,sans-serif;max-width:1180px;margin:1.5em auto;padding:0 1em;
color:#222;line-height:1.4}h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;
border-bottom:1px solid #ccc;break-after:avoid}h3,h4{break-after:avoid}
table.data{border-collapse:collapse;font-size:.78em;width:100%;margin:.6em 0;break-inside:auto}
table.data td,table.data th{border:1px solid #ccc;padding:.25em .4em;text-align:right;
vertical-align:top}table.data td:first-child,table.data th:first-child{text-align:left}
table.data th{background:#f4f4f4}tr{break-inside:avoid}
img{max-width:100%;height:auto;display:block}figure{margin:1em 0;break-inside:avoid}
.note{color:#555;font-size:.9em}
.headline{background:#eef5fb;border-left:6px solid #1f77b4;padding:.3em .9em;margin:1em 0}
.headline h2{border:0;margin:.3em 0}.headline p{font-size:1.05em}.rule{color:#333}
.headline p.rule{font-size:.88em}
.banner{background:#f6f6f6;border:1px solid #ddd;padding:.3em .9em;font-size:.92em}
.wide{overflow-x:auto}.wide table.data td{white-space:nowrap}
.warn{background:#fff4e0;border-left:4px solid #e6a020;
padding:.4em .6em}
@page{size:A4;margin:14mm}@media print{body{max-width:none;margin:0;font-size:10pt}
section{break-before:auto}table.data td{white-space:normal}}"""


def _html(ctx: ReportContext, body: str) -> str:
    m = ctx.manifest
    spec = m.get("spec", {})
    n_samples = len(m.get("samples", [{}]))
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>flowsim report: {html.escape(m['name'])}</title>
<style>{CSS}</style></head><body>
<h1>{html.escape(m['name'])}</h1>
<p>{html.escape(spec.get('description', ''))}</p>
<p class="note">{len(ctx.runs)} runs: {len(m['options'])} options (baseline included) x
{n_samples} sampled futures x {m['replications']} replications, {m['horizon']}
{html.escape(m.get('step_length', 'step'))} steps each. Weapons exclude ammunition.
All intervals are {LEVEL_TEXT} intervals.</p>
{body}
<p class="note">Generated by flowsim {__version__} from
{html.escape(m.get('experiment_file', ''))}.</p></body></html>"""


def write_section(results_dir: str | Path, name: str, body: str) -> Path:
    """Write an HTML fragment the experiment report includes (``sections/NAME.html``),
    atomically: what other studies of these results (sensitivity, discovery) add."""
    folder = Path(results_dir) / SECTIONS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.html"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(path)
    return path


def extra_sections(results_dir: str | Path) -> str:
    """HTML fragments that other studies of these results (``flowsim sensitivity``,
    ``flowsim discover``) wrote into ``results_dir/sections/``, in name order."""
    folder = Path(results_dir) / SECTIONS_DIR
    if not folder.is_dir():
        return ""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.html")))
