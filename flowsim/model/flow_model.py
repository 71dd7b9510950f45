"""The flowsim model: a Mesa 3.5 model of diversion and trafficking across a country network.

One step (a week, month, quarter or year, as the scenario says):

0. investigations opened by earlier traces come due (:mod:`flowsim.model.consequences`);
1. arms embargoes in force set cost and inspection at crossings into their targets
   (:mod:`flowsim.model.embargoes`); regulators allocate mobile inspection across their
   entry crossings by perceived risk;
2. stockpiles produce, run marking/record-keeping programmes and destroy surplus; then
   all leak (one draw for all, :mod:`flowsim.model.leakage`);
3. authorized transfers ship consignments under export control, some denied, some diverted
   whole (end-user fraud into the importer's illicit market, unauthorized re-export on to a
   third State; :mod:`flowsim.model.transfers`); none of the categories an embargo in force
   covers go to its target; brokers arrange bulk deals from stockpiles to distant buyers
   (:mod:`flowsim.model.brokers`);
4. illicit production (craft, conversion/reactivation, 3D printing) adds weapons;
5. markets buy from local illicit sellers; online sales are posted, policed, delivered
   and parts assembled at destination (:mod:`flowsim.model.online`);
6. traffickers (in random order) buy, plan, cross one border, sell;
7. regulators seize inland and collect from end users, then what came into the
   authorities' hands is recorded, marked, traced, destroyed or left with no action
   (000 ¶32; :mod:`flowsim.model.disposition`);
8. end users fire ammunition (:mod:`flowsim.model.ammunition`, when the scenario sets
   rounds per weapon-year);
9. markets update prices; the step's flows are logged and stocks collected.

Bookkeeping is exact: for every category, at every step,
``stockpiles + black market + traffickers + in transit + seized + end users + destroyed
= initial + produced - rounds fired`` (:meth:`FlowModel.conservation`).
"""

from __future__ import annotations

import copy

import numpy as np
from mesa import Model
from mesa.datacollection import DataCollector

from flowsim.inputs.interventions import Intervention
from flowsim.inputs.scenario import CATEGORIES, Scenario
from flowsim.model.agents import (
    MECH,
    BorderAgent,
    MarketAgent,
    RegulatorAgent,
    StockpileAgent,
    TraffickerAgent,
    TripLoads,
)
from flowsim.model.ammunition import AmmunitionUse
from flowsim.model.brokers import make_brokers
from flowsim.model.cases import CaseBatch, case_sizes, split_rounds
from flowsim.model.consequences import TraceConsequences
from flowsim.model.disposition import Disposition
from flowsim.model.embargoes import Embargoes
from flowsim.model.leakage import Leakage
from flowsim.model.ledger import EndUserRecord, Ledger, new_record
from flowsim.model.lots import NO_STOCKPILE, LotBook, LotKey
from flowsim.model.online import OnlineTrade
from flowsim.model.routes import RouteNetwork
from flowsim.model.schedule import Schedule
from flowsim.model.transfers import Transfers

#: Where a weapon can be. ``black_market``: diverted, held by local illicit sellers in the
#: country of diversion and not yet bought by a trafficker or an end user.
STATES = ("stockpiles", "black_market", "traffickers", "in_transit", "seized", "end_users",
          "destroyed")


