"""Donor-facing comparison of policy options from an experiment's results folder.

For each option against the baseline: mean and 95% interval (2.5th-97.5th percentiles over
sampled futures and replications) of each outcome; weapons kept from end users (baseline
deliveries minus the option's, paired run by run: same future, same seed); weapons kept per
USD 1 million; the probability that the option beats the baseline (delivers fewer weapons)
across sampled futures; and the options ranked by weapons kept per USD 1 million.
Writes ``report/summary.csv``, PNG plots and a self-contained ``report/report.html``.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from flowsim.errors import InputError  # noqa: E402
from flowsim.outputs.tables import AtomicDir  # noqa: E402
from flowsim.studies.experiment import BASELINE, read_runs  # noqa: E402

LO, HI = 2.5, 97.5
SECTIONS = "sections"     # results_dir/sections/*.html: extra report sections (sensitivity...)


def load_results(results_dir: str | Path) -> tuple[dict, pd.DataFrame, dict]:
    """(manifest, one row per run with its totals, series by run key)."""
    results_dir = Path(results_dir)
    manifest_path = results_dir / "manifest.json"
    if not manifest_path.exists():
        raise InputError(str(results_dir), "", "not an experiment results folder (no "
                         "manifest.json); run `flowsim experiment` first")
    manifest = json.loads(manifest_path.read_text())
    runs = read_runs(results_dir)
    if not runs:
        raise InputError(str(results_dir / "runs.jsonl"), "", "no finished runs yet")
    rows = [{"option": r["option"], "sample": r["sample"], "replication": r["replication"],
             **r["totals"]} for r in runs]
    series = {(r["option"], r["sample"], r["replication"]): r["series"] for r in runs}
    return manifest, pd.DataFrame(rows), series


def summarise(manifest: dict, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per option: outcome means and intervals, effect against baseline, ranking."""
    outcomes = manifest["outcomes"]
    costs = manifest["costs"]
    key = ["sample", "replication"]
    base = runs[runs["option"] == BASELINE].set_index(key)
    rows = []
    for option in manifest["options"]:
        own = runs[runs["option"] == option].set_index(key)
        if own.empty:
            continue
        row: dict = {"option": option, "runs": len(own), "cost_usd": costs.get(option, 0.0)}
        for name in outcomes:
            v = own[name].to_numpy(dtype=float)
            row[f"{name}_mean"] = v.mean()
            row[f"{name}_lo"], row[f"{name}_hi"] = np.percentile(v, [LO, HI])
        if option != BASELINE and not base.empty:
            both = own.merge(base, left_index=True, right_index=True, suffixes=("", "_base"))
            kept = (both["delivered_base"] - both["delivered"]).to_numpy(dtype=float)
            row["kept_mean"] = kept.mean() if len(kept) else np.nan
            row["kept_lo"], row["kept_hi"] = (np.percentile(kept, [LO, HI]) if len(kept)
                                              else (np.nan, np.nan))
            per = (both.groupby(level="sample")[["delivered", "delivered_base"]].mean()
                   if both.index.get_level_values("sample").nunique() > 1 else both)
            row["p_beats_baseline"] = float((per["delivered"] < per["delivered_base"]).mean())
            millions = row["cost_usd"] / 1e6
            row["kept_per_usd_million"] = row["kept_mean"] / millions if millions else np.nan
        rows.append(row)
    table = pd.DataFrame(rows)
    if "kept_per_usd_million" in table:
        ranked = table[table["option"] != BASELINE].sort_values(
            ["kept_per_usd_million", "kept_mean"], ascending=False, na_position="last")
        table["rank"] = table["option"].map({o: i + 1 for i, o in enumerate(ranked["option"])})
    return table


