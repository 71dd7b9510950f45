"""Channels the seeds name (issue #23): ammunition in use (001 ¶10-11, ¶35; 004 ¶12) and
gender that can change answers (000 ¶31; 002 ¶26-27).

Each test shows its channel's effect in the documented direction and fails when the channel
is switched off (rate 0, lever without effect, one victims' split for every kind)."""

from __future__ import annotations

import copy
import types

import numpy as np
import pytest

from flowsim.inputs.interventions import Intervention
from flowsim.inputs.schema import build
from flowsim.model.ammunition import category_factors
from flowsim.model.brokers import BROKERED
from flowsim.model.flow_model import FlowModel
from flowsim.model.harm import run_with_harm
from flowsim.model.lots import AMMUNITION
from flowsim.model.online import ASSEMBLED
from tests.conftest import TEACHING, scenario, write_yaml


def refused(run_cli, tmp_path, data: dict, path: str, fragment: str) -> None:
    """``flowsim run`` on ``data`` exits 2 with one paragraph naming ``path`` and
    ``fragment``, no traceback and no output folder."""
    code, _, err = run_cli("run", write_yaml(tmp_path, data), "--out", tmp_path / "out",
                           "--no-plots")
    assert code == 2
    assert path in err and fragment in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


# --- ammunition in use ------------------------------------------------------------------------
def _armed_group_only(rounds: float, ammunition: int) -> dict:
    """One country, one armed group holding 1,000 rifles and ``ammunition`` rounds; no
    policing or collection, so nothing but firing changes its holdings."""
    return {
        "name": "ammo", "simulation": {"steps": 12, "step_length": "month", "seed": 3},
        "behaviour": {"armed_group": {"rounds_per_weapon_year": rounds}},
        "countries": [{"id": "A", "markets": [{
            "id": "a-group", "kind": "armed_group",
            "holdings": {"rifles": 1000, "ammunition": ammunition}}],
            "controls": {"inland_policing": 0.0}}]}


def _harm(data: dict, steps: int = 12):
    model = FlowModel(scenario(data))
    return model, run_with_harm(model, steps).totals()


def test_end_users_without_ammunition_cause_no_harm():
    _, dry = _harm(_armed_group_only(rounds=100, ammunition=0))
    assert dry["weapon_years"]["armed_group"] == 0
    assert sum(dry["deaths"]["armed_group"].values()) == 0
    # switched off (ammunition not used up): the same weapons cause harm
    _, off = _harm(_armed_group_only(rounds=0, ammunition=0))
    assert off["weapon_years"]["armed_group"] == pytest.approx(1000)
    assert sum(off["deaths"]["armed_group"].values()) > 0


def test_ammunition_is_fired_and_limits_use_once_spent():
    # 1,000 rifles x 100 rounds a year need 8,333 rounds a month; 50,000 rounds last six
    # months, so the group uses its weapons for half the year
    model, h = _harm(_armed_group_only(rounds=100, ammunition=50_000))
    assert h["weapon_years"]["armed_group"] == pytest.approx(500, rel=1e-3)
    assert model.consumed[AMMUNITION] == 50_000 - model.market_list[0].holdings.totals[
        AMMUNITION]
    assert model.consumed[AMMUNITION] >= 6 * 8333
    fired = sum(n for _, _, f, _, k, n in model.ledger.flow_rows if f == "consumed")
    assert fired == model.consumed[AMMUNITION]
    held, made = model.conservation()
    assert np.array_equal(held, made)


def test_ammunition_use_keeps_books_balanced_in_a_full_scenario():
    data = copy.deepcopy(TEACHING)
    data["behaviour"].update(armed_group={"rounds_per_weapon_year": 200},
                             criminal_market={"rounds_per_weapon_year": 50})
    model = FlowModel(scenario(data, steps=24))
    for _ in range(24):
        model.step()
        held, made = model.conservation()
        assert np.array_equal(held, made)
    assert model.consumed[AMMUNITION] > 0
    assert 0 <= min(m.in_use for m in model.market_list) <= 1