class FlowModel(Model):
    """Agent-based model of illicit SALW flows for one scenario.

    Args:
        scenario: a validated :class:`~flowsim.scenario.Scenario`.
        seed: random seed; defaults to ``scenario.simulation.seed``.
        interventions: interventions applied on top of the scenario's own (experiments pass
            a policy option's here).
    """

    def __init__(self, scenario: Scenario, seed: int | None = None,
                 interventions: list[Intervention] | None = None):
        seed = scenario.simulation.seed if seed is None else seed
        super().__init__(rng=seed)
        self.seed = seed
        self.scenario = scenario
        self.sim = scenario.simulation
        self.country_ids = [c.id for c in scenario.countries]
        n_c = len(self.country_ids)
        self.controls = [copy.deepcopy(c.controls) for c in scenario.countries]
        self.conflict = np.array([c.conflict_intensity for c in scenario.countries])
        self.network = RouteNetwork(scenario)
        self.ledger = Ledger(self.network.n, n_c)
        self.black_market = [LotBook() for _ in range(n_c)]
        self.produced = np.zeros(4, dtype=np.int64)
        self.seized = np.zeros(4, dtype=np.int64)
        self.destroyed = np.zeros(4, dtype=np.int64)
        self.arrests = [0] * n_c              # traffickers arrested, by their base country
        self.consumed = np.zeros(4, dtype=np.int64)      # rounds fired (ammunition in use)
        self.mobile_extra = np.zeros(self.network.n)
        self.inland_rate = [0.0] * n_c        # per-step inland policing, by country
        self.trace_fade = 0.5 ** (1.0 / scenario.behaviour.trace_response_half_life)

        self.stockpile_list = [StockpileAgent(self, sp, ci, i)
                               for i, (ci, sp) in enumerate(scenario.stockpiles())]
        self.leakage = Leakage(self, self.stockpile_list)
        self.market_list = [MarketAgent(self, m, ci, len_before)
                            for len_before, (ci, m) in enumerate(
                                (ci, m) for ci, c in enumerate(scenario.countries)
                                for m in c.markets)]
        self.markets_in = [[m for m in self.market_list if m.country == ci] for ci in range(n_c)]
        self.leakage.bind_captors(self.markets_in)
        self.ammunition = AmmunitionUse(self)
        self.borders = [BorderAgent(self, self.network.crossings[self.network.crossing[d]][1], d)
                        for d in range(self.network.n)]
        self.regulator_list = [RegulatorAgent(self, ci) for ci in range(n_c)]
        self.embargoes = Embargoes(self)
        self.online = OnlineTrade(self)
        self.disposition = Disposition(self)
        index = scenario.country_index()
        behaviour = scenario.behaviour
        self._possession = CaseBatch()              # this step's possession seizures
        self._possession_country: list[int] = []
        self.trip_loads = {name: TripLoads(self.rng, getattr(behaviour, name))
                           for name in ("ant", "bulk", "postal")}
        self.trafficker_list: list[TraffickerAgent] = []
        for group in scenario.traffickers:
            for _ in range(group.count):
                self.trafficker_list.append(TraffickerAgent(self, group, index[group.base],
                                                            len(self.trafficker_list)))
        self.broker_list = make_brokers(self)
        self.stockpiles = self.agents_by_type.get(StockpileAgent, _empty(self))
        self.markets = self.agents_by_type.get(MarketAgent, _empty(self))
        self.regulators = self.agents_by_type.get(RegulatorAgent, _empty(self))
        self.traffickers = self.agents_by_type.get(TraffickerAgent, _empty(self))
        self.perceived_risk = np.array([[b.nominal_risk(t.mode) for b in self.borders]
                                        for t in self.trafficker_list]).reshape(
                                            len(self.trafficker_list), self.network.n)
        self.units = scenario.behaviour.transport_units.array()
        self.units_list = self.units.tolist()
        self.acquisition_list = scenario.behaviour.acquisition_price.array().tolist()
        self.cargo_value = self._cargo_value()
        self._foreign: dict[int, list[MarketAgent]] = {}
        self._per_step: dict[float, float] = {}
        self.transfers = Transfers(self)
        self.consequences = TraceConsequences(self)
        self._illicit = self._prepare_illicit_production()
        self.schedule = Schedule(self, [*scenario.interventions, *(interventions or [])])
        self._snapshot: np.ndarray | None = None
        self.initial = self.stock_by_state().sum(axis=0)
        reporters = {f"{state}:{cat}": _stock_reporter(i, k) for i, state in enumerate(STATES)
                     for k, cat in enumerate(CATEGORIES)}
        self.datacollector = DataCollector(model_reporters=reporters)
        self.datacollector.collect(self)
        self.running = True

    # --- set-up helpers ----------------------------------------------------------------
    def _cargo_value(self) -> float:
        """Typical value of a transport unit of cargo in USD: demand-weighted base price."""
        demand = sum((m.demand * self.units for m in self.market_list), np.zeros(4))
        prices = sum((m.base_price * m.demand for m in self.market_list), np.zeros(4))
        total = demand.sum()
        return float(prices.sum() / total) if total else 1.0

    def _prepare_illicit_production(self) -> list[tuple]:
        """(country, mechanism, base rate per step, control that cuts it, markets whose
        prices it answers, the country's response) per country and kind of manufacture."""
        out = []
        graph = self.scenario.graph()
        for ci, c in enumerate(self.scenario.countries):
            local = [m for m in self.markets_in[ci] if m.demand.any()]
            if not local:                       # no local buyers: the neighbours' prices
                near = {self.country_ids.index(n) for n in graph.neighbors(c.id)}
                local = [m for m in self.market_list if m.country in near and m.demand.any()]
            for mech, control in ILLICIT_KINDS:
                rate = self.sim.per_step_count(getattr(c, mech).array())
                if rate.any():
                    out.append((ci, MECH[mech.removesuffix("_production")], rate.tolist(),
                                control, local, c.illicit_response))
        return out

    def foreign_markets(self, base: int) -> list[MarketAgent]:
        """Markets with demand outside country ``base`` (what its traffickers can serve)."""
        found = self._foreign.get(base)
        if found is None:
            found = [m for m in self.market_list if m.country != base and m.demand.any()]
            self._foreign[base] = found
        return found

    def per_step(self, per_year: float) -> float:
        """``sim.per_step_probability`` of one annual rate, remembered by value: agents ask
        for the same few rates every step, and numpy's scalar overhead was the larger cost."""
        p = self._per_step.get(per_year)
        if p is None:
            p = self._per_step[per_year] = float(self.sim.per_step_probability(per_year))
        return p

    # --- the step ----------------------------------------------------------------------
    def step(self) -> None:
        self.ledger.step = self.steps
        self._snapshot = None
        self.before_step()
        self.consequences.step()
        if self.embargoes.active:
            self.embargoes.step()
        per_step = self.per_step             # the same numbers as the array conversion
        self.inland_rate = [per_step(c.inland_policing) for c in self.controls]
        self.regulators.do("allocate_inspection")
        self.stockpiles.do("step")
        self.leakage.step()
        self.transfers.step()
        for broker in self.broker_list:
            broker.step()
        self._illicit_production()
        self.markets.do("buy_local")
        if self.online.active:
            self.online.step()
        self.traffickers.shuffle_do("step")
        self.regulators.do("police_and_collect")
        self._log_possession_cases()
        self.disposition.step()
        if self.ammunition.active:
            self.ammunition.step()
        self.markets.do("update_price")
        self._record_end_user_stock()
        self.ledger.end_step()
        self.datacollector.collect(self)
        if self.steps >= self.sim.steps:
            self.running = False

    def before_step(self) -> None:
        """Apply interventions: targeted parameters are recomputed from their baselines."""
        self.schedule.apply(self.steps)

    def _record_end_user_stock(self) -> None:
        """Illicit weapons held by end users, per country and category, this step."""
        for country, markets in enumerate(self.markets_in):
            if markets:
                held = [sum(n) for n in zip(*(m.holdings.totals for m in markets), strict=True)]
                self.ledger.end_user_rows.extend(
                    new_record(EndUserRecord, (self.steps, country, k, n))
                    for k, n in enumerate(held) if n)

    def _illicit_production(self) -> None:
        """Craft production, conversion/reactivation, 3D printing: unmarked, unrecorded.

        The base rate answers the local illicit price, ``x min(capacity, (price / base
        price) ** price_elasticity)`` (001 ¶59: substitution when other supply is cut), and
        is cut by the country's control on that kind of manufacture (craft_policing,
        deactivation_standards, printing_controls)."""
        poisson = self.rng.poisson
        for ci, mech, rate, control, markets, response in self._illicit:
            factor = _price_factor(markets, response.price_elasticity, response.capacity)
            cut = getattr(self.controls[ci], control)
            keep = 1.0 - cut
            # scalar draws and list arithmetic: the same numbers (IEEE products in the same
            # order, numpy's poisson element by element) as on arrays, for less
            made = [poisson(r * f * keep) for r, f in zip(rate, factor, strict=True)]
            for k, n in enumerate(made):
                if n:
                    self.black_market[ci].add(LotKey(k, mech, ci, NO_STOCKPILE, False, False), n)
                    self.ledger.flow(ci, "diverted", mech, k, n)
                    self.ledger.flow(ci, "produced", mech, k, n)
            self.produced += made

    # --- events reported by agents ----------------------------------------------------------
    def record_seizure(self, country: int, place: str, place_type: str,
                       trafficker: TraffickerAgent | None, book: LotBook) -> None:
        """Book a seizure: counts, event log, tracing queue and route intelligence. The
        seized lots move into the regulator's tracing queue, leaving ``book`` empty."""
        n = book.total()
        self.seized += book.by_category()
        mode = trafficker.mode_name if trafficker is not None else "none"
        self.ledger.seizure(country, place, place_type, mode, book,   # flows and event log
                            self._legal_ground(trafficker is not None))
        self.regulator_list[country].seized_today.absorb(book)
        ship = trafficker.shipment if trafficker is not None else None
        if ship is not None:
            self.share_route_intelligence(country, ship.route.crossings, n)

    def share_route_intelligence(self, country: int, crossings: list[int], weight: float
                                 ) -> None:
        """Country ``country`` learned of traffic over ``crossings`` (a seizure's route, or a
        traced weapon's, :mod:`flowsim.model.consequences`): each regulator whose country a
        crossing enters gains ``weight`` of perceived risk there, shared across countries
        as far as both sides' information exchange allows (000 ¶20, ¶55)."""
        info = self.controls[country].information_exchange
        for d in crossings:
            entered = int(self.network.dst[d])
            share = 1.0 if entered == country else min(
                info, self.controls[entered].information_exchange)
            if share > 0:
                self.regulator_list[entered].learn(d, weight * share)

    def record_possession(self, country: int, book: LotBook, mean_size: float) -> None:
        """Book weapons police took inland from end users or local sellers in this step as
        individual illicit-possession cases: counts and tracing queue now, as
        :meth:`record_seizure`; the cases are cut with every other country's at the end of
        the police round (:meth:`_log_possession_cases`), which also adds their counts to
        :attr:`seized` (read at the end of the step)."""
        self._possession.add(book, mean_size)             # keeps the book's lot tables
        self._possession_country.append(country)
        self.regulator_list[country].seized_today.absorb(book, copy=True)

    def _log_possession_cases(self) -> None:
        """Log this step's inland possession seizures as cases
        (:class:`flowsim.model.cases.CaseBatch`), each with its legal ground: other grounds
        with ``other_ground``, else illicit possession (as :meth:`_legal_ground` for
        weapons not trafficked). The random draws are made now, in the model's stream; the
        ledger cuts the cases when they are read."""
        if not len(self._possession):
            return
        self.seized += self._possession.totals
        drawn = self._possession.draw(self.rng, self.ledger.n_cases, grounds=True)
        self.ledger.possession_cases(drawn, self._possession_country,
                                     self.scenario.behaviour.other_ground)
        self._possession_country = []

    def record_surrenders(self, country: int, book: LotBook) -> None:
        """Log weapons collected in this step as individual surrenders (collection cases);
        ``book`` is left as it is."""
        t = book.totals
        weapons = t[0] + t[1] + t[2]
        sizes = case_sizes(weapons, self.scenario.behaviour.surrender_size, self.rng) or [0]
        self.ledger.surrenders(country, sizes, split_rounds(t[3], sizes, self.rng))

    def _legal_ground(self, trafficking: bool) -> int:
        """The legal ground recorded for a seizure (index into ``LEGAL_GROUNDS``): other
        grounds with ``other_ground``; a trafficker's shipment is recorded as trafficking
        with ``trafficking_recorded``, else as illicit possession, the easier ground
        (000 ¶34); weapons held by end users and local sellers as illicit possession."""
        b = self.scenario.behaviour
        u = self.rng.random()
        if u < b.other_ground:
            return 2
        if trafficking and u < b.other_ground + (1 - b.other_ground) * b.trafficking_recorded:
            return 1
        return 0

    # --- accounting -------------------------------------------------------------------------
    def stock_by_state(self) -> np.ndarray:
        """Weapons by holder state (rows, :data:`STATES`) and category (columns)."""
        if self._snapshot is not None:
            return self._snapshot
        rows = [[0] * 4 for _ in STATES]

        def add(row: list[int], totals: list[int]) -> None:
            for k in range(4):
                row[k] += totals[k]

        add(rows[0], self.leakage.holdings.sum(axis=(0, 2, 3)).tolist())
        for b in self.black_market:
            add(rows[1], b.totals)
        for t in self.trafficker_list:
            ship = t.shipment
            if ship is not None:
                add(rows[2 if ship.arrived else 3], ship.book.totals)
        for m in self.market_list:
            add(rows[5], m.holdings.totals)
        out = np.array(rows, dtype=np.int64)
        out[4] = self.seized
        out[6] = self.destroyed
        self._snapshot = out
        return out

    def conservation(self) -> tuple[np.ndarray, np.ndarray]:
        """(sum over states, initial + produced - rounds fired), per category; equal when
        books balance."""
        return self.stock_by_state().sum(axis=0), self.initial + self.produced - self.consumed

    def run(self, steps: int | None = None, progress=None) -> FlowModel:
        """Run ``steps`` steps (default: the scenario's), calling ``progress(1)`` after each."""
        for _ in range(self.sim.steps if steps is None else steps):
            self.step()
            if progress is not None:
                progress(1)
        return self


#: Kinds of illicit manufacture (country rate key) and the control that cuts each.
ILLICIT_KINDS = (("craft_production", "craft_policing"),
                 ("conversion", "deactivation_standards"),
                 ("printed", "printing_controls"))


def _price_factor(markets: list[MarketAgent], elasticity: float, capacity: float
                  ) -> list[float]:
    """Multiplier of illicit manufacture by category: the mean ratio of price to base price
    over the markets wanting the category, to the power ``elasticity``, at most
    ``capacity`` (1 where no market wants it, or with elasticity 0)."""
    out = [1.0, 1.0, 1.0, 1.0]
    if not elasticity or not markets:
        return out
    for k in range(4):
        ratios = [m.price[k] / m.base_price_list[k] for m in markets
                  if m.demand_list[k] > 0 and m.base_price_list[k] > 0]
        if ratios:
            out[k] = min(capacity, (sum(ratios) / len(ratios)) ** elasticity)
    return out


def _stock_reporter(state: int, category: int):
    return lambda m: int(m.stock_by_state()[state, category])


def _empty(model: Model):
    from mesa.agent import AgentSet

    return AgentSet([], random=model.random)
