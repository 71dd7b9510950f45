"""The simulation: exact conservation of weapons, mechanism responses in the direction the
seed documents describe, and reproducibility across processes."""

from __future__ import annotations

import copy
import hashlib
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowsim.inputs.scenario import load_scenario
from flowsim.model.flow_model import FlowModel
from flowsim.outputs.metrics import run_totals
from tests.conftest import ROOT, SCENARIOS, TEACHING, scenario

SEEDS = (11, 12, 13, 14)
STEPS = 60


def assert_conserved_each_step(model: FlowModel, steps: int) -> None:
    for _ in range(steps):
        model.step()
        held, made = model.conservation()
        assert np.array_equal(held, made), f"step {model.steps}: {held} != {made}"
        assert (model.stock_by_state() >= 0).all()


@pytest.mark.parametrize(("name", "steps"), [("teaching.yaml", 120), ("regional.yaml", 36),
                                             ("large.yaml", 3)])
def test_shipped_scenarios_conserve_weapons_every_step(name, steps):
    model = FlowModel(load_scenario(SCENARIOS / name))
    assert_conserved_each_step(model, steps)
    assert run_totals(model)["diverted"] > 0


# --- hypothesis-generated small scenarios ---------------------------------------------------
@st.composite
def small_scenarios(draw):
    n = draw(st.integers(2, 4))
    ids = [f"C{i}" for i in range(n)]
    p = st.floats(0, 1)
    counts = st.fixed_dictionaries({"handguns": st.integers(0, 5000),
                                    "rifles": st.integers(0, 5000),
                                    "ammunition": st.integers(0, 100000)})
    countries = []
    for cid in ids:
        stockpiles = [{"id": f"{cid}-s{j}", "owner": draw(st.sampled_from(
            ["military", "police", "civilian_licensed", "manufacturer", "post_conflict_cache"])),
            "holdings": draw(counts), "security": draw(p), "marking": draw(p),
            "record_keeping": draw(p), "surplus_share": draw(p),
            "production": draw(st.fixed_dictionaries({"rifles": st.integers(0, 500)}))}
            for j in range(draw(st.integers(0, 2)))]
        markets = [{"id": f"{cid}-m", "demand": draw(counts)}] if draw(st.booleans()) else []
        countries.append({"id": cid, "conflict_intensity": draw(p), "stockpiles": stockpiles,
                          "markets": markets, "craft_production": {"handguns": draw(
                              st.integers(0, 300))},
                          "controls": {"collection": draw(p), "surplus_destruction": draw(p),
                                       "marking_programme": draw(p), "pssm": draw(p),
                                       "inland_policing": draw(p), "tracing_capacity": draw(p),
                                       "mobile_inspection": draw(st.floats(0, 2))}})
    borders = [{"id": f"b{i}", "between": [ids[i], ids[i + 1]], "crossings": [
        {"id": f"x{i}{k}", "official": draw(st.booleans()), "inspection_rate": draw(p),
         "detection_probability": draw(p), "corruption": draw(p)}
        for k in range(draw(st.integers(1, 2)))]} for i in range(n - 1)]
    for c in countries:          # every market must be reachable from some supply
        if c["markets"]:
            c["craft_production"]["handguns"] += 1
    traffickers = [{"id": f"t{i}", "count": draw(st.integers(0, 6)), "base": ids[i],
                    "mode": draw(st.sampled_from(["ant", "bulk", "postal"])),
                    "capital": draw(st.floats(0, 1e6))} for i in range(n)]
    return {"name": "fuzz", "simulation": {"steps": 12, "seed": draw(st.integers(0, 10**6))},
            "countries": countries, "borders": borders, "traffickers": traffickers}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenarios())
def test_generated_scenarios_conserve_weapons_every_step(data):
    model = FlowModel(scenario(data))
    assert_conserved_each_step(model, 12)


# --- mechanism responses -------------------------------------------------------------------
def replicate(data: dict, steps: int = STEPS, seeds=SEEDS) -> list[FlowModel]:
    return [FlowModel(scenario(data, steps=steps, seed=s)).run() for s in seeds]


def mean_totals(data: dict, steps: int = STEPS, seeds=SEEDS) -> dict[str, float]:
    return average([run_totals(m) for m in replicate(data, steps, seeds)])


def average(totals: list[dict[str, float]]) -> dict[str, float]:
    return {k: float(np.mean([t[k] for t in totals])) for k in totals[0]}


def country(data: dict, cid: str) -> dict:
    return next(c for c in data["countries"] if c["id"] == cid)


def diverted_in(models: list[FlowModel], cid: str) -> float:
    """Mean weapons diverted in one country (ammunition excluded)."""
    idx = models[0].country_ids.index(cid)
    return float(np.mean([sum(n for _, c, f, _, k, n in m.ledger.flow_rows
                              if c == idx and f == "diverted" and k != 3) for m in models]))


