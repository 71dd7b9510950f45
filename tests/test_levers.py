"""Policy levers act through the channels the seeds describe (issue #21).

Each test switches one channel on and off in a small scenario and checks the direction of
its effect: stores of seized and collected weapons leak unless destroyed (000 ¶6, ¶71),
anti-corruption reaches depots (001 ¶11; 004 ¶25), illicit manufacture answers the price
(001 ¶57-59), tracing feeds investigations, points of diversion and route intelligence
(000 ¶33-34, ¶61, ¶119), and transfers are consignments under export control (000 ¶50-53;
004 ¶26, ¶30). Runs are small and seeded; each comparison uses the same seed on both sides.
"""

from __future__ import annotations

import copy

import pytest

from flowsim.model.flow_model import FlowModel
from flowsim.model.lots import AMMUNITION, MECHANISMS
from tests.conftest import TEACHING, scenario, write_yaml


def flows(model: FlowModel, flow: str, mechanism: str | None = None) -> int:
    """Weapons (ammunition excluded) in ``flow`` over the run, of ``mechanism`` if given."""
    m = None if mechanism is None else MECHANISMS.index(mechanism)
    return sum(n for _s, _c, f, mech, cat, n in model.ledger.flow_rows
               if f == flow and cat != AMMUNITION and (m is None or mech == m))


def run(data: dict, steps: int = 48, seed: int = 3, **kw) -> FlowModel:
    return FlowModel(scenario(data, steps=steps, seed=seed), **kw).run()


# --- stores of seized and collected weapons (000 ¶6, ¶71) -------------------------------
AMNESTY = {
    "name": "amnesty",
    "mechanisms": {"theft": 0.0, "loss": 0.0, "insider": 0.0},
    "countries": [{"id": "A", "stockpiles": [{"id": "a-army", "holdings": {"rifles": 1000}}],
                   "markets": [{"id": "gang", "demand": {"rifles": 100},
                                "holdings": {"rifles": 20000}}],
                   "controls": {"collection": 0.3, "inland_policing": 0.0}}],
}


def _amnesty(**controls) -> dict:
    data = copy.deepcopy(AMNESTY)
    data["countries"][0]["controls"].update(controls)
    return data


def test_weapons_kept_undestroyed_leak_from_stores_destroyed_ones_do_not():
    kept = run(_amnesty(destroy_in_hand=0.0, no_action=0.0))
    destroyed = run(_amnesty(destroy_in_hand=1.0, no_action=0.0))
    leaked = flows(kept, "diverted", "store_leakage")
    assert leaked > 100                      # ~3,000 collected a year, 1.5% a year leaks
    assert flows(destroyed, "diverted", "store_leakage") == 0
    a, b = kept.conservation()
    assert (a == b).all()


def test_store_security_lowers_leakage_from_stores():
    open_ = run(_amnesty(destroy_in_hand=0.0, store_security=0.0))
    secure = run(_amnesty(destroy_in_hand=0.0, store_security=0.9))
    assert flows(secure, "diverted", "store_leakage") < 0.3 * flows(
        open_, "diverted", "store_leakage")


def test_destroy_seized_and_store_security_interventions_lower_store_leakage():
    base = run(_amnesty())
    for iv in ({"type": "destroy_seized", "strength": 0.9},
               {"type": "store_security", "strength": 0.9}):
        iv = {**iv, "targets": {"countries": ["A"]}, "ramp_up": 0}
        treated = run(_amnesty(), interventions=[_intervention(iv)])
        assert flows(treated, "diverted", "store_leakage") < 0.5 * flows(
            base, "diverted", "store_leakage"), iv["type"]


def _intervention(data: dict):
    from flowsim.inputs.interventions import Intervention
    from flowsim.inputs.schema import build

    return build(Intervention, data, "<test>")


