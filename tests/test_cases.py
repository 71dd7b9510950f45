"""Seizure cases (issue #22): every seizure is a case; cases add up to the seizure totals;
inland possession seizures are individual cases whose sizes follow the documented
distribution; parcel sizes vary; bad case-size inputs are refused clearly."""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.inputs.scenario import ModeSettings
from flowsim.model.agents import parcel_share
from flowsim.model.cases import case_sizes, split_cases
from flowsim.model.flow_model import FlowModel
from flowsim.model.lots import LotBook, LotKey
from flowsim.outputs.tables import all_tables
from tests.conftest import TEACHING, load_data, scenario, write_yaml

WEAPONS = ["handguns", "rifles", "light_weapons"]


def _run(data=TEACHING, steps=36, seed=5, **behaviour):
    d = {**data, "behaviour": {**data.get("behaviour", {}), **behaviour}}
    return all_tables(FlowModel(scenario(d, steps=steps, seed=seed)).run())


@pytest.fixture(scope="module")
def tables():
    return _run()


def test_cases_sum_to_the_seizure_and_collection_totals(tables):
    cases, flows, seizures = tables["cases"], tables["flows"], tables["seizures"]
    seized_cases = cases[cases["agency"] != "collection"]
    seized_flows = flows[flows["flow"].isin(["seized_border", "seized_inland"])]
    is_ammo = seized_flows["category"] == "ammunition"
    assert seized_cases["weapons"].sum() == seized_flows.loc[~is_ammo, "count"].sum() > 0
    assert seized_cases["rounds"].sum() == seized_flows.loc[is_ammo, "count"].sum() > 0
    # by place type too: border cases are the seized_border flow
    border = seized_flows[seized_flows["flow"] == "seized_border"]
    assert (cases.loc[cases["agency"] == "border", "weapons"].sum()
            == border.loc[border["category"] != "ammunition", "count"].sum())
    collected = flows[flows["flow"] == "collected"]
    coll_cases = cases[cases["agency"] == "collection"]
    assert coll_cases["weapons"].sum() == collected.loc[
        collected["category"] != "ammunition", "count"].sum() > 0
    assert coll_cases["rounds"].sum() == collected.loc[
        collected["category"] == "ammunition", "count"].sum()
    # every seizures.csv row belongs to a seizure case, whose size it adds up to
    s = seizures.assign(w=np.where(seizures["category"] == "ammunition", 0, seizures["count"]))
    per_case = s.groupby("case_id")["w"].sum()
    by_id = seized_cases.set_index("case_id")["weapons"]
    assert per_case.reindex(by_id.index, fill_value=0).equals(by_id)
    assert set(s["case_id"]) <= set(by_id.index)
    assert (coll_cases["legal_ground"] == "none").all()
    assert cases["case_id"].is_unique


def test_possession_cases_are_individual_with_more_than_one_size(tables):
    cases = tables["cases"]
    poss = cases[(cases["agency"] == "inland_police") & (cases["mode"] == "none")
                 & (cases["weapons"] > 0)]
    # many cases a step, not one aggregate per market and month
    assert len(poss) > 3 * poss["step"].nunique()
    assert poss["weapons"].nunique() > 1
    # geometric sizes (teaching's fitted means: 7.3 weapons for end users, 3.7 for
    # sellers): single weapons and larger cases both common, not one size per step
    assert (poss["weapons"] == 1).mean() > 0.1 and (poss["weapons"] >= 3).mean() > 0.1


def test_case_size_settings_move_possession_case_sizes():
    def mean_size(**b):
        c = _run(steps=24, **b)["cases"]
        poss = c[(c["agency"] == "inland_police") & (c["mode"] == "none") & (c["weapons"] > 0)]
        return poss["weapons"], len(poss)

    ones, n_ones = mean_size(end_user_case_size=1.0, seller_case_size=1.0)
    assert (ones == 1).all()                     # every weapon its own case
    big, n_big = mean_size(end_user_case_size=6.0, seller_case_size=6.0)
    assert big.mean() > 3 and n_big < n_ones / 2


