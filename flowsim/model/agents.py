"""The agents of flowsim: stockpiles, traffickers, border crossings, regulators, markets.

Each agent's docstring says which mechanism of the source documents it reproduces;
citations are to ``../shared/seeds/`` by file prefix and paragraph (``000 ¶6``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from flowsim.inputs.scenario import (
    Controls,
    Crossing,
    Market,
    ModeSettings,
    Stockpile,
    TraffickerGroup,
)
from flowsim.model.ledger import PriceRecord, new_record
from flowsim.model.lots import MECHANISMS, NO_STOCKPILE, LotBook, LotKey, split
from flowsim.model.routes import Route

if TYPE_CHECKING:
    from flowsim.model.flow_model import FlowModel

MECH = {m: i for i, m in enumerate(MECHANISMS)}
_THEFT, _LOSS, _INSIDER, _CAPTURE, _CIVILIAN = (
    MECH[m] for m in ("theft", "loss", "insider", "battlefield_capture", "civilian_leakage"))


def draw_cells(cells: np.ndarray, n: int, rng: np.random.Generator) -> list[int]:
    """Draw ``n`` weapons without replacement from a holdings array of any shape: how many
    from each cell, flattened (a list: the caller needs the numbers more than an array)."""
    flat = cells.reshape(-1).tolist()
    if n >= sum(flat):
        return flat
    if n <= 0:
        return [0] * len(flat)
    return split(flat, n, rng)


class StockpileAgent(Agent):
    """A state or civilian holding that leaks weapons (000 ¶6; 001 ¶11, ¶35-38; 004 ¶25).

    Holdings are an integer array ``[category, marked, recorded]``. Each step the stockpile
    produces (manufacturers), marks and records under national programmes, destroys surplus
    (000 ¶35; 001 ¶39) and leaks through the mechanisms its owner is exposed to, each
    weapon with the per-step probability of these annual rates x the category's factor
    (the draw is made for all stockpiles together by :class:`flowsim.leakage.Leakage`):

    ==================== =================================================================
    theft                base x (1 - security)                              (000 ¶6; 004 ¶25)
    loss                 base x (1 - record_keeping)                        (001 ¶11; 000 ¶60)
    insider              base x (1 - security/2) x (1 - audit deterrence)
                         x (1 - integrity)                                  (001 ¶11; 004 ¶25)
    battlefield_capture  base x conflict intensity x (1 - security/2)       (000 ¶6, ¶8)
    civilian_leakage     base x (1 - licensing), licensed civilian holdings (000 ¶6, ¶48)
    ==================== =================================================================

    ``security`` is the effective PSSM level ``1 - (1 - own security)(1 - national pssm)
    (1 - intervention boost)(1 - trace boost)``. The trace boost is the origin authorities'
    response to traces naming this stockpile as a point of diversion (000 ¶33, ¶61): when
    a trace identifies it, they act with probability ``trace_action_probability`` and the
    boost gains ``trace_response x (trace_response_max - boost)``; it halves every
    ``trace_response_half_life`` steps, so it stays below ``trace_response_max`` and fades
    unless traces keep coming (:meth:`act_on_trace`). ``integrity`` is ``1 - (1 - national
    anti_corruption)(1 - intervention integrity boost)``: anti-corruption reaches rogue
    officials in depots (001 ¶11; 004 ¶25), not only at crossings. Audit deterrence is
    ``record_keeping x (1 - exp(-audits_per_year / 2))``. Leaked weapons that are recorded
    are reported as losses with probability ``1 - exp(-audits_per_year)``, the chance an
    audit comes within the year (000 ¶60).
    """

    def __init__(self, model: FlowModel, spec: Stockpile, country: int, index: int):
        super().__init__(model)
        self.spec = spec
        self.country = country
        self.index = index
        self.security = spec.security
        self.security_boost = 0.0          # set by stockpile_security interventions
        self.integrity_boost = 0.0         # set by anti_corruption interventions
        self.ammunition_security_boost = 0.0   # ammunition_security interventions
        self.trace_boost = 0.0             # response to traces, bounded and fading
        self.audits_per_year = spec.audits_per_year
        h = np.zeros((4, 2, 2), dtype=np.int64)
        total = spec.holdings.array()
        marked = np.floor(total * spec.marking + 0.5).astype(np.int64)
        rec_m = np.floor(marked * spec.record_keeping + 0.5).astype(np.int64)
        rec_u = np.floor((total - marked) * spec.record_keeping + 0.5).astype(np.int64)
        h[:, 1, 1], h[:, 1, 0] = rec_m, marked - rec_m
        h[:, 0, 1], h[:, 0, 0] = rec_u, total - marked - rec_u
        self.holdings = h
        self.surplus = np.floor(total * spec.surplus_share).astype(np.int64)
        self.production = model.sim.per_step_count(spec.production.array())
        self.produces = bool(self.production.any())
        self.mechanisms = self._exposed_mechanisms()

    def _exposed_mechanisms(self) -> list[int]:
        if self.spec.owner == "civilian_licensed":
            return [MECH["civilian_leakage"], MECH["loss"]]
        mechs = [MECH["theft"], MECH["loss"], MECH["insider"]]
        if self.spec.owner != "manufacturer":
            mechs.append(MECH["battlefield_capture"])
        return mechs

    @property
    def controls(self) -> Controls:
        return self.model.controls[self.country]

    def effective_security(self) -> float:
        return 1.0 - ((1.0 - self.security) * (1.0 - self.controls.pssm)
                      * (1.0 - self.security_boost) * (1.0 - self.trace_boost))

    def integrity(self) -> float:
        """Share of insider theft that anti-corruption prevents (001 ¶11; 004 ¶25)."""
        return 1.0 - (1.0 - self.controls.anti_corruption) * (1.0 - self.integrity_boost)

    def annual_rates(self, record_quality: float) -> list[float]:
        """Annual leak probability per exposed mechanism (before category factors), given
        the share of holdings that is recorded."""
        m = self.model.scenario.mechanisms
        sec, rk = self.effective_security(), record_quality
        out = []             # only the exposed mechanisms' rates (called every step)
        for k in self.mechanisms:
            if k == _THEFT:
                out.append(m.theft * (1 - sec))
            elif k == _LOSS:
                out.append(m.loss * (1 - rk))
            elif k == _INSIDER:
                deterrence = rk * (1.0 - math.exp(-self.audits_per_year / 2.0))
                out.append(m.insider * (1 - sec / 2) * (1 - deterrence)
                           * (1 - self.integrity()))
            elif k == _CAPTURE:
                out.append(m.battlefield_capture * float(self.model.conflict[self.country])
                           * (1 - sec / 2))
            elif k == _CIVILIAN:
                out.append(m.civilian_leakage * (1 - self.controls.licensing))
            else:
                raise KeyError(k)
        return out

    def step(self) -> None:
        """Produce, run national programmes and destroy surplus. Leakage follows for all
        stockpiles at once (:class:`flowsim.leakage.Leakage`)."""
        rng = self.model.rng
        if self.trace_boost:
            self.trace_boost *= self.model.trace_fade
        self._produce(rng)
        self._programmes(rng)
        self._destroy_surplus(rng)

    def _produce(self, rng: np.random.Generator) -> None:
        if not self.produces:
            return
        # scalar draws, the same numbers as numpy's of the arrays (a binomial of 0 trials
        # draws nothing), at a fraction of the cost for four categories
        poisson, binomial = rng.poisson, rng.binomial
        made = [poisson(lam) for lam in self.production.tolist()]
        if not any(made):
            return
        p = self.spec.marking
        marked = [binomial(n, p) if n else 0 for n in made]
        self.holdings[:, 1, 1] += marked        # new production is marked and recorded
        self.holdings[:, 0, 1] += [n - m for n, m in zip(made, marked, strict=True)]
        self.model.produced += made
        for k, n in enumerate(made):
            if n:
                self.model.ledger.flow(self.country, "produced", -1, k, n)

    def _programmes(self, rng: np.random.Generator) -> None:
        """National marking and record-keeping programmes (000 ¶59-60)."""
        c, per_step = self.controls, self.model.per_step
        if c.marking_programme > 0 and self.spec.owner != "civilian_licensed":
            moved = rng.binomial(self.holdings[:, 0, :], per_step(c.marking_programme))
            self.holdings[:, 0, :] -= moved
            self.holdings[:, 1, :] += moved
        if c.record_keeping_programme > 0:
            moved = rng.binomial(self.holdings[:, :, 0], per_step(c.record_keeping_programme))
            self.holdings[:, :, 0] -= moved
            self.holdings[:, :, 1] += moved

    def _destroy_surplus(self, rng: np.random.Generator) -> None:
        """Surplus destruction, 'the preferred solution' (001 ¶39; 000 ¶35)."""
        rate = self.controls.surplus_destruction
        if rate <= 0:
            return
        surplus = self.surplus.tolist()
        if not any(surplus):
            return
        p, binomial = self.model.per_step(rate), rng.binomial    # scalar draws, as above
        n = [binomial(s, p) if s else 0 for s in surplus]
        if not any(n):
            return
        cells = self.holdings.reshape(4, 4).tolist()
        gone = [split(c, min(m, sum(c)), rng) if m else [0, 0, 0, 0]
                for c, m in zip(cells, n, strict=True)]
        self.holdings -= np.array(gone, dtype=np.int64).reshape(4, 2, 2)
        total = [sum(g) for g in gone]
        self.surplus -= total
        self.model.destroyed += total
        for k, t in enumerate(total):
            self.model.ledger.flow(self.country, "destroyed", -1, k, t)

    def act_on_trace(self) -> None:
        """A successful trace identified this stockpile as a point of diversion (000 ¶33,
        ¶61): its authorities act on it with some probability, gaining a bounded share of
        the security gap that fades unless sustained (all assumptions, see the reference)."""
        b = self.model.scenario.behaviour
        if self.model.rng.random() < b.trace_action_probability:
            self.trace_boost += b.trace_response * (b.trace_response_max - self.trace_boost)


class MarketAgent(Agent):
    """End users (armed groups, criminal markets) absorbing weapons at a price.

    Demand accumulates each step (with a bounded backlog of unmet demand); the market
    buys what local sellers and arriving traffickers offer up to what it wants. Price
    responds to shortage: ``base x (smoothed demand / smoothed supply) ** elasticity``,
    capped at ``max_price_factor`` either way, so prices rise when supply is cut.

    The two kinds differ as the seeds describe (000 ¶6, ¶24-26; 001 ¶11, ¶35; 004 ¶11),
    through ``behaviour.armed_group`` / ``behaviour.criminal_market``:

    * demand per step is ``demand x (1 + conflict_demand x conflict_intensity)``: armed
      groups want more where fighting is heavier, criminal markets do not;
    * what is added to ``wanted`` each step is scaled by ``(base price / price) **
      demand_elasticity``: criminal markets buy less when prices rise, armed groups barely;
    * weapons captured in battle in the country go straight to its armed groups
      (:meth:`capture`), not through local illicit sellers.

    Starting holdings are ``pre_existing`` lots (origin unknown, unrecorded; a share
    ``holdings_marked`` bears a marking).
    """

    def __init__(self, model: FlowModel, spec: Market, country: int, index: int):
        super().__init__(model)
        self.spec = spec
        self.country = country
        self.index = index
        self.behaviour = getattr(model.scenario.behaviour, spec.kind)
        self.demand = model.sim.per_step_count(spec.demand.array()) * (
            1.0 + self.behaviour.conflict_demand * float(model.conflict[country]))
        self.base_price = spec.price.array()
        # read and written many times a step (traffickers, prices): plain lists, not arrays
        self.demand_list: list[float] = self.demand.tolist()
        self.base_price_list: list[float] = self.base_price.tolist()
        self.ema_supply: list[float] = list(self.demand_list)   # smoothed supply
        self.price: list[float] = list(self.base_price_list)
        self.wanted: list[float] = list(self.demand_list)
        self.bought = [0, 0, 0, 0]
        self.holdings = LotBook()
        for k, n in enumerate(spec.holdings.array().tolist()):
            marked = math.floor(n * spec.holdings_marked + 0.5)
            for is_marked, count in ((True, marked), (False, n - marked)):
                self.holdings.add(LotKey(k, MECH["pre_existing"], country, NO_STOCKPILE,
                                         is_marked, False), count)

    def accept(self, book: LotBook) -> float:
        """Take what is wanted from ``book`` (removed from it); return the payment in USD."""
        model = self.model
        wanted, paid = self.wanted, 0.0
        for k, have in enumerate(book.totals):
            if not have or wanted[k] < 1:
                continue
            lots, n = book.take_lots(int(wanted[k]), model.rng, k)
            wanted[k] -= n
            self.bought[k] += n
            paid += n * self.price[k]
            model.ledger.flow_lots(self.country, "delivered", k, lots)
            self.holdings.add_lots(k, lots, n)
        return paid

    def capture(self, key: LotKey, n: int) -> None:
        """Weapons captured in battle join this armed group directly (000 ¶6)."""
        k = key[0]                   # n > 0: called for every capture the leakage draws
        d = self.holdings.cats[k]
        d[key] = d.get(key, 0) + n
        self.holdings.totals[k] += n
        left = self.wanted[k] - n
        self.wanted[k] = left if left > 0.0 else 0.0
        self.bought[k] += n
        self.model.ledger.flows[(self.country, "delivered", key[1], k)] += n

    def wants_any(self) -> bool:
        return max(self.wanted) >= 1

    def buy_local(self) -> None:
        self.accept(self.model.black_market[self.country])

    def update_price(self) -> None:
        """Price from the smoothed shortage; what is wanted next step.

        Four numbers each, so the arithmetic is done on Python floats (the same IEEE
        operations, in the same order, as on numpy arrays; numpy's per-call cost on four
        numbers was the larger part of this method's time). The powers too: Python's
        ``**`` is the C library's ``pow`` on every machine, while numpy's array power uses
        SIMD code on processors that have it (AVX-512), whose results differ in the last bit
        and, through the traffickers' choices, change a run (:func:`flowsim.inputs.scenario
        .libm_power`).
        """
        b = self.model.scenario.behaviour
        demand = self.demand_list
        ema = self.ema_supply = [0.8 * s + 0.2 * n
                                 for s, n in zip(self.ema_supply, self.bought, strict=True)]
        ratio = [d / (s if s > 1e-9 else 1e-9) if d > 0 else 1.0
                 for d, s in zip(demand, ema, strict=True)]
        lo, hi = 1 / b.max_price_factor, b.max_price_factor
        el = b.price_elasticity
        factor = [min(max(r ** el, lo), hi) for r in ratio]
        self.price = [p * f for p, f in zip(self.base_price_list, factor, strict=True)]
        rows, step = self.model.ledger.price_rows, self.model.steps
        for k, d in enumerate(demand):
            if d > 0:
                rows.append(new_record(PriceRecord, (step, self.index, k, self.price[k],
                                                     self.bought[k], d)))
        self.bought = [0, 0, 0, 0]
        backlog = 1.0 + b.backlog_steps
        e = self.behaviour.demand_elasticity
        # (base price / price) ** e, and price = base price x factor
        new = ([d * f ** -e for d, f in zip(demand, factor, strict=True)]
               if e else demand)
        self.wanted = [min(w + n, d * backlog)
                       for w, n, d in zip(self.wanted, new, demand, strict=True)]


class BorderAgent(Agent):
    """A crossing point inspecting parcels passing in one direction (000 ¶9, ¶58; 004 ¶25).

    A shipment is cut into parcels of its mode's size in transport units (ant trade: many
    small parcels; bulk: one consignment); each weapon is seized if its parcel is. Each
    parcel is inspected with the crossing's inspection rate
    plus the entering country's mobile allocation, found with the detection probability
    x the mode's visibility x training, and a found parcel is let through for a bribe with
    probability ``corruption x (1 - anti_corruption)``; otherwise it is seized.
    """

    def __init__(self, model: FlowModel, spec: Crossing, directed: int):
        super().__init__(model)
        self.spec = spec
        self.directed = directed
        net = model.network
        self.country = int(net.dst[directed])         # the country entered inspects
        self.border_id, self.crossing_id = net.label(directed)
        self.inspection_rate = spec.inspection_rate
        self.detection_probability = spec.detection_probability
        self.corruption = spec.corruption
        self.embargo_inspection = 0.0      # while an embargo on the country entered is in force
        self._cached_at, self._cached = -1, {}

    def catch_probabilities(self, mode: ModeSettings) -> tuple[float, float, float]:
        """(inspect, detect, bribe) probabilities for a parcel of ``mode``; they change only
        between steps (interventions, mobile allocation), so they are kept for the step."""
        steps = self.model.steps
        if self._cached_at != steps:
            self._cached_at, self._cached = steps, {}
        found = self._cached.get(id(mode))
        if found is None:
            found = self._cached[id(mode)] = self._catch_probabilities(mode)
        return found

    def _catch_probabilities(self, mode: ModeSettings) -> tuple[float, float, float]:
        c = self.model.controls[self.country]
        p_inspect = min(1.0, self.inspection_rate + self.model.mobile_extra.item(self.directed)
                        + self.embargo_inspection)
        p_detect = min(1.0, self.detection_probability * mode.visibility * (1 + 0.5 * c.training))
        p_bribe = self.corruption * (1.0 - c.anti_corruption)
        return p_inspect, p_detect, p_bribe

    def nominal_risk(self, mode: ModeSettings) -> float:
        p_i, p_d, p_b = self.catch_probabilities(mode)
        return p_i * p_d * (1 - p_b)

    def inspect(self, book: LotBook, mode: ModeSettings, rng: np.random.Generator
                ) -> tuple[LotBook | None, float]:
        """Inspect a shipment; remove and return what is seized (None if no parcel is) and
        the share of parcels lost."""
        model = self.model
        parcels = count_parcels(book, mode, model.units_list)
        p_i, p_d, p_b = self.catch_probabilities(mode)
        inspected = rng.binomial(parcels, p_i)
        detected = rng.binomial(inspected, p_d) if inspected else 0
        bribed = rng.binomial(detected, p_b) if detected else 0
        seized_parcels = detected - bribed
        # each weapon is in a seized parcel with probability: the seized parcels' share
        lost = parcel_share(seized_parcels, parcels, mode, rng) if seized_parcels else 0.0
        seized = book.thin(lost, rng) if seized_parcels else None
        passed = book.totals                                 # book now holds the rest
        caught = seized.totals if seized is not None else (0, 0, 0, 0)
        model.ledger.inspections.append((
            self.directed, parcels, inspected, detected, bribed, seized_parcels,
            passed[0] + passed[1] + passed[2], caught[0] + caught[1] + caught[2],
            passed[3], caught[3]))
        return seized, lost


def parcel_share(seized: int, parcels: int, mode: ModeSettings, rng: np.random.Generator
                 ) -> float:
    """Share of a shipment's transport units in ``seized`` of its ``parcels`` parcels.

    Parcel sizes are gamma distributed with shape ``mode.parcel_size_shape`` (an
    assumption; mean ``parcel_size``), so the share in ``seized`` parcels is
    Beta(seized x shape, (parcels - seized) x shape): its mean is ``seized / parcels``, as
    with equal parcels, and one draw replaces drawing every parcel's size.
    """
    if seized >= parcels:
        return 1.0
    a = mode.parcel_size_shape
    return float(rng.beta(seized * a, (parcels - seized) * a))


class TripLoads:
    """Each trip's size as a multiple of its planned load (which fills the trafficker's
    capacity where supply and demand allow): gamma distributed with mean 1 and shape
    ``mode.load_shape`` (an assumption; 000 ¶9 gives no sizes).

    One stream per mode, drawn from the model's generator in batches (a scalar draw per
    trip would cost more than the rest of planning it); a changed shape starts a new batch.
    """

    BATCH = 256

    def __init__(self, rng: np.random.Generator, mode: ModeSettings):
        self.rng, self.mode = rng, mode
        self._shape = mode.load_shape
        self._left: list[float] = []

    def draw(self) -> float:
        left, shape = self._left, self.mode.load_shape
        if not left or shape != self._shape:
            self._shape = shape
            left[:] = (self.rng.standard_gamma(shape, self.BATCH) / shape).tolist()
        return left.pop()


def count_parcels(book: LotBook, mode: ModeSettings, units: list[float]) -> int:
    """Parcels a shipment travels in: its transport units over the mode's parcel size."""
    t = book.totals                  # units . totals, spelt out: called for every crossing
    n = math.ceil((units[0] * t[0] + units[1] * t[1] + units[2] * t[2] + units[3] * t[3])
                  / mode.parcel_size - 1e-9)
    return n if n > 1 else 1


@dataclass
class Shipment:
    book: LotBook
    route: Route
    market: MarketAgent
    hop: int = 0                  # crossings done so far

    @property
    def location(self) -> int:
        return self.route.nodes[self.hop]

    @property
    def arrived(self) -> bool:
        return self.hop >= len(self.route.crossings)


class TraffickerAgent(Agent):
    """A trafficker: buys diverted weapons at its base, ships them to the best-paying market.

    Route choice minimises ``travel cost + risk_aversion x value x perceived risk`` over
    directed crossings, and the destination maximises expected profit
    ``price x P(no seizure) - travel cost - acquisition price``. After each crossing the
    trafficker updates its perceived risk there towards what happened (learning rate),
    and news of seizures raises every trafficker's perceived risk a little (shared
    learning) — so hardened borders displace traffic to other routes. Seizure of its
    parcels can lead to arrest, losing all it holds; it is replaced after a while.
    Modes (000 ¶9, ¶58): ant trade, bulk consignments, postal parts.
    """

    def __init__(self, model: FlowModel, spec: TraffickerGroup, base: int, row: int):
        super().__init__(model)
        self.spec = spec
        self.base = base
        self.row = row                        # row of model.perceived_risk
        self.mode_name = spec.mode
        self.mode: ModeSettings = getattr(model.scenario.behaviour, spec.mode)
        self.capacity = spec.capacity or self.mode.capacity
        self.capital = spec.capital
        self.shipment: Shipment | None = None
        self.arrested_for = 0
        self._plan_cache: tuple[Route, MarketAgent, list] | None = None
        self._planned_at = -10**9
        self.official_only = self.mode.official_only
        self.loads: TripLoads = model.trip_loads[spec.mode]

    def step(self) -> None:
        if self.arrested_for > 0:
            self.arrested_for -= 1
            if self.arrested_for == 0:
                self.capital = self.spec.capital           # replaced by a new recruit
            return
        ship = self.shipment                # ship.arrived spelt out: run for every step
        if ship is None:
            self._start_trip()
        elif ship.hop < len(ship.route.crossings):
            self._cross()
        ship = self.shipment
        if ship is not None and ship.hop >= len(ship.route.crossings):
            self._sell()
        if self.arrested_for == 0:
            self._inland_policing()

    # --- planning -------------------------------------------------------------------
    def _start_trip(self) -> None:
        model = self.model
        supply = model.black_market[self.base]
        # `not supply`: any() on the totals is cheaper than LotBook.__bool__'s Python call
        if not any(supply.totals):
            return
        plan = self._current_plan()
        if plan is None:
            return
        route, market, load = plan
        prices = model.acquisition_list
        cargo = LotBook()
        budget = self.capital
        scale = self.loads.draw()                       # this trip's size, x the planned
        for k, planned, most in load:
            n = min(most, int(planned * scale + 0.5))
            if n <= 0:
                continue
            price = prices[k]
            # budget >= n * price: all n affordable (and no huge budget/price quotient to
            # overflow when a price is tiny); otherwise the quotient is below n
            afford = n if price <= 0 or budget >= n * price else int(budget // price)
            lots, got = supply.take_lots(min(n, afford), model.rng, k)
            if got:                                     # k is not in the cargo yet
                cargo.cats[k], cargo.totals[k] = lots, got
            budget -= got * price
        if not any(cargo.totals):
            return
        self.capital = budget
        model.ledger.flow_book(self.base, "trafficked", cargo)
        self.shipment = Shipment(cargo, route, market)
        self._cross()

    def _current_plan(self) -> tuple[Route, MarketAgent, list] | None:
        """The habitual route and market, re-planned every ``replan_steps`` or when upset."""
        plan = self._plan_cache
        stale = self.model.steps - self._planned_at >= self.model.scenario.behaviour.replan_steps
        if plan is None or stale or not plan[1].wants_any():
            plan = self._plan_cache = self._plan()
            self._planned_at = self.model.steps
        return plan

    def _plan(self) -> tuple[Route, MarketAgent, list] | None:
        """Best (route, market, load) by expected trip profit, or None if none pays. The
        load, ``(category, planned, most)``, fills the capacity by margin per transport
        unit; ``most`` is the least of supply and demand, which a trip whose size is drawn
        above the plan (:class:`TripLoads`) does not exceed."""
        model = self.model
        units, acq = model.units_list, model.acquisition_list
        supply = model.black_market[self.base].totals
        offered = [k for k in range(4) if supply[k]]
        candidates = []
        for m in model.foreign_markets(self.base):
            wanted = m.wanted
            for k in offered:
                if wanted[k] >= 1:
                    candidates.append(m)
                    break
        if not candidates:                    # nothing anyone wants: no need to plan a route
            return None
        risk = model.perceived_risk[self.row].tolist()
        scale = self.spec.risk_aversion * model.cargo_value
        weights = [c + scale * r for c, r in zip(model.network.travel_cost, risk,
                                                 strict=True)]
        paths = model.network.shortest(self.base, weights, risk, self.official_only,
                                       {m.country for m in candidates})
        best_market, best_load, best_profit = None, None, 0.0
        via, capacity = paths.via, float(self.capacity)
        reach_survive, reach_travel = paths.survive, paths.travel_cost
        terms = [(k, units[k], acq[k]) for k in offered]      # looked up once, not per market
        for market in candidates:
            to = market.country
            if via[to] < 0:               # not paths.reaches(to): markets are foreign
                continue
            survive, travel = reach_survive[to], reach_travel[to]
            price, wanted = market.price, market.wanted
            options = []
            for k, unit, cost in terms:
                if wanted[k] >= 1:            # no margin to work out for what is not wanted
                    margin = price[k] * survive - cost - travel * unit
                    if margin > 0:
                        # k is unique, so the sort never compares the margins or units
                        options.append((margin / unit, k, margin, unit))
            if not options:               # no profit: 0.0 does not beat best_profit
                continue
            profit, load, room = 0.0, [], capacity
            options.sort(reverse=True)                          # best margin per unit of space
            for _, k, margin, unit in options:
                most = int(min(supply[k], wanted[k]))
                n = int(min(most, room / unit))
                if n > 0:
                    load.append((k, n, most))
                    profit += n * margin
                    room -= n * unit
            if profit > best_profit:
                best_market, best_load, best_profit = market, load, profit
        if best_market is None:
            return None
        return paths.route(best_market.country), best_market, best_load

    # --- moving ---------------------------------------------------------------------
    def _cross(self) -> None:
        model, ship = self.model, self.shipment
        d = ship.route.crossings[ship.hop]
        border = model.borders[d]
        seized, lost_share = border.inspect(ship.book, self.mode, model.rng)
        if model.embargoes.active:
            model.embargoes.crossed(d, ship.book, seized)
        b = model.scenario.behaviour
        r = model.perceived_risk
        # r[row, d] += rate * (lost_share - r[row, d]), on a Python float (the same IEEE
        # operations as numpy's float64 scalars, without two scalar look-ups)
        old = r.item(self.row, d)
        r[self.row, d] = old + b.learning_rate * (lost_share - old)
        if seized:
            self._plan_cache = None                       # rethink the route after a loss
            model.record_seizure(border.country, border.crossing_id, "border", self, seized)
            r[:, d] += b.shared_learning * (1.0 - r[:, d])
            if model.rng.random() < model.consequences.arrest_probability(
                    self.base, border.country, ship.market.country):
                self._arrested(border.country)
                return
        if not any(ship.book.totals):       # not ship.book
            self.shipment = None
            return
        ship.hop += 1

    def _sell(self) -> None:
        ship = self.shipment
        self.capital += ship.market.accept(ship.book)
        if not any(ship.book.totals):       # not ship.book
            self.shipment = None

    def _inland_policing(self) -> None:
        """Inland seizures (000 ¶34; 004 ¶25: most seizures are made inland).

        Police stop each of the shipment's parcels with the country's per-step inland
        policing rate and seize what is in a stopped parcel: the expected share seized is
        the rate, as for weapons held by end users, but a bulk consignment is lost whole
        or not at all while ant trade loses a few parcels at a time.
        """
        model, ship = self.model, self.shipment
        if ship is None:
            return
        where = ship.location
        parcels = count_parcels(ship.book, self.mode, model.units_list)
        stopped = model.rng.binomial(parcels, model.inland_rate[where])
        if not stopped:
            return
        seized = ship.book.thin(parcel_share(stopped, parcels, self.mode, model.rng),
                                model.rng)
        if seized:
            model.record_seizure(where, "inland", "inland", self, seized)
            if model.rng.random() < model.consequences.arrest_probability(
                    self.base, where, ship.market.country):
                self._arrested(where)
                return
        if not any(ship.book.totals):       # not ship.book
            self.shipment = None

    def arrested(self, country: int) -> None:
        """Arrested in ``country`` by an investigation (:mod:`flowsim.model.consequences`)."""
        self._arrested(country)

    def _arrested(self, country: int) -> None:
        model = self.model
        model.arrests[self.base] += 1
        if self.shipment is not None:
            rest = self.shipment.book.pop_all()
            if rest:
                model.record_seizure(country, "inland", "inland", self, rest)
            self.shipment = None
        self.arrested_for = max(1, model.scenario.behaviour.arrest_steps)
        self.capital = 0.0



class RegulatorAgent(Agent):
    """A country's regulator: allocates inspection, disposes of weapons in its hands, traces
    them, collects weapons and shares intelligence.

    * Allocation: its mobile inspection capacity (000 ¶58) is spread over the crossings
      into the country in proportion to ``1 + perceived risk``, where perceived risk is a
      decaying sum of weapons seized there and of route intelligence received from other
      regulators, weighted by both sides' information exchange (000 ¶20, ¶55).
    * Weapons in hand: what it seizes and collects in a step it keeps in ``seized_today``
      and ``collected_today``; :mod:`flowsim.model.disposition` then records, marks,
      traces (000 ¶32-33, ¶61) and destroys them or takes no action (000 ¶32), for all
      countries at once.
    """

    def __init__(self, model: FlowModel, country: int):
        super().__init__(model)
        self.country = country
        net = model.network
        self.entry = np.flatnonzero(net.dst == country)   # directed crossings into country
        self.risk = np.zeros(len(self.entry))
        self._entry_pos = {d: i for i, d in enumerate(self.entry.tolist())}
        self._allocated = False            # mobile inspection written to its entries
        self.seized_today = LotBook()
        self.collected_today = LotBook()

    @property
    def controls(self) -> Controls:
        return self.model.controls[self.country]

    def allocate_inspection(self) -> None:
        if not len(self.entry):
            return
        share = self.controls.mobile_inspection
        if share or self._allocated:       # no capacity: its entries stay at zero once zeroed
            w = 1.0 + self.risk
            self.model.mobile_extra[self.entry] = share * w / w.sum()
            self._allocated = bool(share)
        self.risk *= self.model.scenario.behaviour.regulator_memory

    def learn(self, directed: int, weight: float) -> None:
        pos = self._entry_pos.get(directed)
        if pos is not None:
            self.risk[pos] += weight

    def clear_in_hand(self) -> None:
        """Start the next step with empty books (:mod:`flowsim.model.disposition` has
        disposed of this step's)."""
        self.seized_today = LotBook()
        self.collected_today = LotBook()

    def police_and_collect(self) -> None:
        """Inland seizures from local illicit sellers and end users (illicit possession,
        000 ¶34; cut into individual cases, :mod:`flowsim.model.cases`), then collection from
        end users (voluntary surrender, amnesties, DDR; 000 ¶32, ¶69; 001 ¶41; logged as
        individual surrenders): collected weapons come into the authorities' hands like
        seized ones (:mod:`flowsim.model.disposition`).

        Each of an end user's weapons is seized with the per-step inland policing rate
        ``q`` and, if not, collected with the per-step collection rate ``c``. Both are drawn
        from one thinning of the holdings with ``q + (1 - q) c``, the removed weapons then
        split with ``(1 - q) c / (q + (1 - q) c)`` collected: the same law as seizing then
        collecting, at half the cost on large holdings.
        """
        model = self.model
        b = model.scenario.behaviour
        q = model.inland_rate[self.country]
        c = model.per_step(self.controls.collection)
        removed_p = q + (1.0 - q) * c
        seized = model.black_market[self.country].thin(q, model.rng)
        if seized:
            model.record_possession(self.country, seized, b.seller_case_size)
        for market in model.markets_in[self.country]:
            seized = market.holdings.thin(removed_p, model.rng)
            if not seized:
                continue
            collected = seized.thin((1.0 - q) * c / removed_p, model.rng) if c > 0 else None
            if seized:
                model.record_possession(self.country, seized, b.end_user_case_size)
            if collected:
                model.ledger.flow_book(self.country, "collected", collected)
                model.seized += collected.by_category()
                model.record_surrenders(self.country, collected)
                self.collected_today.absorb(collected)
