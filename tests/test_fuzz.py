"""Property-based run fuzzing (hypothesis): every valid scenario runs, every invalid one is
refused clearly.

Valid scenarios are drawn across the whole format: 1-8 countries, any border graph
(isolated countries included), stockpiles from 0 to the count bound, 0-50 traffickers of
every mode, markets with and without demand, every intervention type, every step length.
Values come from the schema dataclasses themselves (types, ``lo``/``hi`` bounds, choices),
so keys added to the format later are fuzzed without touching this file. Each is run for a
few steps through ``flowsim run``: no exception, weapons conserved at every step
(``FlowModel.conservation``), every output file written and readable.

Invalid scenarios are valid ones with one mutation (wrong type, out-of-range value, unknown
key or choice, dangling reference, duplicate id, deleted required key): the command line
must exit 2 with one paragraph naming the file and the mutated key path, never a traceback.

Example counts come from the hypothesis profile (tests/conftest.py): a bounded default for
CI, ``--hypothesis-profile=long`` for local runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import json
import tempfile
import types
import typing
from pathlib import Path
from unittest import mock

import matplotlib.image
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowsim.cli import main
from flowsim.inputs.embargoes import Embargo
from flowsim.inputs.events import Event
from flowsim.inputs.interventions import TYPES, Intervention
from flowsim.inputs.scenario import (
    CATEGORIES,
    Border,
    Broker,
    CategoryRates,
    Country,
    Crossing,
    Market,
    OnlineTrade,
    Scenario,
    Stockpile,
    TraffickerGroup,
    Transfer,
)
from flowsim.inputs.schema import MAX_STEPS, NUMBER_MAX, REQUIRED, dump_yaml, upper_bound
from flowsim.model.flow_model import FlowModel

OUTPUTS = ("flows.csv", "stocks.csv", "seizures.csv", "cases.csv", "borders.csv", "tracing.csv",
           "prices.csv", "end_users.csv", "summary.csv", "disposition.csv")
PLOTS = ("flows.png", "network.png", "seizures.png", "prices.png")
MAX_STEPS_RUN = 3            # steps per fuzzed run: enough for every agent to act
TRAFFICKERS_PER_GROUP = 10   # x at most 5 groups: 0-50 traffickers


# --- strategies from the schema --------------------------------------------------------------
def _scalar_strategy(tp, meta: dict) -> st.SearchStrategy | None:
    if meta.get("choices"):
        return st.sampled_from(meta["choices"])
    if tp is bool:
        return st.booleans()
    hi = upper_bound(tp, meta)
    lo = meta.get("lo")
    if tp is int:
        return st.integers(int(lo if lo is not None else -hi), int(hi))
    if tp is float:
        return st.floats(lo if lo is not None else -NUMBER_MAX, hi, allow_nan=False,
                         allow_infinity=False)
    if tp is str:
        return st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                       min_size=1, max_size=8).filter(str.strip)
    return None


def value_strategy(tp, meta: dict) -> st.SearchStrategy | None:
    """A strategy for valid values of a schema type, or None for structure (lists of
    records, mappings) that the scenario strategy builds itself."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        inner_st = value_strategy(inner, meta)
        return None if inner_st is None else st.none() | inner_st
    if dataclasses.is_dataclass(tp):
        return fields_of(tp)
    if origin in (list, dict):
        return None
    return _scalar_strategy(tp, meta)


@functools.cache
def fields_of(cls, skip: frozenset[str] = frozenset()) -> st.SearchStrategy[dict]:
    """A mapping for dataclass ``cls``: each optional key present or not, each value drawn
    within the key's declared type, range and choices; ``skip`` keys are set by the caller."""
    hints = typing.get_type_hints(cls)
    required, optional = {}, {}
    for f in dataclasses.fields(cls):
        if not f.init or f.name in skip:
            continue
        strategy = value_strategy(hints[f.name], dict(f.metadata))
        if strategy is None:
            continue
        is_required = f.default is REQUIRED and f.default_factory is REQUIRED
        (required if is_required else optional)[f.name] = strategy
    return st.fixed_dictionaries(required, optional=optional)