def _ammunition_diverted(ivs: list, country: str = "EST", seeds=(1, 2, 3)) -> float:
    out = []
    for seed in seeds:
        model = FlowModel(scenario(TEACHING, steps=24, seed=seed), interventions=ivs)
        model.run()
        ci = model.country_ids.index(country)
        out.append(sum(n for _, c, f, _, k, n in model.ledger.flow_rows
                       if c == ci and f == "diverted" and k == AMMUNITION))
    return float(np.mean(out))


def test_ammunition_security_lever_reduces_ammunition_leakage():
    iv = build(Intervention, {"type": "ammunition_security", "targets": {"countries": ["EST"]},
                              "strength": 0.9, "ramp_up": 0}, "<test>")
    without, with_lever = _ammunition_diverted([]), _ammunition_diverted([iv])
    assert without > 0
    assert with_lever < 0.3 * without      # 1 - 0.9 of the rate, with room for chance


def test_ammunition_security_scales_ammunition_rates_only():
    class Stock:
        def __init__(self, boost, national=0.0, owner="military"):
            self.ammunition_security_boost = boost
            self.controls = types.SimpleNamespace(ammunition_pssm=national)
            self.spec = types.SimpleNamespace(owner=owner)

    factors = np.array([1.0, 1.0, 0.5, 1.5])
    assert np.array_equal(category_factors([Stock(0.0), Stock(0.0)], factors), factors[None])
    out = category_factors([Stock(0.0), Stock(0.8), Stock(0.5, 0.5),
                            Stock(0.0, 0.5, "civilian_licensed")], factors)
    assert np.array_equal(out[:, :AMMUNITION], np.tile(factors[:AMMUNITION], (4, 1)))
    assert out[:, AMMUNITION].tolist() == pytest.approx([1.5, 0.3, 0.375, 1.5])


def test_national_ammunition_programme_reduces_ammunition_leakage():
    data = copy.deepcopy(TEACHING)
    next(c for c in data["countries"] if c["id"] == "EST")["controls"]["ammunition_pssm"] = 0.9
    base = _ammunition_diverted([])
    out = []
    for seed in (1, 2, 3):
        model = FlowModel(scenario(data, steps=24, seed=seed)).run()
        ci = model.country_ids.index("EST")
        out.append(sum(n for _, c, f, _, k, n in model.ledger.flow_rows
                       if c == ci and f == "diverted" and k == AMMUNITION))
    assert np.mean(out) < 0.3 * base


@pytest.mark.parametrize(("mutate", "path", "fragment"), [
    (lambda d: d["behaviour"].update(armed_group={"rounds_per_weapon_year": -5}),
     "behaviour.armed_group.rounds_per_weapon_year", "-5"),
    (lambda d: d["behaviour"].update(civilian={"rounds_per_weapon_year": "many"}),
     "behaviour.civilian.rounds_per_weapon_year", "many"),
    (lambda d: d.update(interventions=[{"type": "ammunition_security",
                                        "targets": {"countries": ["MER"]}}]),
     "interventions[0].targets.countries[0]", "no state stockpile"),
])
def test_bad_ammunition_input_is_one_paragraph_error(tmp_path, run_cli, mutate, path,
                                                     fragment):
    data = copy.deepcopy(TEACHING)
    mutate(data)
    refused(run_cli, tmp_path, data, path, fragment)


# --- gender that can change answers -----------------------------------------------------------
def _holders(kind: str) -> dict:
    """One country whose end users (of ``kind``) hold 1,000 rifles; a small group of the
    other kind holds 100."""
    other = "armed_group" if kind == "civilian" else "civilian"
    return {"name": "gender", "simulation": {"steps": 12, "seed": 3},
            "countries": [{"id": "A", "controls": {"inland_policing": 0.0}, "markets": [
                {"id": "big", "kind": kind, "holdings": {"rifles": 1000}},
                {"id": "small", "kind": other, "holdings": {"rifles": 100}}]}]}


