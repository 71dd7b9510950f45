"""Brokers: Mesa agents arranging bulk deals between a supplier and a distant buyer, with
forged end-user documentation, without touching the goods (000 ¶7, ¶17; 004 ¶29).

"Another means of diverting weapons from the legal to the illegal market is illicit
brokering, which is often facilitated by inadequate national legislation or shortcomings
in administrative procedures regulating the activities of those who engage in ... brokering"
(000 ¶7); brokering is among the areas where States most often ask for assistance (000
¶17) and national laws regulate it (004 ¶29). A broker sits in its base country and
arranges deals: it finds a supplier (a State stockpile whose weapons can be released on
forged end-user documents, 000 ¶6, ¶50-52) and a distant buyer (an end-user market in
another country), and the consignment travels from one to the other; the broker never
holds it and it never passes through the broker's base.

Each step a broker attempts ``Poisson(deals_per_year / s)`` deals. A deal is

1. stopped by the base country's brokering controls (registration, licensing) with
   probability ``controls.brokering_controls`` (flow ``brokering_stopped``, in the base);
2. else refused by the exporter, whose end-user verification sees through the forged
   documents with probability ``controls.end_user_verification x forgery_detection`` of
   the supplier's country (flow ``forgery_detected``, in the supplier's country);
3. else shipped: the consignment (as far as the stockpile holds it) leaves the stockpile,
   diverted with mechanism ``brokered`` in the supplier's country, and is delivered to the
   buyers in one bulk consignment (flow ``brokered`` in the buyers' country). Deals are
   kept in :attr:`BrokerAgent.deals`.

With no ``brokers:`` in the scenario no broker exists and no random number is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from flowsim.inputs.scenario import Broker
from flowsim.model.agents import draw_cells
from flowsim.model.lots import MECHANISMS, LotKey

if TYPE_CHECKING:
    from flowsim.model.agents import MarketAgent, StockpileAgent
    from flowsim.model.flow_model import FlowModel

BROKERED = MECHANISMS.index("brokered")


class BrokerAgent(Agent):
    """A broker in its base country, arranging deals it never carries (see the module)."""

    def __init__(self, model: FlowModel, spec: Broker, base: int, supplier: StockpileAgent,
                 market: MarketAgent):
        super().__init__(model)
        self.spec = spec
        self.base = base                   # where it is; it never moves
        self.supplier = supplier
        self.market = market
        self.rate = spec.deals_per_year / model.sim.steps_per_year
        self.consignment = spec.consignment.array().tolist()
        self.deals: list[tuple[int, int, int, list[int]]] = []  # (step, from, to, by cat)

    def step(self) -> None:
        for _ in range(int(self.model.rng.poisson(self.rate))):
            self._deal()

    def _deal(self) -> None:
        model, rng = self.model, self.model.rng
        ledger, src = model.ledger, self.supplier
        if rng.random() < model.controls[self.base].brokering_controls:
            for k, n in enumerate(self.consignment):
                ledger.flow(self.base, "brokering_stopped", BROKERED, k, n)
            return
        exporter = model.controls[src.country]
        if rng.random() < exporter.end_user_verification * self.spec.forgery_detection:
            for k, n in enumerate(self.consignment):
                ledger.flow(src.country, "forgery_detected", BROKERED, k, n)
            return
        shipped = [0, 0, 0, 0]
        for k, want in enumerate(self.consignment):
            if want <= 0:
                continue
            cells = draw_cells(src.holdings[k], want, rng)        # [marked, recorded], flat
            got = sum(cells)
            if not got:
                continue
            src.holdings[k] -= np.array(cells, dtype=np.int64).reshape(2, 2)
            for cell, count in enumerate(cells):
                if count:
                    self.market.capture(LotKey(k, BROKERED, src.country, src.index,
                                               cell > 1, bool(cell & 1)), count)
            ledger.flow(src.country, "diverted", BROKERED, k, got)
            ledger.flow(self.market.country, "brokered", BROKERED, k, got)
            shipped[k] = got
        if any(shipped):
            self.deals.append((model.steps, src.country, self.market.country, shipped))


def make_brokers(model: FlowModel) -> list[BrokerAgent]:
    """The scenario's brokers, bound to their base, supplier stockpile and buyers."""
    index = model.scenario.country_index()
    stock = {a.spec.id: a for a in model.stockpile_list}
    markets = {m.spec.id: m for m in model.market_list}
    return [BrokerAgent(model, b, index[b.base], stock[b.from_stockpile], markets[b.to_market])
            for b in model.scenario.brokers]