def _has_state_stockpile(country: dict) -> bool:
    return any(sp.get("owner", "military") != "civilian_licensed"
               for sp in country.get("stockpiles", []))


def _drop_unreachable_demand(data: dict) -> None:
    """A market with demand must be reachable from a supplying country (a load-time rule):
    markets that are not keep no demand, so the scenario stays valid."""
    parent = {c["id"]: c["id"] for c in data["countries"]}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for b in data["borders"]:
        parent[root(b["between"][0])] = root(b["between"][1])

    def positive(counts: dict | None) -> bool:
        return any(v > 0 for v in (counts or {}).values())

    supplied = {root(c["id"]) for c in data["countries"]
                if any(positive(sp.get("holdings")) or positive(sp.get("production"))
                       for sp in c.get("stockpiles", []))
                or any(positive(c.get(k)) for k in ("craft_production", "conversion", "printed"))}
    supplied |= {root(t["to_country"]) for t in data["transfers"]}
    for c in data["countries"]:
        if root(c["id"]) not in supplied:
            for m in c.get("markets", []):
                m["demand"] = {}


@st.composite
def valid_scenarios(draw, max_countries: int = 8) -> dict:
    n = draw(st.integers(1, max_countries))
    data = draw(fields_of(Scenario, skip=frozenset({"countries", "name"})))
    data["name"] = "fuzz"
    countries = []
    for i in range(n):
        c = draw(fields_of(Country, skip=frozenset({"id"})))
        c["id"] = f"C{i}"
        c["stockpiles"] = [dict(sp, id=f"C{i}-s{j}") for j, sp in enumerate(draw(
            st.lists(fields_of(Stockpile, skip=frozenset({"id"})), max_size=3)))]
        c["markets"] = [dict(m, id=f"C{i}-m{j}") for j, m in enumerate(draw(
            st.lists(fields_of(Market, skip=frozenset({"id"})), max_size=2)))]
        countries.append(c)
    data["countries"] = countries
    ids = [c["id"] for c in countries]
    pairs = [(a, b) for k, a in enumerate(ids) for b in ids[k + 1:]]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=12)) if pairs else []
    data["borders"], n_crossings = [], 0
    for k, pair in enumerate(chosen):
        crossings = draw(st.lists(fields_of(Crossing, skip=frozenset({"id"})), min_size=1,
                                  max_size=3))
        for x in crossings:
            x["id"], n_crossings = f"x{n_crossings}", n_crossings + 1
        border = draw(fields_of(Border, skip=frozenset({"id", "between", "crossings"})))
        data["borders"].append(dict(border, id=f"b{k}", between=list(pair),
                                    crossings=crossings))
    data["traffickers"] = [
        dict(t, id=f"t{k}", base=draw(st.sampled_from(ids)),
             count=draw(st.integers(0, TRAFFICKERS_PER_GROUP)))
        for k, t in enumerate(draw(st.lists(fields_of(
            TraffickerGroup, skip=frozenset({"id", "base", "count"})), max_size=5)))]
    stockpiles = [(c, sp) for c in countries for sp in c["stockpiles"]]
    receivers = [c for c in countries if c["stockpiles"]]
    data["transfers"] = []
    if stockpiles and receivers:
        for t in draw(st.lists(fields_of(Transfer, skip=frozenset(
                {"from_stockpile", "to_country", "to_stockpile"})), max_size=2)):
            _, source = draw(st.sampled_from(stockpiles))
            dest = draw(st.sampled_from(receivers))
            t.update(from_stockpile=source["id"], to_country=dest["id"])
            if not _has_state_stockpile(dest) or draw(st.booleans()):
                t["to_stockpile"] = draw(st.sampled_from(dest["stockpiles"]))["id"]
            data["transfers"].append(t)
    data["embargoes"] = []
    for e in draw(st.lists(fields_of(Embargo, skip=frozenset({"target", "end"})),
                           max_size=2)):
        e["target"] = draw(st.sampled_from(ids))
        e["categories"] = draw(st.lists(st.sampled_from(CATEGORIES), unique=True))
        start = e.get("start", 0)
        if start < MAX_STEPS and draw(st.booleans()):
            e["end"] = start + draw(st.integers(1, min(MAX_STEPS_RUN, MAX_STEPS - start)))
        data["embargoes"].append(e)
    buyers = [(c["id"], m["id"]) for c in countries for m in c["markets"]
              if m.get("kind", "criminal_market") in ("civilian", "criminal_market")]
    data["online"] = []
    for k, o in enumerate(draw(st.lists(fields_of(OnlineTrade, skip=frozenset(
            {"id", "from_country", "to_market", "parts_kits_per_year"})), max_size=2))):
        sellers_buyers = [(a, m) for a in ids for c, m in buyers if a != c]
        if not sellers_buyers:
            break
        o["from_country"], o["to_market"] = draw(st.sampled_from(sellers_buyers))
        o["id"] = f"o{k}"
        o["parts_kits_per_year"] = draw(fields_of(CategoryRates, skip=frozenset(
            {"ammunition"})))
        data["online"].append(o)
    state = [(c["id"], sp["id"]) for c in countries for sp in c["stockpiles"]
             if sp.get("owner", "military") != "civilian_licensed"]
    deals = [(sp, m["id"]) for cid, sp in state for c in countries for m in c["markets"]
             if c["id"] != cid]
    data["brokers"] = []
    if deals:
        for k, b in enumerate(draw(st.lists(fields_of(Broker, skip=frozenset(
                {"id", "base", "from_stockpile", "to_market"})), max_size=2))):
            b["from_stockpile"], b["to_market"] = draw(st.sampled_from(deals))
            b.update(id=f"k{k}", base=draw(st.sampled_from(ids)))
            data["brokers"].append(b)
    data["interventions"] = draw(st.lists(interventions(data), max_size=3))
    data["events"] = [dict(ev, countries=draw(st.lists(st.sampled_from(ids), min_size=1,
                                                        max_size=3, unique=True)))
                      for ev in draw(st.lists(fields_of(Event, skip=frozenset({"countries"})),
                                              max_size=3))]
    sim = data.setdefault("simulation", {})
    sim["steps"] = draw(st.integers(1, MAX_STEPS_RUN))
    _drop_unreachable_demand(data)
    return data