def _female_share(h: dict) -> float:
    total = sum(v for o in ("deaths", "injuries") for k in h[o].values() for v in k.values())
    female = sum(h[o][k][g] for o in ("deaths", "injuries") for k in h[o]
                 for g in ("women", "girls"))
    return female / total


def test_civilian_holdings_give_a_higher_womens_share_of_harm_than_armed_groups():
    _, civilian = _harm(_holders("civilian"))
    _, armed = _harm(_holders("armed_group"))
    assert _female_share(civilian) > _female_share(armed) + 0.03
    # switched off (one victims' split for every kind): the shares are equal
    same = {k: {"female_share": 0.13} for k in ("armed_group", "criminal_market", "civilian")}
    flat = [_female_share(_harm(dict(_holders(k), harm=same))[1])
            for k in ("civilian", "armed_group")]
    assert flat[0] == pytest.approx(flat[1])


def test_indicative_harms_are_counted_only_when_set_and_fall_mostly_on_women():
    _, plain = _harm(_holders("civilian"))
    assert sum(plain["sexual_violence"]["civilian"].values()) == 0
    data = dict(_holders("civilian"), harm={"civilian": {
        "sexual_violence_per_weapon_year": 0.01, "intimidation_per_weapon_year": 0.05}})
    _, h = _harm(data)
    sv = h["sexual_violence"]["civilian"]
    assert sum(sv.values()) == pytest.approx(0.01 * h["weapon_years"]["civilian"])
    assert (sv["women"] + sv["girls"]) / sum(sv.values()) == pytest.approx(0.9)
    assert sum(h["intimidation"]["civilian"].values()) == pytest.approx(
        0.05 * h["weapon_years"]["civilian"])


@pytest.mark.parametrize(("harm", "path", "fragment"), [
    ({"civilian": {"sexual_violence_per_weapon_year": -1}},
     "harm.civilian.sexual_violence_per_weapon_year", "-1"),
    ({"armed_group": {"indicative_female_share": 1.5}},
     "harm.armed_group.indicative_female_share", "1.5"),
    ({"civilian": {"setting": "home"}}, "harm.civilian.setting", "setting"),
])
def test_bad_gender_input_is_one_paragraph_error(tmp_path, run_cli, harm, path, fragment):
    refused(run_cli, tmp_path, dict(copy.deepcopy(TEACHING), harm=harm), path, fragment)


# --- embargoes ------------------------------------------------------------------------------
def _embargoed(*embargoes: dict) -> dict:
    data = copy.deepcopy(TEACHING)
    data["embargoes"] = list(embargoes)
    return data


def _flow_by_step(model: FlowModel, flow: str, category: int | None = None) -> dict:
    out: dict[int, int] = {}
    for step, _, f, _, k, n in model.ledger.flow_rows:
        if f == flow and (category is None or k == category):
            out[step] = out.get(step, 0) + n
    return out


def test_embargo_stops_authorized_transfers_to_its_target_while_in_force():
    # teaching: Norvalia's factory exports rifles and ammunition to Estria every month
    model = FlowModel(scenario(_embargoed({"target": "EST", "start": 12, "end": 24}),
                               steps=36)).run()
    moved, blocked = _flow_by_step(model, "transferred"), _flow_by_step(model, "embargo_blocked")
    assert not any(moved.get(s) for s in range(13, 25))
    assert sum(moved.get(s, 0) for s in range(1, 13)) > 0
    assert sum(moved.get(s, 0) for s in range(25, 37)) > 0
    assert sum(blocked.values()) > 0 and set(blocked) <= set(range(13, 25))
    # switched off: the same months see transfers
    free = FlowModel(scenario(TEACHING, steps=36)).run()
    assert sum(_flow_by_step(free, "transferred").get(s, 0) for s in range(13, 25)) > 0