def _png(fig, stage: AtomicDir, name: str) -> Path:
    path = stage.path(name)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_distributions(manifest: dict, runs: pd.DataFrame, stage: AtomicDir) -> Path:
    outcomes = manifest["outcomes"]
    options = [o for o in manifest["options"] if o in set(runs["option"])]
    fig, axes = plt.subplots(1, len(outcomes), figsize=(4.2 * len(outcomes), 4.2),
                             squeeze=False)
    for ax, name in zip(axes[0], outcomes, strict=True):
        data = [runs.loc[runs["option"] == o, name].to_numpy(dtype=float) for o in options]
        ax.boxplot(data, showfliers=False)
        ax.set_xticks(range(1, len(options) + 1), options, rotation=30, ha="right",
                      fontsize=8)
        ax.set_title(name.replace("_", " "))
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle("Outcome distributions over sampled futures and replications")
    return _png(fig, stage, "outcomes.png")


def plot_timeseries(manifest: dict, series: dict, stage: AtomicDir) -> Path:
    """Cumulative weapons kept from end users over time, each option against the baseline
    on the same future and seed: mean and 90% band."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    base = {(s, r): np.cumsum(v["delivered"]) for (o, s, r), v in series.items()
            if o == BASELINE}
    for option in manifest["options"]:
        if option == BASELINE:
            continue
        curves = np.array([base[(s, r)] - np.cumsum(v["delivered"])
                           for (o, s, r), v in series.items()
                           if o == option and (s, r) in base])
        if not len(curves):
            continue
        steps = np.arange(1, curves.shape[1] + 1)
        lo, hi = np.percentile(curves, [5, 95], axis=0)
        line, = ax.plot(steps, curves.mean(axis=0), label=option, lw=1.8)
        ax.fill_between(steps, lo, hi, alpha=0.12, color=line.get_color())
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel(f"step ({manifest.get('step_length', 'step')})")
    ax.set_ylabel("weapons kept from end users (cumulative)")
    ax.set_title("Effect over time against the baseline: mean and 90% band")
    ax.legend(frameon=False, fontsize=8)
    ax.grid(alpha=0.3)
    return _png(fig, stage, "timeseries.png")


def plot_cost_effectiveness(table: pd.DataFrame, stage: AtomicDir) -> Path:
    """Left: cost against weapons kept. Right: weapons kept per USD 1 million, ranked."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
    opts = table[table["option"] != BASELINE]
    if "kept_mean" in opts:
        opts = opts.sort_values("kept_per_usd_million", ascending=False, na_position="last")
        colours = plt.get_cmap("tab10").colors
        for i, (_, r) in enumerate(opts.iterrows()):
            c = colours[i % len(colours)]
            err = [[r["kept_mean"] - r["kept_lo"]], [r["kept_hi"] - r["kept_mean"]]]
            left.errorbar(r["cost_usd"] / 1e6, r["kept_mean"], yerr=err, fmt="o", capsize=4,
                          color=c, label=r["option"])
            millions = r["cost_usd"] / 1e6
            if millions:
                right.barh(i, r["kept_per_usd_million"], color=c, xerr=[
                    [(r["kept_mean"] - r["kept_lo"]) / millions],
                    [(r["kept_hi"] - r["kept_mean"]) / millions]], capsize=4)
        right.set_yticks(range(len(opts)), opts["option"])
        right.invert_yaxis()
        left.legend(frameon=False, fontsize=8)
        xs = opts["cost_usd"] / 1e6
        pad = max(0.5, 0.1 * float(xs.max() or 1))
        left.set_xlim(float(xs.min()) - pad, float(xs.max()) + pad)
    for ax in (left, right):
        ax.axvline(0, color="grey", lw=0.8) if ax is right else ax.axhline(0, color="grey",
                                                                          lw=0.8)
        ax.grid(alpha=0.3)
    left.set_xlabel("cost within the horizon, USD million")
    left.set_ylabel("weapons kept from end users (vs baseline)")
    left.set_title("Cost and effect (mean, 95% interval)")
    right.set_xlabel("weapons kept from end users per USD 1 million")
    right.set_title("Cost-effectiveness, ranked")
    return _png(fig, stage, "cost_effectiveness.png")


