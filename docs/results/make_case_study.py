"""docs/case-study-americas.md: the fitted Americas scenario against the real data, fitted
and held out side by side (numbers from runs and shipped tables, never by hand).

Runs :data:`REPLICATIONS` replications of ``scenarios/americas.yaml`` (as fitted by
``flowsim calibrate calibration/americas.yaml``) and compares, with the tolerances the
calibration set-up states before fitting:

1. weapons seized in Mexican armed confrontations per year (CIDE-PPD): 2008-2010 fitted,
   2011 (January-November) held out; factor :data:`COUNT_FACTOR`;
2. held out: the long-gun share of those weapons, 2008-2011; :data:`SHARE_POINTS` points;
3. held out: weapons seized per event (CIDE event sizes 2008-2011 against the model's
   seizure cases, ``cases.csv``), median and 90th percentile; factor
   :data:`SIZE_FACTOR`;
4. held out: the share of weapons seized in Mexico and traced that came from the United
   States, about 87% (GAO-09-709), against the model's share traced to a foreign registry;
   :data:`SHARE_POINTS` points;
5. context only: SDG 16.4.2 traced shares for Mexico (2021-2022, 2024) against the model's
   traced share (tracing.csv), years outside the simulation.

Writes the plot ``docs/img/case-study-americas.png``.

    .venv/bin/python docs/results/generate.py case_study      # about 15 s on one core
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from flowsim.calibration.fit import load_calibration  # noqa: E402
from flowsim.calibration.seizure_data import simulated_counts, simulated_event_sizes  # noqa: E402
from flowsim.inputs import realdata  # noqa: E402
from flowsim.inputs.scenario import scenario_from_data  # noqa: E402
from flowsim.model.flow_model import FlowModel  # noqa: E402
from flowsim.outputs.tables import disposition_table, seizures_table, tracing_table  # noqa: E402

REPLICATIONS = 8
SEEDS = [9000 + i for i in range(REPLICATIONS)]
COUNT_FACTOR = 1.5      # calibration/americas.yaml
SIZE_FACTOR = 2.0
SHARE_POINTS = 0.10
GAO_US_SHARE = 0.87     # GAO-09-709 Highlights: "about 87 percent"
LAST_STEP = 47          # November 2011, the end of the CIDE data
IMG = ROOT / "docs" / "img" / "case-study-americas.png"


def _runs(cal):
    for seed in SEEDS:
        model = FlowModel(scenario_from_data(cal.scenario_data, cal.file), seed=seed)
        model.run(cal.horizon)
        yield model


def _verdict(ok: bool) -> str:
    return "held" if ok else "**missed**"


def _factor(sim: float, obs: float) -> str:
    return f"x{sim / obs:.2f}" if obs else "–"


def generate() -> str:
    cal = load_calibration(ROOT / "calibration" / "americas.yaml")
    counts, long_share, sizes, us_share, traced = [], [], [], [], []
    for model in _runs(cal):
        counts.append(simulated_counts(model, cal.rows))
        s = seizures_table(model)
        mex = s[(s["country"] == "MEX") & (s["step"] <= LAST_STEP)
                & s["category"].isin(["handguns", "rifles"])]
        long_share.append(mex.loc[mex["category"] == "rifles", "count"].sum()
                          / max(mex["count"].sum(), 1))
        sizes += simulated_event_sizes(model, "MEX", 1, LAST_STEP)
        d = disposition_table(model)
        d = d[(d["country"] == "MEX") & (d["source"] == "seized")]
        done = d["traced_domestic"].sum() + d["traced_foreign"].sum()
        us_share.append(d["traced_foreign"].sum() / done if done else math.nan)
        t = tracing_table(model)
        t = t[t["country"] == "MEX"]
        traced.append(t["successes"].sum() / max(t["seized"].sum(), 1))
    counts = np.array(counts, dtype=float)
    years = realdata.load_confrontations_by_year().set_index("year")
    event_sizes = realdata.load_event_sizes()
    observed_sizes = realdata.event_size_sample(event_sizes, [2008, 2009, 2010, 2011])
    sdg = realdata.load_traced_shares()
    sdg = sdg[sdg["iso3"] == "MEX"]

    lines = ["**Seizures in Mexican armed confrontations per year** (CIDE-PPD; model: weapons "
             f"seized in Mexico, mean and 90% interval over {REPLICATIONS} runs of the fitted "
             f"scenario; tolerance: within a factor of {COUNT_FACTOR:g})", "",
             "| year | set | observed | model mean [90%] | model / observed | verdict |",
             "|---|---|---|---|---|---|"]
    for i, r in enumerate(cal.rows):
        year = 2008 + (r.first_step - 1) // 12
        label = str(year) if r.period.isdigit() else f"{year} (Jan-Nov)"
        mean = counts[:, i].mean()
        lo, hi = np.percentile(counts[:, i], [5, 95])
        ok = abs(math.log(mean / r.count)) <= math.log(COUNT_FACTOR)
        lines.append(f"| {label} | {'held out' if i in cal.holdout else 'fitted'} | "
                     f"{r.count:,} | {mean:,.0f} [{lo:,.0f}, {hi:,.0f}] | "
                     f"{_factor(mean, r.count)} | {_verdict(ok)} |")
    obs_long = (years.loc[2008:2011, "long_guns"].sum() / years.loc[2008:2011, "weapons"].sum())
    sim_long = float(np.mean(long_share))
    sim_med, sim_p90 = np.percentile(sizes, [50, 90]) if sizes else (math.nan, math.nan)
    obs_med, obs_p90 = np.percentile(observed_sizes, [50, 90])
    sim_us = float(np.nanmean(us_share))
    lines += ["", "**Held-out checks on other real figures** (not fitted)", "",
              "| figure | source | observed | model | tolerance | verdict |",
              "|---|---|---|---|---|---|",
              f"| long-gun share of weapons seized, 2008-2011 | CIDE-PPD | {obs_long:.1%} | "
              f"{sim_long:.1%} (rifles) | ±{SHARE_POINTS * 100:.0f} points | "
              f"{_verdict(abs(sim_long - obs_long) <= SHARE_POINTS)} |"]
    for name, obs, sim in (("median", obs_med, sim_med), ("90th percentile", obs_p90, sim_p90)):
        ok = abs(math.log(sim / obs)) <= math.log(SIZE_FACTOR)
        lines.append(f"| weapons per seizure event, {name}, 2008-2011 | CIDE-PPD "
                     f"({len(observed_sizes):,} events) | {obs:g} | {sim:g} "
                     f"({len(sizes):,} events) | factor {SIZE_FACTOR:g} | {_verdict(ok)} |")
    lines.append(f"| share of weapons seized in Mexico and traced that came from the US | "
                 f"GAO-09-709 (about {GAO_US_SHARE:.0%}, 2004-2008) | {GAO_US_SHARE:.0%} | "
                 f"{sim_us:.1%} (traced to a foreign registry) | "
                 f"±{SHARE_POINTS * 100:.0f} points | "
                 f"{_verdict(abs(sim_us - GAO_US_SHARE) <= SHARE_POINTS)} |")
    lines += ["", "**Context only** (years outside the simulation; not judged): SDG 16.4.2 "
              "traced share for Mexico "
              + ", ".join(f"{r.year}{'-' + str(r.year + 1) if r.years_averaged == 2 else ''}: "
                          f"{r.traced_share:.1%}" for r in sdg.itertuples())
              + f"; the model's traced share in Mexico 2008-2011 (tracing.csv successes per "
              f"weapon seized): {np.mean(traced):.2%}.", "",
              "![Fitted and held-out seizures per year; event sizes]"
              "(img/case-study-americas.png)"]
    _plot(cal, counts, observed_sizes, sizes)
    return "\n".join(lines)


def _plot(cal, counts: np.ndarray, observed_sizes: list[int], sizes: list[int]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    x = np.arange(len(cal.rows))
    labels = [r.period if r.period.isdigit() else "2011 (Jan-Nov)" for r in cal.rows]
    lo, hi = np.percentile(counts, [5, 95], axis=0)
    a.bar(x, counts.mean(axis=0), color=["#7aa6c2" if i in cal.fit else "#e0a458"
                                         for i in x], label="model mean (blue fitted, "
                                                            "orange held out)")
    a.errorbar(x, counts.mean(axis=0), yerr=[counts.mean(axis=0) - lo,
                                              hi - counts.mean(axis=0)],
               fmt="none", color="k", capsize=3)
    a.plot(x, [r.count for r in cal.rows], "D", color="crimson", label="observed (CIDE-PPD)")
    a.set_xticks(x, labels)
    a.set_ylabel("weapons seized in Mexico")
    a.legend(fontsize=8)
    for data, label in ((observed_sizes, "CIDE-PPD events 2008-2011"),
                        (sizes, "model: seizure cases")):
        if data:
            v = np.sort(data)
            b.step(v, 1 - np.arange(len(v)) / len(v), where="post", label=label)
    b.set_xscale("log")
    b.set_yscale("log")
    b.set_xlabel("weapons per seizure event")
    b.set_ylabel("share of events at least this large")
    b.legend(fontsize=8)
    fig.tight_layout()
    IMG.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(IMG, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    print(generate())
