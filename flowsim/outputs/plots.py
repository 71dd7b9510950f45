"""Plots of a run: flows over time, the network map of the last year's flows, seizures by
place, and prices. All PNG, written with the non-interactive Agg backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.lines import Line2D

from flowsim.outputs.figures import new_figure, save_figure
from flowsim.outputs.network import (
    crossing_flows,
    layout,
    nice_scale,
    offset_segment,
)

if TYPE_CHECKING:
    from flowsim.io import AtomicDir
    from flowsim.model.flow_model import FlowModel

FLOW_COLOURS = {"diverted": "#b2182b", "trafficked": "#ef8a62", "seized": "#2166ac",
                "delivered": "#1b1b1b"}


def weapons_only(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["category"] != "ammunition"]


def plot_flows(flows: pd.DataFrame, steps: int, step_length: str, path) -> None:
    f = weapons_only(flows).copy()
    f["flow"] = f["flow"].replace({"seized_border": "seized", "seized_inland": "seized"})
    series = (f[f["flow"].isin(FLOW_COLOURS)].pivot_table(
        index="step", columns="flow", values="count", aggfunc="sum", fill_value=0)
        .reindex(range(1, steps + 1), fill_value=0))
    fig, ax = new_figure(figsize=(9, 4.5))
    for name, colour in FLOW_COLOURS.items():
        if name in series:
            ax.plot(series.index, series[name], label=name, color=colour, lw=1.6)
    ax.set_xlabel(f"step ({step_length})")
    ax.set_ylabel("weapons per step (excluding ammunition)")
    ax.set_title("Illicit weapon flows over time")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    save_figure(fig, path, 120, tight=True)


def draw_network(ax, model: FlowModel, borders: pd.DataFrame, window: int | None = None,
                 scale: float | None = None, names: bool = False, font: float = 8
                 ) -> dict[str, str]:
    """Draw the country network on ``ax``: countries at their positions (labels boxed to
    fit), each crossing as its own line whose width is the weapons that crossed in the last
    ``window`` steps (default: a year), numbers on the main flows, seizures as blue crosses
    sized by weapons seized, and a legend with the width scale.

    ``scale``: the weapons drawn at the widest width (default: this window's largest flow;
    the app passes :func:`~flowsim.outputs.network.fixed_scale` so widths compare over a
    run). ``names``: write every crossing's name beside it.

    Returns ``{gid: figures}`` for every country and crossing drawn: the artists carry
    these gids, so an SVG of the figure can show the figures on hover."""
    window = window or model.sim.steps_per_year
    sc = model.scenario
    pos = layout(sc)
    since = max(0, model.steps - window)
    edges = crossing_flows(sc, borders, since)
    top = float(scale) if scale else (float(edges["passed"].max()) if len(edges) else 0.0)
    top_seized = float(edges["seized"].max()) if len(edges) else 0.0
    tips: dict[str, str] = {}

    def width(n: float) -> float:
        return 1.0 + 11.0 * min(n, 1.2 * top) / top if top else 1.0

    labelled = set(edges.nlargest(6, "passed").index[edges.nlargest(6, "passed")["passed"] > 0]
                   ) if len(edges) else set()
    for i, r in edges.iterrows():
        (x1, y1), (x2, y2) = offset_segment(pos[r.a], pos[r.b], r["index"], r.of)
        moving = r.passed > 0
        line, = ax.plot([x1, x2], [y1, y2], color="#b2182b" if moving else "#c8c8c8",
                        lw=width(r.passed) if moving else 1.0, alpha=0.8 if moving else 1.0,
                        ls="-" if r.official else (0, (4, 2)), solid_capstyle="round",
                        zorder=2)
        gid = f"crossing-{r.crossing}"
        line.set_gid(gid)
        tips[gid] = (f"{r.crossing} ({r.a}-{r.b}, {'official post' if r.official else 'path'}): "
                     f"{r.weapons_passed_ab:,} weapons {r.a}->{r.b}, {r.weapons_passed_ba:,} "
                     f"{r.b}->{r.a}; {r.seized:,} seized; {r.parcels_ab + r.parcels_ba:,} "
                     f"parcels, {r.inspected_ab + r.inspected_ba:,} inspected")
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        if r.seized > 0:
            # a one-point line is several times faster to draw than a scatter
            ax.plot([mx], [my], marker="X", ls="none", zorder=4, color="#2166ac",
                    markersize=(40 + 260 * r.seized / (top_seized or 1)) ** 0.5,
                    markeredgecolor="white", markeredgewidth=0.8)
        if i in labelled or names:   # parallel crossings get their numbers at different places
            t = 0.3 + 0.4 * r["index"] / max(1, r.of - 1) if r.of > 1 else 0.5
            at = (x1 + t * (x2 - x1), y1 + t * (y2 - y1))
            text = f"{int(r.passed):,}" if i in labelled else ""
            if names:
                text = f"{r.crossing}\n{text}" if text else r.crossing
            ax.annotate(text, at, xytext=(0, 7),
                        textcoords="offset points", ha="center", fontsize=font,
                        fontweight="bold", color="#67001f", zorder=5,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                              "alpha": 0.8})
    flows: dict[str, dict[str, int]] = {c: {"diverted": 0, "delivered": 0, "seized": 0}
                                        for c in model.country_ids}
    for r in model.ledger.flow_rows:
        if r.step > since and r.category != 3:                  # weapons, not rounds
            name = "seized" if r.flow.startswith("seized") else r.flow
            if name in flows[model.country_ids[r.country]]:
                flows[model.country_ids[r.country]][name] += r.count
    for c in sc.countries:
        x, y = pos[c.id]
        label = c.id if c.label == c.id else f"{c.label}\n({c.id})"
        t = ax.text(x, y, label, ha="center", va="center", fontsize=font, zorder=6,
                    bbox={"boxstyle": "round,pad=0.4", "fc": "#fddbc7", "ec": "#444"})
        gid = f"country-{c.id}"
        t.set_gid(gid)
        f = flows[c.id]
        tips[gid] = (f"{c.label} ({c.id}), last {window} steps: {f['diverted']:,} diverted, "
                     f"{f['seized']:,} seized, {f['delivered']:,} delivered to end users")
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.18, max(xs) + 0.18)
    ax.set_ylim(min(ys) - 0.12, max(ys) + 0.12)
    ax.axis("off")
    handles = [Line2D([], [], color="#b2182b", lw=width(v), alpha=0.8, label=f"{v:,} weapons")
               for v in nice_scale(top)]
    handles += [Line2D([], [], color="#c8c8c8", lw=1, label="official post"),
                Line2D([], [], color="#c8c8c8", lw=1, ls=(0, (4, 2)), label="unofficial path"),
                Line2D([], [], marker="X", ls="none", color="#2166ac", markersize=9,
                       label="seizures (size: weapons)")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=3,
              fontsize=font, frameon=False, title=f"weapons crossing in the last {window} "
              f"{model.sim.step_length}s (line width)", title_fontsize=font)
    return tips


def network_figsize(model: FlowModel, width: float) -> tuple[float, float]:
    """Figure size whose drawing area has the network's proportions (plus room for the
    title and legend), so a wide network is not drawn in a tall empty frame."""
    pos = layout(model.scenario).values()
    dx = max(p[0] for p in pos) - min(p[0] for p in pos) + 0.36
    dy = max(p[1] for p in pos) - min(p[1] for p in pos) + 0.24
    return width, min(max(width * dy / dx, 0.45 * width), 1.1 * width) + 1.4


def plot_network(model: FlowModel, borders: pd.DataFrame, path) -> None:
    """The network of the last year's flows (see :func:`draw_network`), as a PNG."""
    fig, ax = new_figure(figsize=network_figsize(model, 9))
    draw_network(ax, model, borders)
    ax.set_title(f"Weapons crossing borders in the last year (to step {model.steps})",
                 fontsize=11)
    save_figure(fig, path, 120, tight=True)