def test_embargo_covers_only_its_categories():
    model = FlowModel(scenario(_embargoed({"target": "EST", "categories": ["ammunition"]}),
                               steps=12)).run()
    assert sum(_flow_by_step(model, "transferred", AMMUNITION).values()) == 0
    assert sum(_flow_by_step(model, "transferred", 1).values()) > 0          # rifles


def test_embargo_raises_the_cost_and_risk_of_illicit_supply_to_its_target():
    model = FlowModel(scenario(_embargoed({"target": "MER", "start": 2, "end": 4,
                                           "cost_increase": 1.5, "extra_inspection": 0.1}),
                               steps=6))
    mer = model.country_ids.index("MER")
    into = [d for d in range(model.network.n) if int(model.network.dst[d]) == mer]
    other = [d for d in range(model.network.n) if int(model.network.dst[d]) != mer]
    base = list(model.network.travel_cost)
    mode = model.scenario.behaviour.ant
    before = [model.borders[d].catch_probabilities(mode)[0] for d in into]
    for step in range(1, 7):
        model.step()
        on = 2 < step <= 4
        for d in into:
            assert model.network.travel_cost[d] == pytest.approx(base[d] * (2.5 if on else 1))
        assert [model.network.travel_cost[d] for d in other] == [base[d] for d in other]
        if on:
            now = [model.borders[d].catch_probabilities(mode)[0] for d in into]
            assert all(n >= min(1.0, b + 0.1) - 1e-12 for n, b in zip(now, before,
                                                                     strict=True))
    breaches = _flow_by_step(model, "embargo_breach")
    assert breaches and set(breaches) <= {3, 4}


def _detected_share(ivs: list, seeds=(1, 2, 3)) -> float:
    caught = passed = 0
    for seed in seeds:
        model = FlowModel(scenario(_embargoed({"target": "MER"}), steps=36, seed=seed),
                          interventions=ivs).run()
        caught += sum(_flow_by_step(model, "embargo_breach_seized").values())
        passed += sum(_flow_by_step(model, "embargo_breach").values())
    return caught / (caught + passed)


def test_embargo_monitoring_detects_more_breaches():
    iv = build(Intervention, {"type": "embargo_monitoring", "targets": {"countries": ["MER"]},
                              "strength": 0.3, "ramp_up": 0}, "<test>")
    assert _detected_share([iv]) > 1.3 * _detected_share([])


@pytest.mark.parametrize(("embargo", "path", "fragment"), [
    ({"target": "MERR"}, "embargoes[0].target", "did you mean 'MER'"),
    ({"target": "MER", "categories": ["rockets"]}, "embargoes[0].categories[0]", "rockets"),
    ({"target": "MER", "start": 10, "end": 5}, "embargoes[0].end", "after start"),
    ({"target": "MER", "cost_increase": -1}, "embargoes[0].cost_increase", "-1"),
    ({"target": "MER", "extra_inspection": 2}, "embargoes[0].extra_inspection", "2"),
    ({"start": 3}, "embargoes[0].target", "target"),
])
def test_bad_embargo_is_one_paragraph_error(tmp_path, run_cli, embargo, path, fragment):
    refused(run_cli, tmp_path, _embargoed(embargo), path, fragment)


def test_embargo_monitoring_of_a_country_under_no_embargo_is_refused(tmp_path, run_cli):
    data = _embargoed({"target": "MER"})
    data["interventions"] = [{"type": "embargo_monitoring", "targets": {"countries": ["TRA"]}}]
    code, _, err = run_cli("validate", write_yaml(tmp_path, data))
    assert code == 2 and "interventions[0].targets.countries[0]" in err
    assert "under no embargo" in err