@st.composite
def interventions(draw, data: dict) -> dict:
    known = {"countries": [c["id"] for c in data["countries"]],
             "stockpiles": [sp["id"] for c in data["countries"] for sp in c["stockpiles"]],
             "borders": [b["id"] for b in data["borders"]],
             "crossings": [x["id"] for b in data["borders"] for x in b["crossings"]]}
    secure = [c["id"] for c in data["countries"] if _has_state_stockpile(c)]
    embargoed = sorted({e["target"] for e in data.get("embargoes", [])})
    choices = []
    for name, kind in TYPES.items():
        for target in kind.targets:
            pool = secure if target == "countries" and name in (
                "stockpile_security", "ammunition_security") else known[target]
            if (name, target) == ("embargo_monitoring", "countries"):
                pool = embargoed
            if pool:
                choices.append((name, target, pool))
    if not choices:                 # no country can be targeted: one country, nothing else
        return draw(st.nothing())
    name, target, pool = draw(st.sampled_from(choices))
    iv = draw(fields_of(Intervention, skip=frozenset({"type", "targets"})))
    iv.update(type=name, targets={target: draw(st.lists(st.sampled_from(pool), min_size=1,
                                                         max_size=3, unique=True))})
    return iv


# --- the valid-run property ------------------------------------------------------------------
def _checked_step(original):
    def step(self):
        original(self)
        stocks, produced = self.conservation()
        assert np.array_equal(stocks, produced), f"step {self.steps}: {stocks} != {produced}"
    return step


