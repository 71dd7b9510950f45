"""Fidelity to the seed documents (issue #11): the defects found by the audit stay fixed.

Each test names the defect it would have caught. Runs are short and small (regional for
ten years once, shared by the tests that need it).
"""

from __future__ import annotations

import copy
import dataclasses
import os
import re
import typing
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from flowsim.inputs.scenario import Scenario, Simulation
from flowsim.model.flow_model import FlowModel
from flowsim.model.lots import AMMUNITION, MECHANISMS
from flowsim.outputs.tables import all_tables
from tests.conftest import ROOT, TEACHING, load_data, scenario

STOCKPILE_MECHANISMS = ("theft", "loss", "insider", "battlefield_capture", "civilian_leakage")
#: the largest drift in effective security the trace response may cause: it is bounded by
#: behaviour.trace_response_max x (1 - security) <= trace_response_max (default 0.1)
MAX_DRIFT = 0.1


@cache
def regional_ten_years() -> tuple[FlowModel, np.ndarray, np.ndarray]:
    """Regional, no interventions, 120 monthly steps: the model, each stockpile's effective
    security at every step and its weapons held (ammunition excluded) at every step."""
    model = FlowModel(scenario(load_data("regional.yaml"), steps=120))
    security, held = [], []
    for _ in range(120):
        security.append([s.effective_security() for s in model.stockpile_list])
        held.append(model.leakage.holdings.sum(axis=(2, 3)).copy())
        model.step()
    return model, np.array(security), np.array(held)


# --- defect 1: the baseline heals itself -------------------------------------------------
def test_without_interventions_no_stockpile_security_drifts():
    # the old feedback (10% of the gap closed per traced step, for good) took kar-army
    # from 0.25 to 0.999 in ten years
    model, security, _ = regional_ten_years()
    drift = np.abs(security - security[0]).max(axis=0)
    worst = int(drift.argmax())
    assert drift.max() <= MAX_DRIFT, (model.stockpile_list[worst].spec.id, drift.max())


def _per_step_leak(model: FlowModel) -> np.ndarray:
    """Per-step leak probability of each (stockpile, category) at the start of a run."""
    leak = model.leakage
    factors = model.scenario.mechanisms.category_factor.array()
    out = []
    for s, cap in zip(model.stockpile_list, leak.cap.ravel(), strict=True):
        rates = np.array(s.annual_rates(s.spec.record_keeping))
        p = model.sim.per_step_probability(np.minimum(rates[None, :] * factors[:, None], 1))
        out.append(np.minimum(p, cap).sum(axis=1))
    return np.array(out)


def test_year_ten_diversions_are_what_depletion_of_holdings_explains():
    # with each stockpile's leak rates frozen at their starting values, diversions fall
    # only as holdings do; a self-healing baseline diverts far fewer in year ten
    model, _, held = regional_ten_years()
    fresh = FlowModel(scenario(load_data("regional.yaml"), steps=120))
    p0 = _per_step_leak(fresh)
    expected = sum((held[t][:, :AMMUNITION] * p0[:, :AMMUNITION]).sum() for t in range(108, 120))
    rows = model.ledger.flow_rows
    mechs = {MECHANISMS.index(m) for m in STOCKPILE_MECHANISMS}
    actual = sum(n for step, _, flow, mech, k, n in rows
                 if flow == "diverted" and mech in mechs and k != AMMUNITION and step > 108)
    assert 0.9 * expected <= actual <= 1.1 * expected, (actual, expected)


def test_trace_response_is_bounded_and_fades_without_new_traces():
    data = copy.deepcopy(TEACHING)
    data.setdefault("behaviour", {})["trace_action_probability"] = 1.0
    for c in data["countries"]:                 # no tracing requests: nothing renews it
        c.setdefault("controls", {})["tracing_capacity"] = 0.0
    model = FlowModel(scenario(data, steps=24))
    target = model.stockpile_list[0]
    b = model.scenario.behaviour
    for _ in range(500):                        # sustained traces: bounded by the max
        target.act_on_trace()
    assert b.trace_response_max * 0.99 <= target.trace_boost <= b.trace_response_max
    before = target.trace_boost
    for _ in range(int(b.trace_response_half_life)):
        model.step()
    assert target.trace_boost == pytest.approx(before / 2)