def test_case_sizes_follow_the_geometric_law_and_sum_exactly():
    rng = np.random.default_rng(3)
    for w in (0, 1, 2, 7, 1000):
        sizes = case_sizes(w, 2.5, rng)
        assert sum(sizes) == w and all(s >= 1 for s in sizes)
    sizes = np.array(case_sizes(10_000, 2.5, rng))                     # ~4,000 cases
    assert sizes.mean() == pytest.approx(2.5, rel=0.05)
    assert (sizes == 1).mean() == pytest.approx(1 / 2.5, abs=0.025)  # geometric P(1) = p


def test_split_cases_keeps_every_lot_count():
    rng = np.random.default_rng(4)
    book = LotBook()
    keys = [LotKey(k, m, 0, -1, bool(m % 2), False) for k in range(4) for m in range(5)]
    for i, key in enumerate(keys):
        book.add(key, 10 + 7 * i)
    sizes, case, rows, counts = split_cases(book, 3.0, rng)
    assert len(sizes) > 10 and sum(sizes) == sum(book.totals[:3])
    got: dict = {}
    per_case = np.zeros(len(sizes), dtype=int)
    for c, key, n in zip(case, rows, counts, strict=True):
        got[key] = got.get(key, 0) + n
        if key.category != 3:
            per_case[c] += n
    assert got == dict(book)
    assert per_case.tolist() == sizes


def test_parcel_sizes_vary_with_their_shape():
    rng = np.random.default_rng(2)
    wide = ModeSettings(parcel_size_shape=0.5)
    equal = ModeSettings(parcel_size_shape=1e6)
    a = [parcel_share(2, 10, wide, rng) for _ in range(4000)]
    b = [parcel_share(2, 10, equal, rng) for _ in range(4000)]
    assert np.mean(a) == pytest.approx(0.2, abs=0.01) and np.std(a) > 0.1
    assert np.std(b) < 0.01 and parcel_share(10, 10, wide, rng) == 1.0


@pytest.mark.parametrize(("where", "value"), [
    (("end_user_case_size",), 0.5), (("seller_case_size",), "big"),
    (("surrender_size",), -1), (("ant", "parcel_size_shape"), 0),
    (("bulk", "load_shape"), 0), (("postal", "load_shape"), "wide")])
def test_bad_case_size_inputs_exit_2_naming_the_key(tmp_path, run_cli, where, value):
    data = {**TEACHING, "behaviour": dict(TEACHING.get("behaviour", {}))}
    node = data["behaviour"]
    for part in where[:-1]:
        node = node.setdefault(part, {})
    node[where[-1]] = value
    code, out, err = run_cli("run", write_yaml(tmp_path, data), "--out", tmp_path / "o")
    assert code == 2 and "Traceback" not in err
    assert f"behaviour.{'.'.join(where)}" in err
    assert not (tmp_path / "o" / "cases.csv").exists()


# --- licit prices beside illicit ones (issue #22 step 4) ---------------------------------------
def test_prices_carry_each_countrys_licit_price_and_nothing_else_changes():
    import copy

    base = _run(steps=6)["prices"]
    data = copy.deepcopy(TEACHING)
    data["countries"][0]["licit_price"] = {"rifles": 1234.0}
    cid = data["countries"][0]["id"]
    changed = _run(data, steps=6)["prices"]
    mine = changed[changed["country"] == cid]
    assert (mine.loc[mine["category"] == "rifles", "licit_price"] == 1234.0).all()
    assert (mine.loc[mine["category"] == "handguns", "licit_price"] == 0.0).all()
    others = changed[changed["country"] != cid]
    assert others["licit_price"].equals(base.loc[base["country"] != cid, "licit_price"])
    assert (base.loc[base["category"] == "rifles", "licit_price"] == 800.0).all()  # default
    # output only: the illicit prices and purchases are the same numbers
    pd_cols = ["step", "market", "category", "price", "bought", "demand"]
    assert changed[pd_cols].equals(base[pd_cols])


def test_bad_licit_price_exits_2_naming_the_key(tmp_path, run_cli):
    import copy

    data = copy.deepcopy(TEACHING)
    data["countries"][1]["licit_price"] = {"rifles": -5}
    code, _, err = run_cli("run", write_yaml(tmp_path, data), "--out", tmp_path / "o")
    assert code == 2 and "countries[1].licit_price.rifles" in err and "Traceback" not in err


