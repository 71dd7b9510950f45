"""Leakage from every stockpile, drawn in one go.

Each stockpile leaks through the mechanisms its owner is exposed to, at the rates
:meth:`flowsim.agents.StockpileAgent.annual_rates` gives (theft, loss, insider theft,
battlefield capture, civilian leakage; 000 ¶6; 001 ¶11; 004 ¶25). Stockpiles leak
independently, so their draws are made together: one multinomial over every (stockpile,
category, marked/recorded cell) and one binomial for which recorded losses are reported.
That is the same law as drawing each stockpile alone, without paying numpy's per-call
cost a dozen times a step. Weapons captured in battle go straight to the country's armed
groups when there are any (000 ¶6; :meth:`MarketAgent.capture`), everything else to its
local illicit sellers (the black market). The stockpiles' holdings live in one array here; each
:class:`~flowsim.agents.StockpileAgent` keeps a view of its own row.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from flowsim.model.ammunition import category_factors
from flowsim.model.lots import MECHANISMS, LotKey

if TYPE_CHECKING:
    from flowsim.model.agents import StockpileAgent
    from flowsim.model.flow_model import FlowModel


class Leakage:
    """Holdings of all stockpiles, ``[stockpile, category, marked, recorded]``, and their
    leakage into the black market of the stockpile's country."""

    def __init__(self, model: FlowModel, stockpiles: list[StockpileAgent]):
        self.model = model
        self.stockpiles = stockpiles
        n = len(stockpiles)
        self.holdings = np.zeros((n, 4, 2, 2), dtype=np.int64)
        self.surplus = np.zeros((n, 4), dtype=np.int64)
        for i, s in enumerate(stockpiles):       # the agents keep views of their rows
            self.holdings[i] = s.holdings
            s.holdings = self.holdings[i]
            self.surplus[i] = s.surplus
            s.surplus = self.surplus[i]
        # mechanism slots: stockpile i uses the first len(mechanisms) of `slots`
        self.slots = max((len(s.mechanisms) for s in stockpiles), default=1)
        self.cap = np.array([1.0 / len(s.mechanisms) for s in stockpiles])[:, None, None]
        self.default_record = [s.spec.record_keeping for s in stockpiles]
        # lot key of each (stockpile, category, cell = marked * 2 + recorded, slot), flat
        self.keys = [LotKey(cat, s.mechanisms[j], s.country, s.index, cell > 1, bool(cell & 1))
                     if j < len(s.mechanisms) else None
                     for s in stockpiles for cat in range(4) for cell in range(4)
                     for j in range(self.slots)]
        self._index_slots([None] * len(self.keys))     # no captors until bind_captors
        # flow keys of each (stockpile, category, slot): diverted, reported loss
        self.flow_keys = [((s.country, "diverted", s.mechanisms[j], cat),
                           (s.country, "reported_loss", s.mechanisms[j], cat))
                          if j < len(s.mechanisms) else None
                          for s in stockpiles for cat in range(4) for j in range(self.slots)]

    def bind_captors(self, markets_in: list[list]) -> None:
        """Route battlefield capture to the armed groups of the stockpile's country."""
        captors = []
        for key in self.keys:
            takers = None
            if key is not None and MECHANISMS[key[1]] == "battlefield_capture":
                takers = [m for m in markets_in[key[2]]         # active armed groups
                          if m.behaviour.battlefield_capture and m.demand.any()] or None
            captors.append(takers)
        self._index_slots(captors)

    def _index_slots(self, captors: list) -> None:
        """What the hot loop of :meth:`step` reads per slot, in one tuple: lot key,
        category, country, armed groups taking battlefield captures (None: no taker)."""
        self.slot_info = [(key, key[0], key[2], takers) if key is not None else None
                          for key, takers in zip(self.keys, captors, strict=True)]

    def step(self) -> None:
        """Leak weapons from every stockpile into its country's black market."""
        if not self.stockpiles:
            return
        model, rng, h = self.model, self.model.rng, self.holdings
        n, slots = len(self.stockpiles), self.slots
        totals = h.sum(axis=(1, 2, 3)).tolist()
        recorded = h[:, :, :, 1].sum(axis=(1, 2)).tolist()
        annual = []
        for s, t, r, default in zip(self.stockpiles, totals, recorded, self.default_record,
                                    strict=True):
            rates = s.annual_rates(r / t if t else default)
            annual.append(rates + [0.0] * (slots - len(rates)))
        factors = category_factors(self.stockpiles,
                                   model.scenario.mechanisms.category_factor.array())
        p = model.sim.per_step_probability(
            np.minimum(np.array(annual)[:, None, :] * factors[:, :, None], 1.0))
        p = np.minimum(p, self.cap)                            # keep a valid distribution
        pvals = np.concatenate([p, 1.0 - p.sum(axis=2, keepdims=True)], axis=2)
        drawn = rng.multinomial(h.reshape(n, 4, 4), pvals[:, :, None, :])
        leaked = drawn[..., :-1]                               # (stockpile, cat, cell, slot)
        hit = np.flatnonzero(leaked)
        if not len(hit):
            return
        h -= leaked.sum(axis=3).reshape(n, 4, 2, 2)
        np.minimum(self.surplus, h.sum(axis=(2, 3)), out=self.surplus)
        markets, slot_info = model.black_market, self.slot_info
        for i, count in zip(hit.tolist(), leaked.ravel()[hit].tolist(), strict=True):
            key, k, country, takers = slot_info[i]
            if takers is not None:
                taker = takers[0] if len(takers) == 1 else takers[
                    int(rng.integers(len(takers)))]
                taker.capture(key, count)
                continue
            book = markets[country]
            d = book.cats[k]
            d[key] = d.get(key, 0) + count
            book.totals[k] += count
        # recorded losses are reported if an audit comes within the year (000 ¶60)
        by_mech = leaked.sum(axis=2)                           # (stockpile, cat, slot)
        recorded_lost = leaked[:, :, 1::2, :].sum(axis=2)      # cells with recorded = 1
        found = np.array([1.0 - math.exp(-s.audits_per_year) for s in self.stockpiles])
        reported = rng.binomial(recorded_lost, found[:, None, None])
        flows, flow_keys = model.ledger.flows, self.flow_keys
        lost = np.flatnonzero(by_mech)
        for i, n_div, n_rep in zip(lost.tolist(), by_mech.ravel()[lost].tolist(),
                                   reported.ravel()[lost].tolist(), strict=True):
            diverted, reported_loss = flow_keys[i]
            flows[diverted] += n_div
            if n_rep:
                flows[reported_loss] += n_rep