# --- workshop exercise 4: its "what to observe" claim, over ten seeds ---------------------------
def exercise_runs(key: str, seed: int, steps: int) -> tuple[FlowModel, FlowModel]:
    """(participant's run, baseline) of a guided exercise as the app builds them, run for
    ``steps`` steps (reusable by a general exercise-claims test)."""
    from flowsim.app.exercises import BY_KEY
    from flowsim.app.session import Setup, shipped_scenarios

    ex = BY_KEY[key]
    setup = Setup.from_file(shipped_scenarios()[ex.scenario])
    setup.use_exercise(ex)
    run = setup.flow_model(seed).run(steps)
    return run, FlowModel(setup.scenario, seed=seed).run(steps)


def test_embargo_exercise_runs_under_the_embargo_and_seizes_breaches():
    """docs/workshop.md exercise 4 (its claims are checked over ten seeds by
    tests/test_exercises.py): the participant's run is under the embargo, the baseline is
    not, and breaches are seized at Meridia's crossings."""
    for seed in (1, 2, 3):
        run, base = exercise_runs("4", seed, 60)
        assert run.scenario.embargoes and not base.scenario.embargoes
        assert sum(_flow_by_step(run, "embargo_breach_seized").values()) > 0
        assert sum(_flow_by_step(base, "embargo_breach_seized").values()) == 0


# --- online trade and parts --------------------------------------------------------------------
def _online(**channel) -> dict:
    """Teaching plus one online channel from Norvalia to Meridia's cartels; Meridia's postal
    policing off unless set, so what is posted arrives."""
    data = copy.deepcopy(TEACHING)
    data["online"] = [{"id": "dark", "from_country": "NOR", "to_market": "mer-cartels",
                       **channel}]
    mer = next(c for c in data["countries"] if c["id"] == "MER")
    mer["controls"]["postal_cyber_policing"] = 0.0
    return data


def _assembled_held(model: FlowModel) -> tuple[int, int]:
    """(weapons assembled from parts held by Meridia's cartels, of which marked)."""
    market = next(m for m in model.market_list if m.spec.id == "mer-cartels")
    lots = [(key, n) for key, n in market.holdings if key.mechanism == ASSEMBLED]
    return sum(n for _, n in lots), sum(n for key, n in lots if key.marked and key.recorded)


def _flow_total(model: FlowModel, flow: str) -> int:
    return sum(_flow_by_step(model, flow).values())


def test_parts_shipped_are_assembled_into_weapons_at_destination():
    # no postal policing, capacity far above what is shipped, every kit works: each kit
    # posted becomes one unmarked, unrecorded weapon delivered to the buyers (Meridia's
    # inland policing and collection may take some of them afterwards: held <= made)
    data = _online(parts_kits_per_year={"handguns": 240}, assembly_capacity=1e6,
                   assembly_yield=1.0)
    model = FlowModel(scenario(data, steps=12)).run()
    shipped = _flow_total(model, "parts_shipped")
    assert shipped > 100
    assert _flow_total(model, "parts_assembled") == shipped
    made = sum(n for _, _, f, m, _, n in model.ledger.flow_rows
               if f == "produced" and m == ASSEMBLED)
    assert made == shipped
    held, marked = _assembled_held(model)
    assert 0 < held <= made and marked == 0
    held_now, made_now = model.conservation()
    assert np.array_equal(held_now, made_now)
    # switched off (no kits): nothing is assembled
    off = FlowModel(scenario(_online(), steps=12)).run()
    assert _flow_total(off, "parts_assembled") == 0 and _assembled_held(off)[0] == 0


def test_assembly_is_limited_by_capacity_and_yield():
    data = _online(parts_kits_per_year={"handguns": 600}, assembly_capacity=120,
                   assembly_yield=0.5)
    model = FlowModel(scenario(data, steps=24)).run()
    assert _flow_total(model, "parts_assembled") == 240          # 10 a month for 24 months
    made = sum(n for _, _, f, m, _, n in model.ledger.flow_rows
               if f == "produced" and m == ASSEMBLED)
    assert 80 < made < 160                                       # about half of 240