# --- defect 2: defaults that contradict their citations -------------------------------
def _fields(cls, path: str = "", seen=None):
    """(key path, field, default) of every field of a schema, nested ones included."""
    seen = set() if seen is None else seen
    if cls in seen or cls is Simulation:         # run settings, not model parameters
        return
    seen.add(cls)
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key = f"{path}.{f.name}" if path else f.name
        default = (f.default if f.default is not dataclasses.MISSING else
                   f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
        yield key, f, default
        for cand in (hints[f.name], *typing.get_args(hints[f.name])):
            if dataclasses.is_dataclass(cand):
                yield from _fields(cand, key, seen)


def _numbers(value) -> list[float]:
    if dataclasses.is_dataclass(value):
        return [x for f in dataclasses.fields(value) for x in _numbers(getattr(value, f.name))]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return []
    return [float(value)]


def _grounded_defaults():
    for key, f, default in _fields(Scenario):
        if dataclasses.is_dataclass(default) and default == type(default)():
            continue                # a nested block: its own fields are checked one by one
        numbers = _numbers(default)
        if numbers and (f.metadata.get("source") or any(numbers)):
            yield key, f, default


def test_every_cited_or_nonzero_default_says_how_it_was_grounded():
    # the audit found 0.9 citing 13%; now each number is derived from the figures it cites
    # or labelled an assumption, and `flowsim schema` prints which
    missing = [key for key, f, _ in _grounded_defaults()
               if bool(f.metadata.get("derivation")) == bool(f.metadata.get("assumption"))]
    assert not missing, missing


def test_each_derivation_ends_in_its_default():
    checked = 0
    for key, f, default in _grounded_defaults():
        derivation = f.metadata.get("derivation")
        if not derivation:
            continue
        stated = re.findall(r"=\s*(\d+(?:\.\d+)?)\s*$", derivation)
        assert stated, f"{key}: derivation does not end in '= value': {derivation}"
        value = float(stated[0])
        decimals = len(stated[0].split(".")[1]) if "." in stated[0] else 0
        assert abs(default - value) <= 0.5 * 10 ** -decimals + 1e-12, (key, default, value)
        checked += 1
    assert checked >= 8


def _seed_text(prefix: str) -> str | None:
    for root in (ROOT.parent / "shared" / "seeds", ROOT.parent.parent / "shared" / "seeds",
                 Path("/work/shared/seeds")):
        found = sorted(root.glob(f"{prefix}_*.txt")) if root.is_dir() else []
        if found:
            return found[0].read_text(encoding="utf-8")
    return None


def test_figures_quoted_in_derivations_are_in_the_cited_seed():
    for key, f, _ in _grounded_defaults():
        derivation = f.metadata.get("derivation") or ""
        if not derivation:
            continue
        prefixes = sorted(set(re.findall(r"\b(00\d) ¶", derivation)))
        texts = [_seed_text(p) for p in prefixes]
        if not texts or None in texts:
            missing = [p for p, t in zip(prefixes, texts, strict=True) if t is None]
            message = (f"seed document(s) {', '.join(missing) or prefixes} not found in "
                       f"{ROOT.parent / 'shared' / 'seeds'} or /work/shared/seeds: the "
                       f"figures quoted for {key} cannot be checked")
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(message + " (CI=true: the seeds must be present in CI)")
            pytest.skip(message)
        figures = re.sub(r"\(\d{3} ¶[^)]*\)", "", derivation.split("=")[0])  # no citations
        quoted = [x for x in re.findall(r"\d[\d,]*(?: per cent)?", figures)
                  if x.endswith("per cent") or int(x.replace(",", "")) >= 10]
        for figure in quoted:
            assert any(figure in t for t in texts), (key, figure)


def test_missing_seed_documents_fail_under_ci_and_skip_elsewhere(monkeypatch):
    import sys

    monkeypatch.setattr(sys.modules[__name__], "_seed_text", lambda _prefix: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="seed document"):
        test_figures_quoted_in_derivations_are_in_the_cited_seed()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="seed document"):
        test_figures_quoted_in_derivations_are_in_the_cited_seed()