def test_huge_seizures_are_cut_without_one_step_per_weapon(monkeypatch):
    """Past PERMUTE_UP_TO weapons the deal goes case by case, and past MAX_CASES cases the
    last case takes the rest: exact counts whatever the size (the fuzzing's count bound)."""
    import flowsim.model.cases as cases

    rng = np.random.default_rng(5)
    book = LotBook()
    book.add(LotKey(0, 0, 0, -1, True, False), 10**11)
    book.add(LotKey(1, 1, 0, -1, False, False), 3 * 10**11)
    book.add(LotKey(3, 1, 0, -1, False, False), 10**12)
    sizes, case, keys, counts = split_cases(book, 1.5, rng)
    assert len(sizes) == cases.MAX_CASES and sum(sizes) == 4 * 10**11
    got: dict = {}
    for key, n in zip(keys, counts, strict=True):
        got[key] = got.get(key, 0) + n
    assert got == dict(book)
    # the two ways of dealing give the same law: compare mean rifles in the first case
    small = LotBook()
    small.add(LotKey(0, 0, 0, -1, True, False), 300)
    small.add(LotKey(1, 1, 0, -1, False, False), 100)
    means = []
    for permute in (10**9, 0):
        monkeypatch.setattr(cases, "PERMUTE_UP_TO", permute)
        rifles = []
        for _ in range(400):
            b = LotBook()
            b.absorb(copy_book(small))
            s, c, k, n = split_cases(b, 4.0, rng)
            rifles.append(sum(m for ci, key, m in zip(c, k, n, strict=True)
                              if ci == 0 and key.category == 1) / s[0])
        means.append(np.mean(rifles))
    assert means[0] == pytest.approx(0.25, abs=0.04)
    assert means[1] == pytest.approx(0.25, abs=0.04)


def copy_book(book: LotBook) -> LotBook:
    out = LotBook()
    for key, n in book:
        out.add(key, n)
    return out


# --- consignment sizes per trafficker mode: a documented distribution (issue #22 step 1) ---
def test_trip_sizes_are_gamma_with_mean_one_and_the_mode_shape():
    from flowsim.model.agents import TripLoads

    rng = np.random.default_rng(3)
    wide = TripLoads(rng, ModeSettings(load_shape=0.5))
    narrow = TripLoads(rng, ModeSettings(load_shape=16.0))
    w = np.array([wide.draw() for _ in range(20_000)])
    n = np.array([narrow.draw() for _ in range(20_000)])
    assert w.mean() == pytest.approx(1.0, abs=0.04) and n.mean() == pytest.approx(1.0, abs=0.01)
    assert w.std() == pytest.approx(2 ** 0.5, rel=0.1)      # CV = 1 / sqrt(shape)
    assert n.std() == pytest.approx(0.25, rel=0.05)
    mode = ModeSettings(load_shape=1e6)
    same = TripLoads(rng, mode)
    assert abs(same.draw() - 1.0) < 0.01
    mode.load_shape = 0.5                                   # a changed shape: a new batch
    assert np.std([same.draw() for _ in range(2000)]) > 1.0


def _trip_sizes(monkeypatch, load_shape: float) -> np.ndarray:
    from flowsim.model.ledger import Ledger

    sizes: list[int] = []
    book_flow = Ledger.flow_book

    def recording(self, country, flow, book):
        if flow == "trafficked":                        # once per trip: its whole cargo
            sizes.append(sum(book.totals[:3]))
        book_flow(self, country, flow, book)

    monkeypatch.setattr(Ledger, "flow_book", recording)
    mode = {"parcel_size": 5, "visibility": 0.3, "capacity": 20, "load_shape": load_shape}
    data = {**TEACHING, "behaviour": {**TEACHING.get("behaviour", {}), "ant": mode}}
    FlowModel(scenario(data, steps=36, seed=3)).run()
    assert len(sizes) > 100
    return np.array(sizes)


def test_consignment_sizes_spread_with_the_mode_load_shape(monkeypatch):
    """Trips vary more in size when their drawn size does; with every trip its planned
    load, sizes vary only with supply, demand and capital."""
    wide, flat = _trip_sizes(monkeypatch, 0.5), _trip_sizes(monkeypatch, 1e6)
    cv = [x.std() / x.mean() for x in (wide, flat)]
    assert cv[0] > 1.3 * cv[1]


