"""Plots of a run: flows over time, the network map of the last year's flows, seizures by
place, and prices. All PNG, written with the non-interactive Agg backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import pandas as pd  # noqa: E402

if TYPE_CHECKING:
    from flowsim.model.flow_model import FlowModel
    from flowsim.outputs.tables import AtomicDir

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
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for name, colour in FLOW_COLOURS.items():
        if name in series:
            ax.plot(series.index, series[name], label=name, color=colour, lw=1.6)
    ax.set_xlabel(f"step ({step_length})")
    ax.set_ylabel("weapons per step (excluding ammunition)")
    ax.set_title("Illicit weapon flows over time")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_network(model: FlowModel, borders: pd.DataFrame, path) -> None:
    """Countries as nodes, borders as edges with width proportional to the last year's flow."""
    spy = model.sim.steps_per_year
    last = borders[borders["step"] > model.steps - spy]
    passed = (last.groupby(["from_country", "to_country"])["weapons_passed"].sum()
              if len(last) else pd.Series(dtype=float))
    g = model.scenario.graph()
    pos = nx.kamada_kawai_layout(g) if len(g) > 2 else nx.spring_layout(g, seed=1)
    fig, ax = plt.subplots(figsize=(9, 7))
    delivered = {c: 0 for c in model.country_ids}
    for m in model.market_list:
        delivered[model.country_ids[m.country]] += m.holdings.total()
    sizes = [200 + 1500 * (delivered[n] / (max(delivered.values()) or 1)) for n in g.nodes]
    nx.draw_networkx_nodes(g, pos, node_size=sizes, node_color="#fddbc7", edgecolors="#444",
                           ax=ax)
    nx.draw_networkx_labels(g, pos, font_size=8, ax=ax)
    nx.draw_networkx_edges(g, pos, edge_color="#ccc", width=1, ax=ax)
    top = float(passed.max()) if len(passed) else 0.0
    for (a, b), n in passed.items():
        if n <= 0:
            continue
        nx.draw_networkx_edges(nx.DiGraph([(a, b)]), pos, edgelist=[(a, b)], ax=ax,
                               width=0.5 + 8 * n / top, edge_color="#b2182b", alpha=0.8,
                               arrows=True, arrowsize=12, connectionstyle="arc3,rad=0.08")
    ax.set_title("Weapons crossing borders in the last year (width) and stock delivered to "
                 "end users (node size)", fontsize=10)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_seizures(seizures: pd.DataFrame, path) -> None:
    s = weapons_only(seizures)
    fig, ax = plt.subplots(figsize=(9, 5))
    if len(s):
        by = (s.assign(where=s["country"] + " / " + s["place"])
              .groupby("where")["count"].sum().sort_values().tail(20))
        colours = ["#2166ac" if "inland" not in w else "#92c5de" for w in by.index]
        ax.barh(by.index, by.values, color=colours)
    ax.set_xlabel("weapons seized over the run (excluding ammunition)")
    ax.set_title("Seizures by place (dark: border crossings, light: inland)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_prices(prices: pd.DataFrame, path) -> None:
    fig, ax = plt.subplots(figsize=(9, 4.5))
    p = weapons_only(prices)
    for (market, cat), grp in p.groupby(["market", "category"]):
        ax.plot(grp["step"], grp["price"], lw=1.2, label=f"{market} {cat}")
    ax.set_xlabel("step")
    ax.set_ylabel("price, USD")
    ax.set_title("Illicit market prices")
    if len(p):
        ax.legend(fontsize=7, frameon=False, ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_run(model: FlowModel, tables: dict[str, pd.DataFrame], stage: AtomicDir) -> None:
    plot_flows(tables["flows"], model.steps, model.sim.step_length, stage.path("flows.png"))
    plot_network(model, tables["borders"], stage.path("network.png"))
    plot_seizures(tables["seizures"], stage.path("seizures.png"))
    plot_prices(tables["prices"], stage.path("prices.png"))
