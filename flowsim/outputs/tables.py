"""Tidy output tables of a run and their atomic writing to disk.

Tables (one row per observation; a missing row means zero). Schema, by file:

``flows.csv``      step, country, flow, mechanism, category, count
                   flow: diverted, reported_loss, produced, transferred, trafficked
                   (left the country with a trafficker), seized_border, seized_inland,
                   delivered (to end users), collected, destroyed, reexported (weapons
                   diverted by unauthorized re-export arriving at the third State's illicit
                   sellers; their ``diverted`` row is in the importing country), consumed
                   (rounds of ammunition fired by end users, when the scenario sets
                   ``behaviour.<kind>.rounds_per_weapon_year``; they leave the stocks),
                   embargo_blocked (authorized transfers to an embargoed country not
                   shipped), embargo_breach (covered weapons trafficked into an embargoed
                   country that got through its crossings) and embargo_breach_seized (seized
                   there: detected breaches); parts_shipped, parts_seized, parts_assembled
                   (kits of parts sold online, by the category of weapon each makes,
                   mechanism ``assembled``; kits are not weapons and are not in the
                   stocks until assembled weapons are ``produced``); brokered (weapons a
                   broker's deal delivered, in the buyers' country; their ``diverted`` row
                   is in the supplier's), brokering_stopped and forgery_detected (weapons of
                   deals stopped by brokering controls, in the broker's base, or refused by
                   the exporter's end-user verification). mechanism:
                   the diversion mechanism of the weapons (``none`` for legal
                   production/transfers; ``pre_existing`` for end users' starting holdings).
``stocks.csv``     step, state, category, count — weapons by holder state: stockpiles,
                   black_market, traffickers, in_transit, seized (held by the authorities
                   after seizure or collection, not destroyed), end_users, destroyed.
                   Step 0 is the initial state.
``seizures.csv``   the seizure event log: step, country, place (crossing id, ``inland``, or
                   ``postal`` for online sales found by postal and cyber policing),
                   place_type (border/inland), category, count, marked, recorded,
                   mechanism, origin_country, origin_stockpile, mode (ant/bulk/postal/none),
                   legal_ground. ``legal_ground`` is the ground *recorded* for the seizure:
                   ``illicit_possession``, ``trafficking`` or ``other`` (000 ¶34). A
                   trafficker's shipment (mode not ``none``) is really trafficking but is
                   often recorded as illicit possession, the easier ground; weapons taken
                   from end users and local sellers (mode ``none``) are recorded as illicit
                   possession or other. Whether a seized weapon is industrially made
                   follows from ``mechanism``: ``craft``, ``conversion`` and ``printed`` are
                   not (000 ¶33: ~90% of seized firearms are); ``pre_existing`` holdings
                   are taken to be industrial.
``borders.csv``    step, border, crossing, from_country, to_country, parcels, inspected,
                   detected, bribed, seized_parcels, weapons_passed, weapons_seized,
                   rounds_passed, rounds_seized (weapons exclude ammunition; rounds are it).
``tracing.csv``    step, country, seized, marked, requests, successes, traced_share
                   (weapons, not ammunition; successes / seized: the SDG 16.4.2 idea,
                   000 ¶32).
``disposition.csv`` step, country, source, category, count, marked, recorded,
                   trace_requests, traced_domestic, traced_foreign, destroyed, no_action —
                   what happened to the weapons that came into the authorities' hands in
                   that step, in the shape of 000 ¶32. source: ``seized`` or ``collected``;
                   category: handguns, rifles, light_weapons (ammunition excluded: 000 ¶32
                   counts weapons, and rounds are not traced). count: weapons that came in;
                   marked, recorded: weapons the authorities marked / recorded (actions, not
                   the weapon's own marking, which is ``seizures.csv`` ``marked``);
                   trace_requests: weapons bearing a marking that were the subject of a
                   tracing request; traced_domestic / traced_foreign: requests traced
                   through the national / a foreign registry; destroyed: destroyed in that
                   step (the rest stay held, stock state ``seized``); no_action: weapons on
                   which no action was taken (the others may overlap: a weapon can be
                   recorded, marked and destroyed).
``prices.csv``     step, country, market, category, price (USD), bought, demand (per step).
``end_users.csv``  step, country, category, count — illicit weapons held by end users at the
                   end of each step (initial holdings plus deliveries, less seizures and
                   collection).
``summary.csv``    country, mechanism, category, then totals over the run of diverted,
                   trafficked, seized_border, seized_inland, delivered.
``run.json``       scenario name, file, seed, steps, flowsim version; written last, so its
                   presence marks a complete set of outputs.

Counts of ammunition are rounds; all other categories are weapons.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.inputs.scenario import CATEGORIES
from flowsim.model.flow_model import STATES, FlowModel
from flowsim.model.ledger import (
    BORDER_FIELDS,
    DISPOSITION_FIELDS,
    DISPOSITION_SOURCES,
    TRACING_FIELDS,
)
from flowsim.model.lots import MECHANISMS

SUMMARY_FLOWS = ("diverted", "trafficked", "seized_border", "seized_inland", "delivered")


def _names(values, names) -> list[str]:
    return [names[v] if v >= 0 else "none" for v in values]


def flows_table(model: FlowModel) -> pd.DataFrame:
    df = pd.DataFrame(model.ledger.flow_rows,
                      columns=["step", "country", "flow", "mechanism", "category", "count"])
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
    cols = ["step", "country", "place", "place_type", "category", "count", "marked", "recorded",
            "mechanism", "origin_country", "origin_stockpile", "mode", "legal_ground"]
    df = pd.DataFrame(model.ledger.seizure_rows, columns=cols)
    stock_ids = [s.spec.id for s in model.stockpile_list]
    df["country"] = _names(df["country"], model.country_ids)
    df["category"] = _names(df["category"], CATEGORIES)
    df["mechanism"] = _names(df["mechanism"], MECHANISMS)
    df["origin_country"] = _names(df["origin_country"], model.country_ids)
    df["origin_stockpile"] = _names(df["origin_stockpile"], stock_ids)
    return df


def borders_table(model: FlowModel) -> pd.DataFrame:
    df = pd.DataFrame(model.ledger.border_rows, columns=["step", "directed", *BORDER_FIELDS])
    net = model.network
    d = df.pop("directed").to_numpy(dtype=np.int64)
    labels = [net.label(int(x)) for x in d]
    df.insert(1, "border", [b for b, _ in labels])
    df.insert(2, "crossing", [c for _, c in labels])
    df.insert(3, "from_country", _names(net.src[d], model.country_ids))
    df.insert(4, "to_country", _names(net.dst[d], model.country_ids))
    return df


def tracing_table(model: FlowModel) -> pd.DataFrame:
    df = pd.DataFrame(model.ledger.tracing_rows, columns=["step", "country", *TRACING_FIELDS])
    df["country"] = _names(df["country"], model.country_ids)
    df["traced_share"] = df["successes"] / df["seized"].where(df["seized"] > 0)
    return df


def disposition_table(model: FlowModel) -> pd.DataFrame:
    """Weapons that came into the authorities' hands and what was done with them (000 ¶32)."""
    df = pd.DataFrame(model.ledger.disposition_rows,
                      columns=["step", "country", "source", "category", *DISPOSITION_FIELDS])
    df["country"] = _names(df["country"], model.country_ids)
    df["source"] = _names(df["source"], DISPOSITION_SOURCES)
    df["category"] = _names(df["category"], CATEGORIES)
    return df