def display_table(table: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Human-readable table: 'mean [lo, hi]' strings, ranked options first."""
    def fmt(v, digits=0):
        return "" if pd.isna(v) else f"{v:,.{digits}f}"

    out = pd.DataFrame({"option": table["option"]})
    if "rank" in table:
        out["rank"] = table["rank"].map(lambda r: "" if pd.isna(r) else int(r))
    out["cost (USD)"] = table["cost_usd"].map(fmt)
    for name in outcomes:
        d = 3 if name == "traced_share" else 0
        out[name] = [f"{fmt(m, d)} [{fmt(lo, d)}, {fmt(hi, d)}]" for m, lo, hi in
                     zip(table[f"{name}_mean"], table[f"{name}_lo"], table[f"{name}_hi"],
                         strict=True)]
    if "kept_mean" in table:
        out["kept from end users"] = [
            "" if pd.isna(m) else f"{fmt(m)} [{fmt(lo)}, {fmt(hi)}]"
            for m, lo, hi in zip(table["kept_mean"], table["kept_lo"], table["kept_hi"],
                                 strict=True)]
        out["kept per USD 1M"] = table["kept_per_usd_million"].map(lambda v: fmt(v, 1))
        out["P(beats baseline)"] = table["p_beats_baseline"].map(
            lambda v: "" if pd.isna(v) else f"{v:.0%}")
    order = out["rank"].replace("", 0).astype(int) if "rank" in out else None
    return out.iloc[np.argsort(order.to_numpy(), kind="stable")] if order is not None else out


def write_report(results_dir: str | Path) -> tuple[pd.DataFrame, Path]:
    """Compute the comparison and write CSV, PNG and HTML into ``results_dir/report``."""
    manifest, runs, series = load_results(results_dir)
    table = summarise(manifest, runs)
    shown = display_table(table, manifest["outcomes"])
    out = Path(results_dir) / "report"
    with AtomicDir(out) as stage:
        table.to_csv(stage.path("summary.csv"), index=False)
        pngs = [plot_cost_effectiveness(table, stage),
                plot_distributions(manifest, runs, stage),
                plot_timeseries(manifest, series, stage)]
        stage.path("report.html").write_text(
            _html(manifest, shown, runs, pngs).replace("</body>",
                                                       extra_sections(results_dir) + "</body>"))
    return shown, out


def _html(manifest: dict, shown: pd.DataFrame, runs: pd.DataFrame, pngs: list[Path]) -> str:
    spec = manifest.get("spec", {})
    imgs = "".join(f'<figure><img src="data:image/png;base64,'
                   f'{base64.b64encode(p.read_bytes()).decode()}" alt="{p.stem}"></figure>'
                   for p in pngs)
    n_samples = len(manifest.get("samples", [{}]))
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>flowsim report: {html.escape(manifest['name'])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222}}table{{border-collapse:collapse;font-size:.85em}}td,th{{border:1px solid #ccc;
padding:.3em .5em;text-align:right}}td:first-child,th:first-child{{text-align:left}}
img{{max-width:100%}}figure{{margin:1.5em 0}}.note{{color:#555;font-size:.9em}}</style>
</head><body>
<h1>{html.escape(manifest['name'])}</h1>
<p>{html.escape(spec.get('description', ''))}</p>
<p class="note">{len(runs)} runs: {len(manifest['options'])} options (baseline included) x
{n_samples} sampled futures x {manifest['replications']} replications, {manifest['horizon']}
{html.escape(manifest.get('step_length', 'step'))} steps each. Weapons exclude ammunition.
Intervals are the 2.5th-97.5th percentiles over futures and replications. "Kept from end
users" is the baseline's deliveries minus the option's, paired on the same future and seed.
Options are ranked by weapons kept per USD 1 million.</p>
{shown.to_html(index=False, escape=True)}
{imgs}
<p class="note">Generated by flowsim from {html.escape(manifest.get('experiment_file', ''))}.
</p></body></html>"""


def extra_sections(results_dir: str | Path) -> str:
    """HTML fragments that other studies of these results (``flowsim sensitivity``,
    ``flowsim discover``) wrote into ``results_dir/sections/``, in name order."""
    folder = Path(results_dir) / SECTIONS
    if not folder.is_dir():
        return ""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.html")))