def test_stockpile_security_reduces_diversion_and_delivery():
    secure = copy.deepcopy(TEACHING)
    for sp in country(secure, "EST")["stockpiles"]:
        sp["security"] = 0.95
    base, better = replicate(TEACHING), replicate(secure)
    # theft and insider theft scale with (1 - security); loss and transfer diversion do not
    assert diverted_in(better, "EST") < 0.8 * diverted_in(base, "EST")
    assert (average([run_totals(m) for m in better])["delivered"]
            < average([run_totals(m) for m in base])["delivered"])


def directed_flow(model: FlowModel, src: str, dst: str) -> tuple[int, int]:
    """Weapons (passed, seized) crossing from country ``src`` into ``dst``."""
    passed = seized = 0
    net = model.network
    for row in model.ledger.border_rows:
        d = row.directed
        if (model.country_ids[net.src[d]], model.country_ids[net.dst[d]]) == (src, dst):
            passed, seized = passed + row.weapons_passed, seized + row.weapons_seized
    return passed, seized


def test_border_hardening_seizes_more_there_and_displaces_traffic():
    """Hardening every crossing of the Estria-Transia border: seizures rise there, Estrian
    traffic moves to the direct Estria-Meridia border, and deliveries to end users fall by
    less than the seizure gain at the hardened border (displacement, not suppression)."""
    seeds = (11, 12, 13, 14, 15, 16)
    hard = copy.deepcopy(TEACHING)
    for b in hard["borders"]:
        if b["id"] == "est-tra":
            for x in b["crossings"]:
                x["inspection_rate"], x["corruption"] = 0.6, 0.0
    base_runs, hard_runs = replicate(TEACHING, seeds=seeds), replicate(hard, seeds=seeds)

    def mean(runs, f):
        return float(np.mean([f(m) for m in runs]))

    def seized_at_border(m):
        return directed_flow(m, "EST", "TRA")[1] + directed_flow(m, "TRA", "EST")[1]

    def direct_share(m):       # share of Estria's outbound weapons using the direct border
        direct, via = directed_flow(m, "EST", "MER")[0], directed_flow(m, "EST", "TRA")[0]
        return direct / (direct + via)

    seizure_gain = mean(hard_runs, seized_at_border) - mean(base_runs, seized_at_border)
    assert seizure_gain > 0
    assert mean(hard_runs, direct_share) > mean(base_runs, direct_share) + 0.1  # displacement
    delivered_drop = (mean(base_runs, lambda m: run_totals(m)["delivered"])
                      - mean(hard_runs, lambda m: run_totals(m)["delivered"]))
    assert delivered_drop < seizure_gain                                      # net < local


def test_marking_and_record_keeping_raise_traced_share():
    poor, good = copy.deepcopy(TEACHING), copy.deepcopy(TEACHING)
    for c in poor["countries"]:
        for sp in c.get("stockpiles", []):
            sp["marking"], sp["record_keeping"] = 0.3, 0.2
    for c in good["countries"]:
        for sp in c.get("stockpiles", []):
            sp["marking"], sp["record_keeping"] = 1.0, 1.0
    assert mean_totals(good)["traced_share"] > 1.5 * mean_totals(poor)["traced_share"]


def test_corruption_reduces_seizures_for_same_inspection():
    clean, corrupt = copy.deepcopy(TEACHING), copy.deepcopy(TEACHING)
    for b in clean["borders"]:
        for x in b["crossings"]:
            x["corruption"] = 0.0
    for b in corrupt["borders"]:
        for x in b["crossings"]:
            x["corruption"] = 0.9
    assert mean_totals(corrupt)["seized_border"] < 0.5 * mean_totals(clean)["seized_border"]


def test_no_demand_means_no_trafficking():
    data = copy.deepcopy(TEACHING)
    for c in data["countries"]:
        for m in c.get("markets", []):
            m["demand"] = {}
    t = mean_totals(data, steps=24)
    assert t["trafficked"] == 0 and t["delivered"] == 0
    assert t["diverted"] > 0          # weapons still leak; they just find no buyer


def test_zero_leakage_means_nothing_reaches_end_users():
    data = copy.deepcopy(TEACHING)
    data["mechanisms"] = {k: 0.0 for k in ("theft", "loss", "insider", "battlefield_capture",
                                           "civilian_leakage", "transfer_fraud", "reexport")}
    for c in data["countries"]:
        c.pop("craft_production", None)
        c["conflict_intensity"] = 0.0
    t = mean_totals(data, steps=24)
    assert t["diverted"] == 0 and t["delivered"] == 0 and t["trafficked"] == 0


def test_prices_rise_when_supply_is_cut():
    data = copy.deepcopy(TEACHING)
    cut = copy.deepcopy(TEACHING)
    cut["mechanisms"] = {"theft": 0.0, "loss": 0.0, "insider": 0.0, "battlefield_capture": 0.0,
                         "civilian_leakage": 0.0, "transfer_fraud": 0.0, "reexport": 0.0}

    def mer_price(d):
        m = FlowModel(scenario(d, steps=36, seed=3)).run()
        return next(mk for mk in m.market_list if mk.spec.id == "mer-cartels").price[1]

    assert mer_price(cut) > mer_price(data)