# --- every new key refuses bad values with one paragraph (file, key path, expected, found) --
#: (key path as a list, bad value, fragment of what is expected); paths into teaching.yaml
BAD_VALUES = [
    (["countries", 0, "controls", "store_security"], 1.5, "between 0 and 1"),
    (["mechanisms", "store_leakage"], -0.1, "between 0 and 1"),
    (["countries", 1, "illicit_response", "price_elasticity"], 7, "at most 5"),
    (["countries", 1, "illicit_response", "capacity"], 0.5, "at least 1"),
    (["countries", 2, "controls", "craft_policing"], 2, "between 0 and 1"),
    (["countries", 2, "controls", "deactivation_standards"], -1, "between 0 and 1"),
    (["countries", 2, "controls", "printing_controls"], "high", "a number"),
    (["countries", 0, "controls", "export_risk_assessment"], 1.2, "between 0 and 1"),
    (["countries", 1, "controls", "import_marking"], -0.5, "between 0 and 1"),
    (["countries", 1, "controls", "end_use_checks"], 3, "between 0 and 1"),
    (["transfers", 0, "diversion_record"], 1.1, "between 0 and 1"),
    (["mechanisms", "consignment_share"], 2, "between 0 and 1"),
    (["behaviour", "investigation_probability"], -0.2, "between 0 and 1"),
    (["behaviour", "investigation_lag"], -1, "non-negative"),
    (["behaviour", "investigation_pressure"], 1.5, "between 0 and 1"),
    (["behaviour", "investigation_half_life"], 0, "at least 0.1"),
    (["behaviour", "dismantle_probability"], 9, "between 0 and 1"),
    (["behaviour", "trace_intelligence"], -1, "non-negative"),
    (["behaviour", "export_finding_weight"], "x", "a number"),
]


def _path_text(path: list) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


@pytest.mark.parametrize(("path", "value", "expected"), BAD_VALUES,
                         ids=[_path_text(p) for p, _, _ in BAD_VALUES])
def test_bad_values_in_new_keys_get_one_paragraph(tmp_path, run_cli, path, value, expected):
    data = copy.deepcopy(TEACHING)
    node = data
    for p in path[:-1]:
        node = node.setdefault(p, {}) if isinstance(p, str) else node[p]
    node[path[-1]] = value
    file = write_yaml(tmp_path, data)
    code, out, err = run_cli("validate", file)
    assert code == 2 and "Traceback" not in err
    assert err.startswith(f"error: {file}: {_path_text(path)}: expected")
    assert expected in err and str(value) in err and err.strip().count("\n") == 0


# --- anti-corruption reaches depots (001 ¶11; 004 ¶25) ------------------------------------
DEPOT = {
    "name": "depot",
    "mechanisms": {"theft": 0.0, "loss": 0.0, "insider": 0.2, "store_leakage": 0.0},
    "countries": [{"id": "D", "stockpiles": [{"id": "d-army", "holdings": {"rifles": 50000}}],
                   "controls": {"inland_policing": 0.0}}],
}


def test_anti_corruption_lowers_insider_theft_from_depots():
    base = run(DEPOT)
    control = copy.deepcopy(DEPOT)
    control["countries"][0]["controls"]["anti_corruption"] = 0.8
    iv = _intervention({"type": "anti_corruption", "targets": {"countries": ["D"]},
                        "strength": 0.8, "ramp_up": 0})
    insider = flows(base, "diverted", "insider")
    assert insider > 1000
    assert flows(run(control), "diverted", "insider") < 0.35 * insider
    assert flows(run(DEPOT, interventions=[iv]), "diverted", "insider") < 0.35 * insider


def test_anti_corruption_at_crossings_only_leaves_depots_alone():
    data = copy.deepcopy(DEPOT)
    data["countries"].append({"id": "E"})
    data["borders"] = [{"id": "de", "between": ["D", "E"], "crossings": [{"id": "de-post"}]}]
    iv = _intervention({"type": "anti_corruption", "targets": {"borders": ["de"]},
                        "strength": 0.8, "ramp_up": 0})
    assert flows(run(data, interventions=[iv]), "diverted", "insider") == flows(
        run(data), "diverted", "insider")


# --- illicit manufacture answers the price (001 ¶57-59; 004 ¶25) -------------------------
WORKSHOPS = {
    "name": "workshops",
    "mechanisms": {"theft": 0.3, "loss": 0.0, "insider": 0.0, "store_leakage": 0.0},
    "countries": [{"id": "W", "stockpiles": [{"id": "w-army", "holdings": {"handguns": 20000},
                                              "security": 0.0}],
                   "markets": [{"id": "w-gangs", "demand": {"handguns": 2000}}],
                   "craft_production": {"handguns": 200}, "conversion": {"handguns": 200},
                   "printed": {"handguns": 200}, "controls": {"inland_policing": 0.0}}],
}