@pytest.mark.parametrize("scale", [0.5, 3.0])
def test_a_trip_carries_its_drawn_share_of_the_plan_within_supply_and_demand(scale):
    """A trip carries round(planned x its drawn size) of each category, never more than
    the supply and demand the plan saw (``most``): at 3 x the plan, ``most`` binds."""
    model = FlowModel(scenario(TEACHING, steps=12, seed=4))
    model.run(3)
    for t in model.trafficker_list:
        if t.shipment is None and t.arrested_for == 0 and model.black_market[t.base]:
            plan = t._plan()                               # made now: supply as seen
            if plan and sum(n for _, n, _ in plan[2]) >= 10:
                break
    else:
        pytest.fail("no trafficker with a plan to load")
    t.capital = 1e12                                       # the budget does not bind
    _, _, load = plan
    t._plan_cache, t._planned_at = plan, model.steps
    t.loads.draw = lambda: scale
    flows = model.ledger.flows

    def trafficked(k):
        return sum(n for (c, f, _, cat), n in flows.items()
                   if c == t.base and f == "trafficked" and cat == k)

    before = [trafficked(k) for k in range(4)]
    t._start_trip()
    capped = False
    for k, planned, most in load:
        want = int(planned * scale + 0.5)
        capped |= most < want
        assert trafficked(k) - before[k] == min(most, want)
    assert capped == (scale > 1)