def test_parts_marking_makes_assembled_weapons_traceable():
    data = _online(parts_kits_per_year={"handguns": 240}, assembly_capacity=1e6)
    next(c for c in data["countries"] if c["id"] == "NOR")["controls"]["parts_marking"] = 1.0
    model = FlowModel(scenario(data, steps=12)).run()
    held, marked = _assembled_held(model)
    assert held > 0 and marked == held


def test_postal_and_cyber_policing_seizes_parcels():
    def seized_share(ivs, seeds=(1, 2, 3)):
        seized = shipped = 0
        for seed in seeds:
            data = _online(parts_kits_per_year={"handguns": 240},
                           weapons_per_year={"handguns": 120})
            model = FlowModel(scenario(data, steps=12, seed=seed), interventions=ivs).run()
            seized += _flow_total(model, "parts_seized")
            shipped += _flow_total(model, "parts_shipped")
        return seized / shipped, model

    iv = build(Intervention, {"type": "postal_cyber_policing", "strength": 0.5, "ramp_up": 0,
                              "targets": {"countries": ["MER"]}}, "<test>")
    none, _ = seized_share([])
    policed, model = seized_share([iv])
    assert none == 0 and 0.35 < policed < 0.65
    assert any(r[2] == "postal" for r in model.ledger.seizure_rows)   # whole weapons too


def test_whole_weapons_sold_online_come_from_the_sellers_black_market():
    data = _online(weapons_per_year={"handguns": 1200})
    model = FlowModel(scenario(data, steps=12))
    nor = model.country_ids.index("NOR")
    for _ in range(12):
        model.step()
        held, made = model.conservation()
        assert np.array_equal(held, made)
    market = next(m for m in model.market_list if m.spec.id == "mer-cartels")
    from_nor = sum(n for key, n in market.holdings if key.origin_country == nor
                   and key.category == 0)
    base = FlowModel(scenario(_online(), steps=12)).run()
    market0 = next(m for m in base.market_list if m.spec.id == "mer-cartels")
    assert from_nor > sum(n for key, n in market0.holdings if key.origin_country == nor
                          and key.category == 0)


@pytest.mark.parametrize(("channel", "path", "fragment"), [
    ({"to_market": "mer-insurgents"}, "online[0].to_market", "kind armed_group"),
    ({"to_market": "nor-nobody"}, "online[0].to_market", "undefined market"),
    ({"from_country": "MER"}, "online[0].to_market", "sellers' country"),
    ({"from_country": "ATLANTIS"}, "online[0].from_country", "undefined country"),
    ({"parts_kits_per_year": {"ammunition": 5}}, "online[0].parts_kits_per_year.ammunition",
     "not ammunition"),
    ({"assembly_yield": 2}, "online[0].assembly_yield", "2"),
    ({"assembly_capacity": -3}, "online[0].assembly_capacity", "-3"),
])
def test_bad_online_channel_is_one_paragraph_error(tmp_path, run_cli, channel, path,
                                                   fragment):
    refused(run_cli, tmp_path, _online(**channel), path, fragment)


def test_duplicate_online_channel_id_is_refused(tmp_path, run_cli):
    data = _online()
    data["online"].append(dict(data["online"][0]))
    code, _, err = run_cli("validate", write_yaml(tmp_path, data))
    assert code == 2 and "online[1].id" in err and "duplicate" in err


def test_parts_are_their_own_flow_in_the_outputs(tmp_path):
    from flowsim.outputs.run import run_scenario

    data = _online(parts_kits_per_year={"rifles": 120})
    result = run_scenario(scenario(data, steps=6), out=tmp_path / "out", plots=False)
    flows = result.tables["flows"]
    parts = flows[flows["flow"].str.startswith("parts_")]
    assert set(parts["flow"]) >= {"parts_shipped", "parts_assembled"}
    assert set(parts["mechanism"]) == {"assembled"} and set(parts["category"]) == {"rifles"}
    on_disk = (tmp_path / "out" / "flows.csv").read_text()
    assert "parts_shipped" in on_disk