def _workshops(theft: float, elasticity: float | None = None, **controls) -> dict:
    data = copy.deepcopy(WORKSHOPS)
    data["mechanisms"]["theft"] = theft
    country = data["countries"][0]
    country["controls"].update(controls)
    if elasticity is not None:
        country["illicit_response"] = {"price_elasticity": elasticity}
    return data


def test_illicit_manufacture_rises_when_theft_is_cut_and_the_price_rises():
    supplied, cut = run(_workshops(0.3, 1.0)), run(_workshops(0.0, 1.0))
    assert flows(cut, "diverted", "theft") == 0 < flows(supplied, "diverted", "theft")
    price = [m.price[0] / m.base_price[0] for m in (supplied.market_list[0], cut.market_list[0])]
    assert price[1] > 1.5 * price[0]
    for kind in ("craft", "conversion", "printed"):       # base 200 a year each: 800 in 4
        assert flows(cut, "diverted", kind) > 1.3 * flows(supplied, "diverted", kind), kind
        assert flows(cut, "diverted", kind) <= 3.0 * 800 * 1.2            # capacity 3


def test_illicit_manufacture_at_elasticity_zero_ignores_the_price():
    supplied, cut = run(_workshops(0.3, 0.0)), run(_workshops(0.0, 0.0))
    for kind in ("craft", "conversion", "printed"):
        assert abs(flows(cut, "diverted", kind) - flows(supplied, "diverted", kind)) < 0.15 * 800


@pytest.mark.parametrize(("control", "kind"), [("craft_policing", "craft"),
                                               ("deactivation_standards", "conversion"),
                                               ("printing_controls", "printed")])
def test_each_manufacture_control_cuts_its_own_kind_only(control, kind):
    base = run(_workshops(0.0))
    iv = _intervention({"type": control, "targets": {"countries": ["W"]}, "strength": 0.8,
                        "ramp_up": 0})
    treated = run(_workshops(0.0), interventions=[iv])
    assert flows(treated, "diverted", kind) < 0.4 * flows(base, "diverted", kind)
    for other in {"craft", "conversion", "printed"} - {kind}:     # the price rises instead
        assert flows(treated, "diverted", other) >= 0.9 * flows(base, "diverted", other)


# --- tracing with consequences (000 ¶33-34, ¶53, ¶61, ¶119) -------------------------------
def _traced_route(**behaviour) -> dict:
    """Rifles stolen in SRC, trafficked through TRN to DST's market, seized inland in DST
    and traced there (every seized weapon marked, recorded and the subject of a request)."""
    open_country = {"inland_policing": 0.0, "tracing_cooperation": 1.0}
    return {
        "name": "traced",
        "mechanisms": {"theft": 0.2, "loss": 0.0, "insider": 0.0, "store_leakage": 0.0},
        "behaviour": {"domestic_trace_success": 1.0, "foreign_trace_success": 1.0,
                      "arrest_probability": 0.05, **behaviour},
        "countries": [
            {"id": "SRC", "stockpiles": [{"id": "src-army", "holdings": {"rifles": 30000},
                                          "security": 0.0, "marking": 1.0,
                                          "record_keeping": 1.0}],
             "controls": open_country},
            {"id": "TRN", "controls": open_country},
            {"id": "DST", "markets": [{"id": "dst-gangs", "demand": {"rifles": 3000}}],
             "controls": {"inland_policing": 0.5, "tracing_capacity": 1.0, "no_action": 0.0,
                          "tracing_cooperation": 1.0}}],
        "borders": [{"id": "st", "between": ["SRC", "TRN"],
                     "crossings": [{"id": "st-x", "inspection_rate": 0.0}]},
                    {"id": "td", "between": ["TRN", "DST"],
                     "crossings": [{"id": "td-x", "inspection_rate": 0.0}]}],
        "traffickers": [{"id": "src-ants", "base": "SRC", "count": 20, "mode": "ant"}],
    }