def test_a_batch_of_books_is_cut_book_by_book():
    """The step's possession seizures of every country are cut together
    (:class:`CaseBatch`): each book's lots go whole to its own cases, in its own sizes,
    ammunition to a case of its own book; a book with no weapons is one case."""
    from flowsim.model.cases import CaseBatch

    rng = np.random.default_rng(8)
    books = []
    for b, (weapons, mean) in enumerate([(40, 1.5), (1, 4.0), (0, 4.0), (300, 4.0), (7, 1.0)]):
        book = LotBook()
        for i in range(4):                    # four weapon lots and one of rounds per book
            if weapons:
                book.add(LotKey(i % 3, i, b, -1, bool(i % 2), False),
                         weapons // 4 + (i < weapons % 4))
        book.add(LotKey(3, 0, b, -1, False, False), 50 + b)
        books.append((book, mean))
    batch = CaseBatch()
    expected = []
    for book, mean in books:
        expected.append(dict(book))
        batch.add(book, mean)
    sizes, book_of, case, keys, counts = batch.split(rng)
    assert len(batch) == 0 and len(sizes) == len(book_of)
    got = [{} for _ in books]
    weapons_in = np.zeros(len(sizes), dtype=int)
    for c, key, n in zip(case, keys, counts, strict=True):
        b = book_of[c]
        assert key.origin_country == b                      # a lot stays in its own book
        got[b][key] = got[b].get(key, 0) + n
        if key.category != 3:
            weapons_in[c] += n
    assert got == expected
    assert weapons_in.tolist() == sizes
    per_book = [[s for s, b in zip(sizes, book_of, strict=True) if b == i] for i in range(5)]
    assert per_book[1] == [1] and per_book[2] == [0] and per_book[4] == [1] * 7
    assert len(per_book[0]) > 10 and len(per_book[3]) > 30        # means 1.5 and 4
    assert np.mean(per_book[3]) == pytest.approx(4.0, rel=0.35)


def test_a_batch_numbers_its_cases_on_from_start(monkeypatch):
    """``CaseBatch.split(rng, start)`` numbers the cases on from the ledger's count: the
    same cut as from 0, every row's case ``start`` higher, whether the book's weapons were
    dealt, cut case by case (a big book) or are rounds placed in a case."""
    import flowsim.model.cases as cases

    monkeypatch.setattr(cases, "PERMUTE_UP_TO", 100)        # the 300-weapon book: by case
    cut = []
    for start in (0, 1000):
        batch = cases.CaseBatch()
        for b, weapons in enumerate((40, 300, 1, 0)):
            book = LotBook()
            for i in range(3):
                book.add(LotKey(i, i, b, -1, False, False), weapons // 3 + (i < weapons % 3))
            book.add(LotKey(3, 0, b, -1, False, False), 20 + b)
            batch.add(book, 3.0)
        cut.append(batch.split(np.random.default_rng(4), start))
    (sizes, book_of, case, keys, counts), moved = cut
    assert moved[0] == sizes and moved[1] == book_of and moved[3] == keys
    assert moved[4] == counts
    assert moved[2] == [c + 1000 for c in case]
    assert len(set(book_of)) == 4 and max(case) == len(sizes) - 1


def test_a_batch_cuts_big_books_and_fallbacks_among_small_ones(monkeypatch):
    """With the case-by-case deal and the shortfall fallback forced inside a mixed batch,
    every book still keeps its lots and its own sizes."""
    import flowsim.model.cases as cases

    monkeypatch.setattr(cases, "PERMUTE_UP_TO", 100)        # the 300-weapon book: by case
    monkeypatch.setattr(cases, "MAX_CASES", 6)              # short draws, capped last case
    rng = np.random.default_rng(11)
    for _ in range(40):
        batch, expected = cases.CaseBatch(), []
        for b, weapons in enumerate((30, 300, 5, 0, 60)):
            book = LotBook()
            for i in range(3):
                book.add(LotKey(i, i, b, -1, False, False), weapons // 3 + (i < weapons % 3))
            book.add(LotKey(3, 1, b, -1, False, False), 10)
            expected.append(dict(book))
            batch.add(book, 2.0)
        sizes, book_of, case, keys, counts = batch.split(rng)
        got = [{} for _ in expected]
        for c, key, n in zip(case, keys, counts, strict=True):
            assert key.origin_country == book_of[c]
            got[book_of[c]][key] = got[book_of[c]].get(key, 0) + n
        assert got == expected
        for b, weapons in enumerate((30, 300, 5, 0, 60)):
            mine = [s for s, o in zip(sizes, book_of, strict=True) if o == b]
            assert sum(mine) == weapons and len(mine) <= 6


def test_ammunition_goes_to_cases_in_proportion_to_their_weapons():
    """Each lot of rounds goes to one case of its book, chosen by the case's weapons: over
    many cuts, the weapons of the case holding it average the size-biased mean E[S^2]/E[S]
    (uniform over cases would give E[S])."""
    from flowsim.model.cases import CaseBatch

    rng = np.random.default_rng(12)
    holding, plain = [], []
    for _ in range(300):
        batch = CaseBatch()
        book = LotBook()
        book.add(LotKey(1, 0, 1, -1, False, False), 200)
        for i in range(4):
            book.add(LotKey(3, i, 1, -1, False, False), 5)
        batch.add(book, 5.0)
        sizes, _, case, keys, _ = batch.split(rng)
        plain.extend(sizes)
        holding.extend(sizes[c] for c, key in zip(case, keys, strict=True)
                       if key.category == 3)
    s = np.array(plain, dtype=float)
    assert np.mean(holding) == pytest.approx((s ** 2).mean() / s.mean(), rel=0.1)
    assert np.mean(holding) > 1.5 * s.mean()


def test_rounds_stay_in_their_book_after_a_huge_one():
    """Behind a book of 2**50 weapons the float draw for a one-weapon book's rounds can
    round up to the next book's first case: it must stay in its own book."""
    from flowsim.model.cases import CaseBatch

    rng = np.random.default_rng(0)
    for _ in range(40):
        batch = CaseBatch()
        for b, weapons in enumerate((2**50, 1, 1)):
            book = LotBook()
            book.add(LotKey(0, 0, b, -1, False, False), weapons)
            for i in range(4):
                book.add(LotKey(3, i, b, -1, False, False), 5)
            batch.add(book, 1e12)
        sizes, book_of, case, keys, _ = batch.split(rng)
        assert max(case) < len(sizes)
        for c, key in zip(case, keys, strict=True):
            assert book_of[c] == key.origin_country


def test_cases_cut_when_read_are_the_rows_cut_every_step():
    """Possession cases are drawn every step but cut into lot rows only when the tables
    are read (:meth:`flowsim.model.ledger.Ledger._cut`). Read after every step (one block
    at a time, nothing logged after it yet) or only at the end (many blocks, each with
    seizures of later steps after it), the seizure, case and flow rows are the same, in
    the same order: the cut rows go back in their place. Both runs take the same random
    path, so a misplaced or reordered block shows."""
    def run(read_every_step: bool):
        model = FlowModel(scenario(load_data("regional.yaml"), steps=24, seed=3))
        for _ in range(24):
            model.step()
            if read_every_step:
                assert model.ledger.seizure_rows is not None      # cut now
        led = model.ledger
        return led.seizure_rows, led.case_rows, led.flow_rows

    every, at_end = run(True), run(False)
    assert every == at_end
    seizures, cases, _ = at_end
    possession = {c.case_id for c in cases if c.agency == "inland_police" and c.mode == "none"}
    kinds = [s.case_id in possession for s in seizures]
    first = kinds.index(True)                          # a possession case's rows, with
    assert False in kinds[first:]                      # other cases' rows after them
    assert [s.step for s in seizures] == sorted(s.step for s in seizures)


def test_run_totals_leave_the_cases_uncut_and_sum_the_same_flows():
    """Sums over flows (run totals, series: what experiments keep) read
    :attr:`Ledger.flow_counts`, which does not cut the possession cases: after them the
    cases are still uncut, and the numbers are those of the cut flow rows."""
    from collections import Counter

    from flowsim.outputs.metrics import run_totals, series

    model = FlowModel(scenario(load_data("regional.yaml"), steps=24, seed=4))
    for _ in range(12):
        model.step()
    half = series(model, "seized_inland")             # kept: must not outlive new steps
    for _ in range(12):
        model.step()
    led = model.ledger
    totals, seized = run_totals(model), series(model, "seized_inland")
    assert led._uncut                                  # nothing cut them
    counts = Counter()
    for r in led.flow_counts:
        counts[r[:5]] += r.count
    assert seized.sum() > half.sum() > 0
    rows = led.flow_rows                              # cuts them
    assert not led._uncut
    cut = Counter()
    for r in rows:
        cut[r[:5]] += r.count
    assert counts == cut
    assert run_totals(model) == totals
    assert series(model, "seized_inland").tolist() == seized.tolist()


def test_absorb_with_copy_leaves_the_tables_it_read_as_they_were():
    """The police round queues a seized book's lot tables for its cases and hands the book
    to the regulator (``LotBook.absorb(..., copy=True)``): later seizures merged into the
    regulator's book must not change the queued tables (without ``copy``, ``absorb``
    would take them over)."""
    key = LotKey(0, 1, 0, -1, False, False)
    mine, seized = LotBook(), LotBook()
    seized.add(key, 3)
    queued = seized.cats[0]
    mine.absorb(seized, copy=True)
    later = LotBook()
    later.add(key, 2)
    mine.absorb(later, copy=True)
    assert queued == {key: 3} and mine.cats[0] == {key: 5}
    assert not seized and seized.cats[0] == {} and mine.totals[0] == 5


@pytest.mark.parametrize("steps", [0, 24])
def test_tables_from_columns_are_the_tables_from_records(steps):
    """``seizures.csv`` and ``cases.csv`` are built from the ledger's columns
    (``seizure_columns``, ``case_columns``) without a record per row: the same frames,
    values and dtypes, as from ``seizure_rows`` and ``case_rows`` (an empty run too)."""
    import pandas as pd

    from flowsim.model.ledger import CaseRecord, SeizureRecord
    from flowsim.outputs.tables import _frame

    model = FlowModel(scenario(load_data("regional.yaml"), steps=max(steps, 1), seed=6))
    for _ in range(steps):
        model.step()
    led = model.ledger
    cases = _frame(led.case_columns(), CaseRecord._fields)
    seized = _frame(led.seizure_columns(), SeizureRecord._fields)
    pd.testing.assert_frame_equal(cases, pd.DataFrame(led.case_rows, columns=CaseRecord._fields))
    pd.testing.assert_frame_equal(seized, pd.DataFrame(led.seizure_rows,
                                                       columns=SeizureRecord._fields))
    if steps:
        assert set(cases["agency"]) == {"border", "inland_police", "collection"}
        assert (cases["weapons"] > 0).any() and (cases["rounds"] > 0).any()