def run_cli_quietly(*args) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, err.getvalue()


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=valid_scenarios(), plots=st.booleans())
def test_every_valid_scenario_runs_conserves_weapons_and_writes_readable_outputs(data, plots):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_text(dump_yaml(data))
        out = Path(tmp) / "out"
        step = _checked_step(FlowModel.step)
        with mock.patch.object(FlowModel, "step", step):
            code, err = run_cli_quietly("run", path, "--out", out,
                                        *(() if plots else ("--no-plots",)))
        assert code == 0, err
        steps = data["simulation"]["steps"]
        meta = json.loads((out / "run.json").read_text())
        assert meta["conserved"] and meta["steps"] == steps
        tables = {name: pd.read_csv(out / name) for name in OUTPUTS}
        stocks = tables["stocks.csv"]
        assert sorted(stocks["step"].unique()) == list(range(steps + 1))
        for name in PLOTS if plots else ():
            assert matplotlib.image.imread(out / name).size > 0
        written = {p.name for p in out.iterdir()}
        assert written == {*OUTPUTS, "run.json", *(PLOTS if plots else ())}


# --- invalid scenarios -----------------------------------------------------------------------
def _format(path: tuple) -> str:
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text


def schema_nodes(value, tp, path: tuple = (), meta: dict | None = None):
    """Yield (path, value, type, field metadata) for every value under ``value``."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        tp = next(a for a in typing.get_args(tp) if a is not type(None))
        origin = typing.get_origin(tp)
    if path:
        yield path, value, tp, meta or {}
    if dataclasses.is_dataclass(tp) and isinstance(value, dict):
        hints = typing.get_type_hints(tp)
        metas = {f.name: dict(f.metadata) for f in dataclasses.fields(tp)}
        for key, sub in value.items():
            yield from schema_nodes(sub, hints[key], (*path, key), metas[key])
    elif origin is list and isinstance(value, list):
        (inner,) = typing.get_args(tp)
        for i, sub in enumerate(value):
            yield from schema_nodes(sub, inner, (*path, i), meta)


def _get(data, path: tuple):
    for key in path:
        data = data[key]
    return data


def _set(data, path: tuple, value) -> None:
    _get(data, path[:-1])[path[-1]] = value


def _wrong_type(draw, data: dict) -> str:
    nodes = list(schema_nodes(data, Scenario))
    path, value, tp, _ = draw(st.sampled_from(nodes))
    _set(data, path, [1, 2] if tp is str else "oops")      # a string is wrong only elsewhere
    return _format(path)


def _out_of_range(draw, data: dict) -> str | None:
    nodes = [(p, tp, m) for p, v, tp, m in schema_nodes(data, Scenario)
             if tp in (int, float) and not isinstance(v, bool)]
    if not nodes:
        return None
    path, tp, meta = draw(st.sampled_from(nodes))
    below = None if meta.get("lo") is None else meta["lo"] - (1 if tp is int else 0.5)
    above = upper_bound(tp, meta) * 10 + 1
    _set(data, path, draw(st.sampled_from([v for v in (below, above) if v is not None])))
    return _format(path)


def _unknown_key_or_choice(draw, data: dict) -> str:
    mappings = [(p, tp) for p, v, tp, _ in schema_nodes(data, Scenario)
                if dataclasses.is_dataclass(tp) and isinstance(v, dict)]
    choices = [p for p, v, _, m in schema_nodes(data, Scenario) if m.get("choices")
               and isinstance(v, str)]
    if choices and draw(st.booleans()):
        path = draw(st.sampled_from(choices))
        _set(data, path, "nonsense")
        return _format(path)
    path, _ = draw(st.sampled_from([((), Scenario), *mappings]))
    _get(data, path)["securty"] = 0.5
    return _format((*path, "securty"))


def _dangling_reference(draw, data: dict) -> str | None:
    refs = [("traffickers", i, "base") for i in range(len(data["traffickers"]))]
    refs += [("borders", i, "between", k) for i in range(len(data["borders"])) for k in (0, 1)]
    refs += [("transfers", i, key) for i, t in enumerate(data["transfers"])
             for key in ("from_stockpile", "to_country", "to_stockpile") if key in t]
    refs += [("embargoes", i, "target") for i in range(len(data.get("embargoes", [])))]
    refs += [("online", i, key) for i in range(len(data.get("online", [])))
             for key in ("from_country", "to_market")]
    refs += [("brokers", i, key) for i in range(len(data.get("brokers", [])))
             for key in ("base", "from_stockpile", "to_market")]
    refs += [("interventions", i, "targets", kind, j)
             for i, iv in enumerate(data["interventions"])
             for kind, listed in iv["targets"].items() for j in range(len(listed))]
    refs += [("events", i, "countries", j) for i, ev in enumerate(data["events"])
             for j in range(len(ev["countries"]))]
    if not refs:
        return None
    path = draw(st.sampled_from(refs))
    _set(data, path, "nowhere")
    return _format(path)


def _duplicate_id(draw, data: dict) -> str | None:
    groups = [[("countries", i) for i in range(len(data["countries"]))],
              [("countries", i, "stockpiles", j) for i, c in enumerate(data["countries"])
               for j in range(len(c["stockpiles"]))],
              [("countries", i, "markets", j) for i, c in enumerate(data["countries"])
               for j in range(len(c["markets"]))],
              [("borders", i) for i in range(len(data["borders"]))],
              [("borders", i, "crossings", j) for i, b in enumerate(data["borders"])
               for j in range(len(b["crossings"]))],
              [("traffickers", i) for i in range(len(data["traffickers"]))]]
    groups = [g for g in groups if len(g) >= 2]
    if not groups:
        return None
    group = draw(st.sampled_from(groups))
    first, second = sorted(draw(st.lists(st.sampled_from(group), min_size=2, max_size=2,
                                         unique=True)))
    _get(data, second)["id"] = _get(data, first)["id"]
    return _format((*second, "id"))


def _deleted_required_key(draw, data: dict) -> str:
    candidates = [((), "name"), ((), "countries")]
    for path, value, tp, _ in schema_nodes(data, Scenario):
        if dataclasses.is_dataclass(tp) and isinstance(value, dict):
            candidates += [(path, f.name) for f in dataclasses.fields(tp)
                           if f.default is REQUIRED and f.default_factory is REQUIRED
                           and f.name in value]
    path, key = draw(st.sampled_from(candidates))
    del _get(data, path)[key]
    return _format((*path, key))


MUTATIONS = (_wrong_type, _out_of_range, _unknown_key_or_choice, _dangling_reference,
             _duplicate_id, _deleted_required_key)


@st.composite
def invalid_scenarios(draw) -> tuple[dict, str, str]:
    """A valid scenario with one mutation; (data, mutation name, expected key path)."""
    data = draw(valid_scenarios(max_countries=4))
    mutation = draw(st.sampled_from(MUTATIONS))
    where = mutation(draw, data)
    if where is None:               # nothing to mutate this way: delete a required key
        mutation = _deleted_required_key
        where = mutation(draw, data)
    return data, mutation.__name__.strip("_"), where


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
          max_examples=settings.default.max_examples * 4)
@given(case=invalid_scenarios())
def test_every_invalid_scenario_is_refused_with_file_and_key_path(case):
    data, mutation, where = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_text(dump_yaml(data))
        for args in (("validate", path), ("run", path, "--out", Path(tmp) / "out")):
            code, err = run_cli_quietly(*args)
            assert code == 2, f"{mutation} at {where}: exit {code}\n{err}"
            assert err.startswith(f"error: {path}: {where}: "), f"{mutation}: {err}"
            assert "Traceback" not in err and err.strip().count("\n") == 0   # one paragraph
        assert not (Path(tmp) / "out").exists()