# --- defect 3: armed groups and criminal markets behave alike -------------------------
KINDS = {
    "name": "kinds", "simulation": {"steps": 24, "seed": 5},
    "mechanisms": {"theft": 0.0, "loss": 0.0, "insider": 0.0, "battlefield_capture": 0.5},
    "countries": [{"id": "WAR", "conflict_intensity": 1.0,
                   "stockpiles": [{"id": "army", "holdings": {"rifles": 20000},
                                   "security": 0.0}],
                   "markets": [{"id": "fighters", "kind": "armed_group",
                                "demand": {"rifles": 600}}],
                   "controls": {"inland_policing": 0.0}}],
}


def _kinds_run(kind: str) -> FlowModel:
    data = copy.deepcopy(KINDS)
    data["countries"][0]["markets"][0]["kind"] = kind
    return FlowModel(scenario(data)).run()


def test_battlefield_capture_feeds_armed_groups_directly():
    capture = MECHANISMS.index("battlefield_capture")
    armed, criminal = _kinds_run("armed_group"), _kinds_run("criminal_market")
    fighters = armed.market_list[0].holdings
    assert sum(n for key, n in fighters if key.mechanism == capture) > 1000
    assert not armed.black_market[0]            # nothing passed through local sellers
    # criminal markets get captured weapons only through the black market
    assert sum(n for key, n in criminal.black_market[0] if key.mechanism == capture) > 0


def test_armed_group_demand_follows_conflict_criminal_demand_does_not():
    armed, criminal = _kinds_run("armed_group"), _kinds_run("criminal_market")
    per_step = 600 / 12
    assert armed.market_list[0].demand[1] == pytest.approx(2 * per_step)   # intensity 1
    assert criminal.market_list[0].demand[1] == pytest.approx(per_step)


def test_criminal_markets_want_less_when_prices_rise_armed_groups_barely():
    wanted = {}
    for kind in ("armed_group", "criminal_market"):
        model = FlowModel(scenario({**copy.deepcopy(KINDS), "countries": [
            {**KINDS["countries"][0], "markets": [{**KINDS["countries"][0]["markets"][0],
                                                   "kind": kind}]}]}))
        market = model.market_list[0]
        market.wanted = [0.0] * 4
        market.ema_supply = (market.demand / 100).tolist()   # a severe shortage: price x4
        market.update_price()
        wanted[kind] = market.wanted[1] / market.demand[1]
    assert wanted["criminal_market"] == pytest.approx(4 ** -0.5)
    assert wanted["armed_group"] == pytest.approx(4 ** -0.1)


# --- defect 4: end users' starting holdings labelled theft -----------------------------
def test_end_users_starting_holdings_are_pre_existing_not_theft():
    # seized weapons kept in store would leak again as store_leakage (tests/test_levers.py)
    data = {"name": "held", "simulation": {"steps": 12, "seed": 3},
            "mechanisms": {"store_leakage": 0.0},
            "countries": [{"id": "A", "markets": [{"id": "gangs", "holdings": {
                "handguns": 5000}}], "controls": {"inland_policing": 0.5}}]}
    tables = all_tables(FlowModel(scenario(data)).run())
    seized = tables["seizures"]
    assert set(seized["mechanism"]) == {"pre_existing"}
    assert tables["summary"].empty or tables["summary"]["diverted"].sum() == 0
    # a share holdings_marked (0.85, 000 ¶33) bears a marking
    share = seized.loc[seized["marked"], "count"].sum() / seized["count"].sum()
    assert 0.8 < share < 0.9