def prices_table(model: FlowModel) -> pd.DataFrame:
    df = pd.DataFrame(model.ledger.price_rows,
                      columns=["step", "market", "category", "price", "bought", "demand"])
    markets = model.market_list
    m = df.pop("market").to_numpy()
    df.insert(1, "country", [model.country_ids[markets[i].country] for i in m])
    df.insert(2, "market", [markets[i].spec.id for i in m])
    df["category"] = _names(df["category"], CATEGORIES)
    return df


def end_users_table(model: FlowModel) -> pd.DataFrame:
    df = pd.DataFrame(model.ledger.end_user_rows, columns=["step", "country", "category",
                                                           "count"])
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


class AtomicDir:
    """Stage files in a hidden folder inside ``out``; move them in only on :meth:`commit`.

    A run that fails or is interrupted removes the staging folder and leaves ``out`` as it
    was: no half-written result files. Each file is moved into place with ``os.replace``,
    and ``run.json`` (or the last file staged) goes last.
    """

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.out))
        self._names: list[str] = []

    def path(self, name: str) -> Path:
        self._names.append(name)
        return self.stage / name

    def commit(self) -> None:
        last = [n for n in self._names if n == "run.json"]
        for name in [n for n in self._names if n != "run.json"] + last:
            os.replace(self.stage / name, self.out / name)
        shutil.rmtree(self.stage, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)

    def __enter__(self) -> AtomicDir:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def write_run(model: FlowModel, out: str | Path, scenario_file: str = "",
              plots: bool = True) -> dict[str, pd.DataFrame]:
    """Write every table (CSV), the plots (PNG) and run.json into ``out``, atomically."""
    from flowsim._version import __version__
    from flowsim.outputs.plots import plot_run

    tables = all_tables(model)
    with AtomicDir(out) as stage:
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
