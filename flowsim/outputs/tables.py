"""Tidy output tables of a run and their atomic writing to disk (with
:class:`flowsim.io.AtomicDir`).

Each table is built from the model's named records (:mod:`flowsim.model.ledger`:
``FlowRecord``, ``SeizureRecord``, ...), with ids in place of the model's indices. Every
table, column and unit is defined once in :mod:`flowsim.outputs.schema`, from which
``docs/outputs.md`` is generated; a test checks the tables have exactly those columns.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.inputs.scenario import CATEGORIES
from flowsim.io import AtomicDir  # noqa: F401  (also importable from here, as before)
from flowsim.model.flow_model import STATES, FlowModel
from flowsim.model.ledger import (
    DISPOSITION_SOURCES,
    BorderRecord,
    CaseRecord,
    DispositionRecord,
    EndUserRecord,
    FlowRecord,
    PriceRecord,
    SeizureRecord,
    TracingRecord,
)
from flowsim.model.lots import MECHANISMS

SUMMARY_FLOWS = ("diverted", "trafficked", "seized_border", "seized_inland", "delivered")


def _names(values, names) -> list[str]:
    """The name of each index in ``values`` ("none" for -1), by one array lookup."""
    v = np.asarray(values, dtype=np.int64)
    if v.size and v.max() >= len(names):
        raise IndexError(f"index {v.max()} out of range for {len(names)} names")
    table = np.array([*names, "none"], dtype=object)
    return table[np.where(v >= 0, v, len(names))].tolist()


def _frame(columns: dict[str, list], fields: tuple[str, ...]) -> pd.DataFrame:
    """A table from a ledger's columns (field -> list), the same as from its records: with
    none, the empty table of object columns that no records give."""
    if not columns[fields[0]]:
        return pd.DataFrame([], columns=fields)
    return pd.DataFrame(columns, columns=fields)


def flows_table(model: FlowModel) -> pd.DataFrame:
    df = pd.DataFrame(model.ledger.flow_rows, columns=FlowRecord._fields)
    df["country"] = _names(df["country"], model.country_ids)
    df["mechanism"] = _names(df["mechanism"], MECHANISMS)
    df["category"] = _names(df["category"], CATEGORIES)
    return df


def stocks_table(model: FlowModel) -> pd.DataFrame:
    wide = model.datacollector.get_model_vars_dataframe()
    wide.index = np.arange(len(wide))
    long = wide.reset_index(names="step").melt(id_vars="step", var_name="key",
                                               value_name="count")
    long[["state", "category"]] = long["key"].str.split(":", expand=True)
    return long[["step", "state", "category", "count"]].astype({"count": "int64"})


def seizures_table(model: FlowModel) -> pd.DataFrame:
    df = _frame(model.ledger.seizure_columns(), SeizureRecord._fields)
    stock_ids = [s.spec.id for s in model.stockpile_list]
    df["country"] = _names(df["country"], model.country_ids)
    df["category"] = _names(df["category"], CATEGORIES)
    df["mechanism"] = _names(df["mechanism"], MECHANISMS)
    df["origin_country"] = _names(df["origin_country"], model.country_ids)
    df["origin_stockpile"] = _names(df["origin_stockpile"], stock_ids)
    return df


def cases_table(model: FlowModel) -> pd.DataFrame:
    """One row per case (seizure or surrender)."""
    df = _frame(model.ledger.case_columns(), CaseRecord._fields)
    df["country"] = _names(df["country"], model.country_ids)
    return df


def borders_table(model: FlowModel) -> pd.DataFrame:
    df = pd.DataFrame(model.ledger.border_rows, columns=BorderRecord._fields)
    net = model.network
    d = df.pop("directed").to_numpy(dtype=np.int64)
    labels = [net.label(int(x)) for x in d]
    df.insert(1, "border", [b for b, _ in labels])
    df.insert(2, "crossing", [c for _, c in labels])
    df.insert(3, "from_country", _names(net.src[d], model.country_ids))
    df.insert(4, "to_country", _names(net.dst[d], model.country_ids))
    return df


def tracing_table(model: FlowModel) -> pd.DataFrame:
    df = pd.DataFrame(model.ledger.tracing_rows, columns=TracingRecord._fields)
    df["country"] = _names(df["country"], model.country_ids)
    df["traced_share"] = df["successes"] / df["seized"].where(df["seized"] > 0)
    return df


def disposition_table(model: FlowModel) -> pd.DataFrame:
    """Weapons that came into the authorities' hands and what was done with them (000 ¶32)."""
    df = pd.DataFrame(model.ledger.disposition_rows, columns=DispositionRecord._fields)
    df["country"] = _names(df["country"], model.country_ids)
    df["source"] = _names(df["source"], DISPOSITION_SOURCES)
    df["category"] = _names(df["category"], CATEGORIES)
    return df