def test_investigations_from_traces_raise_arrests_of_traffickers_on_the_traced_route():
    on = run(_traced_route(investigation_probability=1.0, dismantle_probability=0.5,
                           investigation_lag=2), steps=36)
    off = run(_traced_route(investigation_probability=0.0), steps=36)
    src = on.country_ids.index("SRC")
    assert on.consequences.opened > 0 and off.consequences.opened == 0
    assert on.consequences.dismantled > 0
    dst, other = on.country_ids.index("DST"), on.country_ids.index("TRN")
    c = on.consequences                        # seized on the traced route: more arrests
    assert c.arrest_probability(src, dst, dst) > 0.2 > c.arrest_probability(src, other, other)
    assert on.arrests[src] >= off.arrests[src] + 5
    assert flows(on, "delivered") < flows(off, "delivered")


def test_traced_routes_feed_the_regulators_perceived_risk_of_the_crossings_on_them():
    risk = {}
    for weight in (0.0, 5.0):
        model = run(_traced_route(investigation_probability=0.0, trace_intelligence=weight),
                    steps=24)
        trn = model.regulator_list[model.country_ids.index("TRN")]
        risk[weight] = float(trn.risk.sum())
    assert risk[5.0] > risk[0.0] + 1.0


def _transfer(**kw) -> dict:
    """A factory in EXP exports rifles to IMP's army every month."""
    controls = {"inland_policing": 0.0, "tracing_cooperation": 1.0, "end_user_verification": 0.0,
                "post_shipment_checks": 0.0, "export_risk_assessment": 1.0}
    importer = {**controls, **kw.pop("importer", {})}
    transfer = {"from_stockpile": "factory", "to_country": "IMP",
                "per_year": {"rifles": 12000}, **kw.pop("transfer", {})}
    data = {
        "name": "transfer",
        "mechanisms": {"theft": 0.0, "loss": 0.0, "insider": 0.0, "store_leakage": 0.0,
                       "transfer_fraud": 0.0, "reexport": 0.0, **kw.pop("mechanisms", {})},
        "behaviour": {"foreign_trace_success": 1.0, **kw.pop("behaviour", {})},
        "countries": [
            {"id": "EXP", "controls": {**controls, **kw.pop("exporter", {})},
             "stockpiles": [{"id": "factory", "owner": "manufacturer",
                             "holdings": {"rifles": 500000}, "marking": 1.0,
                             "record_keeping": 1.0, "security": 1.0}]},
            {"id": "IMP", "controls": importer, "stockpiles": [{"id": "imp-army"}],
             "markets": [{"id": "imp-gangs", "demand": {"rifles": 50000}}]},
            {"id": "NB", "controls": controls}],
        "borders": [{"id": "ei", "between": ["EXP", "IMP"], "crossings": [{"id": "ei-x"}]},
                    {"id": "in", "between": ["IMP", "NB"], "crossings": [{"id": "in-x"}]}],
        "transfers": [transfer],
    }
    assert not kw
    return data


def test_a_denied_licence_stops_the_consignment():
    denied = run(_transfer(transfer={"diversion_record": 1.0}), steps=12)
    licensed = run(_transfer(transfer={"diversion_record": 0.0}), steps=12)
    assert flows(denied, "transferred") == 0 and denied.transfers.denied[1] > 10000
    assert flows(licensed, "transferred") > 10000 and licensed.transfers.denied.sum() == 0


def test_diversion_takes_whole_consignments():
    model = run(_transfer(mechanisms={"transfer_fraud": 0.3}, exporter={
        "export_risk_assessment": 0.0}), steps=48)
    rows = [n for s, c, f, mech, cat, n in model.ledger.flow_rows
            if f == "diverted" and mech == MECHANISMS.index("transfer_fraud")]
    sent = [n for s, c, f, mech, cat, n in model.ledger.flow_rows if f == "transferred"]
    assert 5 <= len(rows) <= 25                        # about 0.3 x 48 consignments
    assert min(rows) > 0.8 * min(sent)                 # each one whole (about 1,000)