# --- brokers -----------------------------------------------------------------------------------
def _brokered(**broker) -> dict:
    """Teaching plus a broker based in Norvalia arranging deals from Estria's army to
    Meridia's insurgents (neither in Norvalia)."""
    data = copy.deepcopy(TEACHING)
    data["brokers"] = [{"id": "fixer", "base": "NOR", "from_stockpile": "est-army",
                        "to_market": "mer-insurgents", "deals_per_year": 12, **broker}]
    return data


def _brokered_rows(model: FlowModel) -> list[tuple]:
    return [r for r in model.ledger.flow_rows if r[3] == BROKERED]


def test_broker_moves_a_consignment_between_states_it_never_enters():
    model = FlowModel(scenario(_brokered(), steps=24)).run()
    (broker,) = model.broker_list
    nor, est, mer = (model.country_ids.index(c) for c in ("NOR", "EST", "MER"))
    assert broker.deals and all((f, t) == (est, mer) for _, f, t, _ in broker.deals)
    moved = sum(sum(by_cat) for *_, by_cat in broker.deals)
    rows = _brokered_rows(model)
    assert sum(n for _, c, f, _, _, n in rows if f == "brokered" and c == mer) == moved
    assert sum(n for _, c, f, _, _, n in rows if f == "diverted" and c == est) == moved
    assert not any(c == nor for _, c, *_ in rows)          # the goods never touch its base
    assert broker.base == nor and not hasattr(broker, "shipment")
    insurgents = next(m for m in model.market_list if m.spec.id == "mer-insurgents")
    from_est = sum(n for key, n in insurgents.holdings if key.mechanism == BROKERED
                   and key.origin_country == est)
    assert 0 < from_est <= moved
    held, made = model.conservation()
    assert np.array_equal(held, made)
    # switched off (no broker): nothing is brokered
    assert not _brokered_rows(FlowModel(scenario(TEACHING, steps=24)).run())


def test_brokering_controls_and_end_user_verification_stop_deals():
    strict = _brokered()
    next(c for c in strict["countries"] if c["id"] == "NOR")["controls"][
        "brokering_controls"] = 1.0
    model = FlowModel(scenario(strict, steps=24)).run()
    assert not model.broker_list[0].deals
    assert any(f == "brokering_stopped" for _, _, f, *_ in _brokered_rows(model))
    checked = _brokered(forgery_detection=1.0)
    next(c for c in checked["countries"] if c["id"] == "EST")["controls"][
        "end_user_verification"] = 1.0
    model = FlowModel(scenario(checked, steps=24)).run()
    assert not model.broker_list[0].deals
    assert any(f == "forgery_detected" for _, _, f, *_ in _brokered_rows(model))


def test_brokering_controls_intervention_cuts_brokered_deliveries():
    iv = build(Intervention, {"type": "brokering_controls", "strength": 0.8, "ramp_up": 0,
                              "targets": {"countries": ["NOR"]}}, "<test>")

    def moved(ivs):
        return np.mean([sum(sum(c) for *_, c in FlowModel(
            scenario(_brokered(), steps=36, seed=s), interventions=ivs).run()
            .broker_list[0].deals) for s in (1, 2, 3)])

    assert moved([iv]) < 0.5 * moved([])


@pytest.mark.parametrize(("broker", "path", "fragment"), [
    ({"base": "NORR"}, "brokers[0].base", "did you mean 'NOR'"),
    ({"from_stockpile": "nor-civilians"}, "brokers[0].from_stockpile", "state stockpile"),
    ({"to_market": "est-militias"}, "brokers[0].to_market", "supplier's country"),
    ({"to_market": "nowhere"}, "brokers[0].to_market", "undefined market"),
    ({"deals_per_year": -1}, "brokers[0].deals_per_year", "-1"),
    ({"forgery_detection": 3}, "brokers[0].forgery_detection", "3"),
])
def test_bad_broker_is_one_paragraph_error(tmp_path, run_cli, broker, path, fragment):
    refused(run_cli, tmp_path, _brokered(**broker), path, fragment)