def prices_table(model: FlowModel) -> pd.DataFrame:
    df = pd.DataFrame(model.ledger.price_rows, columns=PriceRecord._fields)
    markets = model.market_list
    m = df.pop("market").to_numpy()
    df.insert(1, "country", [model.country_ids[markets[i].country] for i in m])
    df.insert(2, "market", [markets[i].spec.id for i in m])
    df["category"] = _names(df["category"], CATEGORIES)
    licit = [c.licit_price.array() for c in model.scenario.countries]
    k = [row.category for row in model.ledger.price_rows]
    df["licit_price"] = [float(licit[markets[i].country][c]) for i, c in
                         zip(m.tolist(), k, strict=True)]
    return df


def end_users_table(model: FlowModel) -> pd.DataFrame:
    df = pd.DataFrame(model.ledger.end_user_rows, columns=EndUserRecord._fields)
    df["country"] = _names(df["country"], model.country_ids)
    df["category"] = _names(df["category"], CATEGORIES)
    return df


def summary_table(flows: pd.DataFrame) -> pd.DataFrame:
    """Totals over the run by country, mechanism and category for the headline flows."""
    sub = flows[flows["flow"].isin(SUMMARY_FLOWS)]
    out = sub.pivot_table(index=["country", "mechanism", "category"], columns="flow",
                          values="count", aggfunc="sum", fill_value=0)
    for f in SUMMARY_FLOWS:
        if f not in out:
            out[f] = 0
    return out[list(SUMMARY_FLOWS)].reset_index()


TABLES: dict[str, Callable[[FlowModel], pd.DataFrame]] = {
    "flows": flows_table, "stocks": stocks_table, "seizures": seizures_table,
    "cases": cases_table,
    "borders": borders_table, "tracing": tracing_table, "disposition": disposition_table,
    "prices": prices_table,
    "end_users": end_users_table,
}


def all_tables(model: FlowModel) -> dict[str, pd.DataFrame]:
    tables = {name: make(model) for name, make in TABLES.items()}
    tables["summary"] = summary_table(tables["flows"])
    return tables


def headline(tables: dict[str, pd.DataFrame], by: str) -> pd.DataFrame:
    """Weapons (not ammunition) diverted, trafficked, seized, delivered, grouped by ``by``."""
    s = tables["summary"]
    s = s[s["category"] != "ammunition"]
    out = s.groupby(by)[list(SUMMARY_FLOWS)].sum()
    out["seized"] = out.pop("seized_border") + out.pop("seized_inland")
    out = out[["diverted", "trafficked", "seized", "delivered"]]
    out = out[(out != 0).any(axis=1)]
    out.loc["TOTAL"] = out.sum()
    return out.astype("int64")


def write_run(model: FlowModel, out: str | Path, scenario_file: str = "",
              plots: bool = True) -> dict[str, pd.DataFrame]:
    """Write every table (CSV), the plots (PNG) and run.json into ``out``, atomically.
    When ``out`` holds an earlier run (its ``run.json``), that run's tables and plots are
    replaced: those this run does not write (plots, with ``plots=False``) are removed."""
    from flowsim._version import __version__
    from flowsim.outputs.plots import plot_run

    tables = all_tables(model)
    earlier = (Path(out) / "run.json").is_file()
    with AtomicDir(out, stale=("*.csv", "*.png") if earlier else ()) as stage:
        for name, df in tables.items():
            df.to_csv(stage.path(f"{name}.csv"), index=False)
        if plots:
            plot_run(model, tables, stage)
        meta = {"scenario": model.scenario.name, "scenario_file": scenario_file,
                "seed": model.seed, "steps": model.steps,
                "step_length": model.sim.step_length, "flowsim_version": __version__,
                "states": list(STATES), "conserved": bool(np.array_equal(*model.conservation()))}
        stage.path("run.json").write_text(json.dumps(meta, indent=2))
    return tables