# --- defect 5: re-export never leaves the importer -----------------------------------
def _reexport_data(reexport_to=None) -> dict:
    transfer = {"from_stockpile": "factory", "to_country": "IMP",
                "per_year": {"rifles": 12000}}
    if reexport_to is not None:
        transfer["reexport_to"] = reexport_to
    country = {"controls": {"inland_policing": 0.0, "post_shipment_checks": 0.0}}
    return {
        "name": "reexport", "simulation": {"steps": 12, "seed": 4},
        "mechanisms": {"theft": 0.0, "loss": 0.0, "insider": 0.0, "transfer_fraud": 0.0,
                       "reexport": 0.5},
        "countries": [
            {"id": "EXP", **country, "stockpiles": [{"id": "factory", "owner": "manufacturer",
                                                   "holdings": {"rifles": 100000}}]},
            {"id": "IMP", **country, "stockpiles": [{"id": "imp-army"}]},
            {"id": "NB1", **country}, {"id": "NB2", **country}, {"id": "FAR", **country}],
        "borders": [{"id": f"b{i}", "between": pair, "crossings": [{"id": f"x{i}"}]}
                    for i, pair in enumerate([["EXP", "IMP"], ["IMP", "NB1"], ["IMP", "NB2"],
                                              ["NB2", "FAR"]])],
        "transfers": [transfer],
    }


def _reexported_to(model: FlowModel) -> dict[str, int]:
    mech = MECHANISMS.index("reexport")
    return {cid: sum(n for key, n in book if key.mechanism == mech)
            for cid, book in zip(model.country_ids, model.black_market, strict=True)}


def test_unauthorized_reexport_goes_on_to_a_third_state():
    model = FlowModel(scenario(_reexport_data())).run()
    where = _reexported_to(model)
    # by default the importer's neighbours other than the exporter's country
    assert where["IMP"] == 0 and where["EXP"] == 0 and where["FAR"] == 0
    assert where["NB1"] > 1000 and where["NB2"] > 1000
    flows = all_tables(model)["flows"]
    diverted = flows[(flows["flow"] == "diverted") & (flows["mechanism"] == "reexport")]
    arrived = flows[flows["flow"] == "reexported"]
    assert set(diverted["country"]) == {"IMP"}           # diverted from the importer
    assert arrived["count"].sum() == diverted["count"].sum() == sum(where.values())
    named = _reexported_to(FlowModel(scenario(_reexport_data(["FAR"]))).run())
    assert named["FAR"] == sum(named.values()) > 0


# --- defect 6: collection and destruction never happen in the shipped scenarios ---------
@pytest.mark.parametrize(("name", "steps"), [("teaching.yaml", 24), ("regional.yaml", 24),
                                             ("large.yaml", 3)])
def test_shipped_scenarios_collect_and_destroy_surplus(name, steps):
    model = FlowModel(scenario(load_data(name), steps=steps)).run()
    flows = {}
    for _, _, flow, mech, k, n in model.ledger.flow_rows:
        if k != AMMUNITION:
            flows[(flow, mech)] = flows.get((flow, mech), 0) + n
    assert flows.get(("destroyed", -1), 0) > 0                    # state surplus
    if name != "large.yaml":          # large's end users hold nothing yet after 3 steps
        assert sum(n for (f, _), n in flows.items() if f == "collected") > 0


# --- seed-pattern outputs: disposition (000 ¶32) and legal ground (000 ¶34) -------------
@cache
def regional_tables() -> dict:
    return all_tables(regional_ten_years()[0])


def _weapons(df):
    return df[df["category"] != "ammunition"]