def test_traced_transfer_diversion_acts_on_the_pairs_licensing_not_the_factory():
    importer = {"inland_policing": 0.5, "tracing_capacity": 1.0, "no_action": 0.0}
    traced = run(_transfer(mechanisms={"transfer_fraud": 0.5}, importer=importer), steps=36)
    untraced = run(_transfer(mechanisms={"transfer_fraud": 0.5},
                             importer={**importer, "tracing_capacity": 0.0}), steps=36)
    (pair,) = traced.transfers.pairs
    assert pair.record > 0.5 and traced.transfers.denied.sum() > 0
    assert untraced.transfers.pairs[0].record == 0 and untraced.transfers.denied.sum() == 0
    assert traced.stockpile_list[0].trace_boost == 0          # the factory is not "secured"
    assert flows(traced, "diverted", "transfer_fraud") < flows(
        untraced, "diverted", "transfer_fraud")


def test_post_shipment_findings_raise_the_pairs_record():
    found = run(_transfer(mechanisms={"reexport": 1.0}, exporter={
        "post_shipment_checks": 0.5}), steps=24)
    blind = run(_transfer(mechanisms={"reexport": 0.5}), steps=24)
    assert found.transfers.findings > 0 and found.transfers.pairs[0].record > 0.5
    assert blind.transfers.findings == 0 and blind.transfers.pairs[0].record == 0


def test_importer_end_use_checks_cut_diversion_and_import_marking_marks_imports():
    base = run(_transfer(mechanisms={"transfer_fraud": 0.5}, exporter={
        "export_risk_assessment": 0.0}), steps=36)
    checked = run(_transfer(mechanisms={"transfer_fraud": 0.5}, exporter={
        "export_risk_assessment": 0.0}, importer={"end_use_checks": 0.8}), steps=36)
    assert flows(checked, "diverted", "transfer_fraud") < 0.5 * flows(
        base, "diverted", "transfer_fraud")
    data = _transfer(exporter={"export_risk_assessment": 0.0})
    data["countries"][0]["stockpiles"][0]["marking"] = 0.0
    for mark, unmarked_left in ((0.0, True), (1.0, False)):
        data["countries"][1]["controls"]["import_marking"] = mark
        army = run(data, steps=6).stockpile_list[1]
        assert army.holdings[1].sum() > 1000
        assert (army.holdings[1, 0].sum() > 0) == unmarked_left


def test_every_intervention_type_says_which_channels_it_acts_through():
    from flowsim.inputs.interventions import CHANNELS, TYPES

    assert set(CHANNELS) == set(TYPES)
    assert all(channels and decided for channels, decided in CHANNELS.values())


def test_experiments_generator_names_the_options_whose_rank_changed():
    import importlib.util
    import json

    from tests.conftest import ROOT

    path = ROOT / "docs" / "results" / "make_experiments.py"
    spec = importlib.util.spec_from_file_location("make_experiments", path)
    mk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mk)
    previous = json.loads(mk.PREVIOUS.read_text())
    donor = previous["experiments"]["donor-comparison.yaml"]
    assert [r["option"] for r in donor][-1] == "tracing-capacity"     # frozen at c233d06
    swapped = [{**r, "rank": len(donor) + 1 - r["rank"]} for r in donor][::-1]
    text = mk.ranking_changes(previous, {"donor-comparison.yaml": swapped,
                                         "border-displacement.yaml": previous["experiments"][
                                             "border-displacement.yaml"]},
                              {"tracing-capacity": ["tracing"]})
    assert "`tracing-capacity` 4 -> 1" in text and "investigations" in text
    assert "`border-displacement.yaml`: ranking unchanged" in text
    table = "**`x.yaml`** (...):\n\n| option | rank | kept per USD 1M |\n|---|---|---|\n" \
            "| baseline |  |  |\n| b | 2 | 5 |\n| a | 1 | 9 |\n\nNext:\n\n| option | rank |\n" \
            "|---|---|\n| z | 7 |\n"
    assert mk.rankings_from_markdown(table) == {"x.yaml": [
        {"option": "b", "rank": 2, "kept_per_usd_million": "5"},
        {"option": "a", "rank": 1, "kept_per_usd_million": "9"}]}