def inland_losses(mode: str, rate: float = 0.3, tries: int = 400) -> list[float]:
    """Share of a 200-rifle shipment seized by one step of inland policing, per try."""
    from flowsim.model.agents import Shipment
    from flowsim.model.lots import LotBook, LotKey

    model = FlowModel(scenario(copy.deepcopy(TEACHING), seed=4))
    trafficker = model.trafficker_list[0]
    trafficker.mode = getattr(model.scenario.behaviour, mode)
    model.scenario.behaviour.arrest_probability = 0.0
    model.inland_rate = [rate] * len(model.country_ids)
    route = model.network.shortest(0, model.network.travel_cost,
                                   [0.0] * model.network.n).route(3)
    shares = []
    for _ in range(tries):
        book = LotBook()
        book.add(LotKey(1, 0, 0, 0, True, True), 120)
        book.add(LotKey(1, 1, 0, 1, False, False), 80)
        trafficker.shipment = Shipment(book, route, model.market_list[0])
        trafficker._inland_policing()
        left = book.total() if trafficker.shipment is not None else 0
        shares.append(1 - left / 200)
    return shares


def test_inland_policing_stops_parcels_bulk_whole_ant_in_part():
    bulk, ant = inland_losses("bulk"), inland_losses("ant")
    # a bulk consignment is one parcel: lost whole or not at all
    assert set(bulk) <= {0.0, 1.0}
    # ant trade travels in 40 parcels of 5: partial losses
    assert any(0.0 < x < 1.0 for x in ant)
    # either way the expected share seized is the policing rate
    for shares in (bulk, ant):
        assert abs(np.mean(shares) - 0.3) < 5 * np.std(shares) / np.sqrt(len(shares)) + 0.01


# --- reproducibility -----------------------------------------------------------------------
def fingerprint(path: str, seed: int, steps: int) -> str:
    from flowsim.outputs.tables import all_tables

    model = FlowModel(load_scenario(path), seed=seed)
    model.run(steps)
    digest = hashlib.sha256()
    for name, df in sorted(all_tables(model).items()):
        digest.update(name.encode())
        digest.update(df.to_csv(index=False).encode())
    return digest.hexdigest()


class _NoPower(np.ndarray):
    """An array that refuses powers: numpy's array power runs SIMD code on AVX-512
    processors whose last bit differs from the C library's pow."""

    def __pow__(self, other):
        raise AssertionError("a model number came from numpy's array power")

    __rpow__ = __ipow__ = __pow__


class _NumpyWithoutPowers:
    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def array(*args, **kwargs):
        return np.array(*args, **kwargs).view(_NoPower)

    @staticmethod
    def power(*args, **kwargs):
        raise AssertionError("a model number came from numpy.power")


def test_powers_use_the_c_library_on_every_processor(monkeypatch):
    """Prices and per-step probabilities raise to non-integer powers with the C library's
    pow (Python's float power), never numpy's array power, so a run gives the same numbers
    on processors with and without AVX-512 (where numpy's SIMD power differs in the last
    bit and, through the traffickers' choices, changed a run's outputs): a run with numpy's
    powers refused still runs, and the per-step probabilities are pow's bit for bit."""
    import flowsim.inputs.scenario as scenario_module
    import flowsim.model.agents as agents

    monkeypatch.setattr(agents, "np", _NumpyWithoutPowers())
    monkeypatch.setattr(scenario_module, "np", _NumpyWithoutPowers())
    model = FlowModel(scenario(TEACHING), seed=3)
    model.run(6)
    assert model.ledger.price_rows                     # prices were set, powers and all
    sim = model.sim
    rates = [0.0, 0.013, 0.25, 0.5, 0.97, 1.0]
    assert sim.per_step_probability(np.array(rates)).tolist() == [
        1.0 - (1.0 - r) ** (1 / sim.steps_per_year) for r in rates]
    assert sim.per_step_probability(0.25) == 1.0 - 0.75 ** (1 / sim.steps_per_year)


def test_same_seed_same_outputs_in_process_fresh_process_and_worker():
    from joblib import Parallel, delayed

    path = str(SCENARIOS / "teaching.yaml")
    here = fingerprint(path, 5, 24)
    assert fingerprint(path, 5, 24) == here
    code = ("from tests.test_model import fingerprint; "
            f"print(fingerprint({path!r}, 5, 24))")
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           cwd=ROOT, check=True).stdout.strip()
    assert fresh == here
    worker = Parallel(n_jobs=2, backend="loky")(delayed(fingerprint)(path, 5, 24)
                                                for _ in range(2))
    assert worker == [here, here]
    assert fingerprint(path, 6, 24) != here