def test_disposition_accounts_for_every_weapon_that_reaches_the_authorities():
    t = regional_tables()
    disp = t["disposition"]
    seized = _weapons(t["seizures"]).groupby("country")["count"].sum()
    got = disp[disp["source"] == "seized"].groupby("country")["count"].sum()
    assert got.to_dict() == seized.to_dict()
    flows = _weapons(t["flows"])
    collected = flows[flows["flow"] == "collected"].groupby("country")["count"].sum()
    got = disp[disp["source"] == "collected"].groupby("country")["count"].sum()
    assert got.to_dict() == collected.to_dict()
    # weapons destroyed from the authorities' hands are the destroyed flow of diverted
    # weapons (surplus destruction, mechanism none, is the rest)
    destroyed = flows[(flows["flow"] == "destroyed") & (flows["mechanism"] != "none")]
    assert disp["destroyed"].sum() == destroyed["count"].sum()


def test_disposition_follows_its_parameters():
    # defaults derived from 000 ¶32: no action 30.7%; of the rest 73.7% destroyed,
    # 67.8% recorded, 12.9% marked
    disp = regional_tables()["disposition"]
    total = disp[list(disp.columns[4:])].sum()
    n, acted = total["count"], total["count"] - total["no_action"]
    for share, expected, base in ((total["no_action"] / n, 0.307, n),
                                  (total["destroyed"] / acted, 0.737, acted),
                                  (total["recorded"] / acted, 0.678, acted),
                                  (total["marked"] / acted, 0.129, acted)):
        se = (expected * (1 - expected) / base) ** 0.5
        assert abs(share - expected) < 4 * se, (share, expected)
    assert total["traced_domestic"] + total["traced_foreign"] <= total["trace_requests"]


def test_legal_ground_recorded_differs_from_what_happened_as_000_34_says():
    seized = regional_tables()["seizures"]
    assert set(seized["legal_ground"]) == {"illicit_possession", "trafficking", "other"}
    # weapons taken from end users and local sellers are never recorded as trafficking
    held = seized[seized["mode"] == "none"]
    assert "trafficking" not in set(held["legal_ground"])
    # one ground per seizure event; shipments are recorded as trafficking with
    # (1 - other_ground) x trafficking_recorded (regional's values: the latter is fitted)
    events = seized[seized["mode"] != "none"].drop_duplicates(
        ["step", "country", "place", "mode", "origin_country", "legal_ground"])
    ship = events.groupby(["step", "country", "place"])["legal_ground"].first()
    share = float((ship == "trafficking").mean())
    b = regional_ten_years()[0].scenario.behaviour
    expected = (1 - b.other_ground) * b.trafficking_recorded
    assert abs(share - expected) < 4 * (expected * (1 - expected) / len(ship)) ** 0.5


# --- docs/odd.md names only parameters that exist ---------------------------------------
def _key_paths(cls, prefix: str = "") -> set[str]:
    hints = typing.get_type_hints(cls)
    out = set()
    for f in dataclasses.fields(cls):
        path = f"{prefix}.{f.name}" if prefix else f.name
        out.add(path)
        for cand in (hints[f.name], *typing.get_args(hints[f.name])):
            for inner in (cand, *typing.get_args(cand)):
                if dataclasses.is_dataclass(inner):
                    out |= _key_paths(inner, path)
    return out


def test_every_parameter_named_in_the_odd_exists_in_the_scenario_reference():
    odd = (ROOT / "docs" / "odd.md").read_text()
    reference = (ROOT / "docs" / "scenario-reference.md").read_text()
    known = _key_paths(Scenario)
    spans = re.findall(r"`([^`]+)`", odd)
    named = {m for span in spans for m in re.findall(r"\b[a-z_]+(?:\.[a-z_]+)+\b", span)
             if not re.search(r"\.(csv|yaml|md|py|json|png)$", m)}
    # a key path may start at any level: `controls.tracing_capacity` is a country's
    unknown = sorted(p for p in named if not any(k == p or k.endswith("." + p) for k in known))
    assert not unknown, unknown
    missing = sorted(p for p in named if f"| `{p.rsplit('.', 1)[-1]}` |" not in reference)
    assert not missing, missing
    assert len(named) >= 40                       # the submodels name their parameters