def plot_seizures(seizures: pd.DataFrame, path) -> None:
    s = weapons_only(seizures)
    fig, ax = new_figure(figsize=(9, 5))
    if len(s):
        by = (s.assign(where=s["country"] + " / " + s["place"])
              .groupby("where")["count"].sum().sort_values().tail(20))
        colours = ["#2166ac" if "inland" not in w else "#92c5de" for w in by.index]
        ax.barh(by.index, by.values, color=colours)
    ax.set_xlabel("weapons seized over the run (excluding ammunition)")
    ax.set_title("Seizures by place (dark: border crossings, light: inland)")
    save_figure(fig, path, 120, tight=True)


def plot_prices(prices: pd.DataFrame, path) -> None:
    fig, ax = new_figure(figsize=(9, 4.5))
    p = weapons_only(prices)
    for (market, cat), grp in p.groupby(["market", "category"]):
        ax.plot(grp["step"], grp["price"], lw=1.2, label=f"{market} {cat}")
    ax.set_xlabel("step")
    ax.set_ylabel("price, USD")
    ax.set_title("Illicit market prices")
    if len(p):
        ax.legend(fontsize=7, frameon=False, ncol=2)
    ax.grid(alpha=0.3)
    save_figure(fig, path, 120, tight=True)


def plot_run(model: FlowModel, tables: dict[str, pd.DataFrame], stage: AtomicDir) -> None:
    plot_flows(tables["flows"], model.steps, model.sim.step_length, stage.path("flows.png"))
    plot_network(model, tables["borders"], stage.path("network.png"))
    plot_seizures(tables["seizures"], stage.path("seizures.png"))
    plot_prices(tables["prices"], stage.path("prices.png"))
