"""What a successful trace leads to (000 ¶33-34, ¶53, ¶61, ¶119).

The seeds call tracing *central* because it identifies the illicit origin or point of
diversion (000 ¶33, ¶61) and feeds criminal investigations, whose general lack keeps
trafficking "a largely hidden phenomenon" (000 ¶34), export risk assessment (000 ¶53) and
knowledge of routes (000 ¶34, ¶119). :class:`TraceConsequences` turns each successful
trace into those three channels:

* **investigation** (000 ¶34): each case of weapons diverted from a stockpile in country
  ``o`` and traced in country ``s`` (one lot's successful traces in a step: weapons of one
  origin traced together) opens an investigation with probability
  ``behaviour.investigation_probability``; after ``behaviour.investigation_lag`` steps it
  raises the *route pressure* ``P[o, s] <- 1 - (1 - P)(1 - investigation_pressure)`` and,
  with ``behaviour.dismantle_probability``, dismantles one trafficker based in ``o``
  (arrested at once, with what it carries). ``P`` halves every
  ``behaviour.investigation_half_life`` steps. A trafficker based in ``o`` whose parcels
  are seized in, or who is bound for, ``s`` is arrested with ``1 - (1 -
  arrest_probability)(1 - P[o, s])``;
* **point of diversion** (000 ¶33, ¶61): a trace naming a stockpile acts on that stockpile
  (:meth:`flowsim.model.agents.StockpileAgent.act_on_trace`); a trace of a weapon diverted
  from an authorized transfer (end-user fraud, unauthorized re-export) acts on the export
  licensing of that exporter-importer pair (:meth:`flowsim.model.transfers.Transfers.
  record_finding`), not on the exporting factory;
* **route intelligence** (000 ¶20, ¶55, ¶119): the traced weapon's route, the least-cost
  path from ``o`` to ``s``, is shared with the regulators of the countries it enters as
  ``behaviour.trace_intelligence`` seizures' worth of perceived risk per traced weapon,
  weighted by information exchange as for seizures.

Whether tracing pays depends above all on ``investigation_probability``,
``investigation_pressure``, ``dismantle_probability``, ``trace_intelligence`` and the
export parameters (docs/odd.md §7.11b); all are assumptions, and the sensitivity study
(experiments/sensitivity.yaml) varies them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from flowsim.model.lots import MECHANISMS

if TYPE_CHECKING:
    from flowsim.model.flow_model import FlowModel

#: Mechanisms whose lots name the stockpile they were diverted from, in the lot's country.
STOCKPILE_MECHANISMS = frozenset(MECHANISMS.index(m) for m in (
    "theft", "loss", "insider", "battlefield_capture", "civilian_leakage"))
TRANSFER_MECHANISMS = frozenset(MECHANISMS.index(m) for m in ("transfer_fraud", "reexport"))


class TraceConsequences:
    """Investigations, points of diversion and route intelligence from successful traces."""

    def __init__(self, model: FlowModel):
        self.model = model
        n = len(model.country_ids)
        self.pressure = np.zeros((n, n))           # route pressure P[origin, traced in]
        self.pending: list[tuple[int, int, int, int]] = []   # (due step, o, s, count)
        b = model.scenario.behaviour
        self.fade = 0.5 ** (1.0 / b.investigation_half_life)
        self._routes: dict[int, list] = {}
        self.dismantled = 0
        self.opened = 0

    # --- called by the disposition, per successful trace ------------------------------
    def on_traces(self, traced: list[tuple[int, int, int, int, int]]) -> None:
        """``traced``: (origin country, traced in, mechanism, origin stockpile, weapons)
        for each lot with successful traces this step."""
        model = self.model
        b = model.scenario.behaviour
        acted_on: set[int] = set()
        for origin, where, mech, stockpile, n in traced:
            if mech in STOCKPILE_MECHANISMS:
                if stockpile not in acted_on:           # once per stockpile and step
                    acted_on.add(stockpile)
                    model.stockpile_list[stockpile].act_on_trace()
                # one case per traced lot (weapons of one origin traced together), not
                # one per weapon: investigations follow cases (000 ¶34)
                if model.rng.random() < b.investigation_probability:
                    self.opened += 1
                    self.pending.append((model.steps + b.investigation_lag, origin, where, 1))
            elif mech in TRANSFER_MECHANISMS:
                model.transfers.record_finding(stockpile, where, n)
            if b.trace_intelligence > 0 and origin != where:
                self._share_route(origin, where, b.trace_intelligence * n)

    def _share_route(self, origin: int, where: int, weight: float) -> None:
        route = self._routes.get(origin)
        if route is None:
            net = self.model.network
            route = self._routes[origin] = net.shortest(origin, net.travel_cost,
                                                        [0.0] * net.n)
        if route.reaches(where):
            self.model.share_route_intelligence(where, route.route(where).crossings, weight)

    # --- each step ----------------------------------------------------------------------
    def step(self) -> None:
        """Fade route pressure; investigations due this step raise it and may dismantle
        a trafficker based at the origin."""
        if self.pressure.any():
            self.pressure *= self.fade
        if not self.pending:
            return
        model, now = self.model, self.model.steps
        b = model.scenario.behaviour
        due = [p for p in self.pending if p[0] <= now]
        if not due:
            return
        self.pending = [p for p in self.pending if p[0] > now]
        for _, origin, where, n in due:
            self.pressure[origin, where] = 1.0 - (1.0 - self.pressure[origin, where]) * (
                1.0 - b.investigation_pressure) ** n
            for _ in range(int(model.rng.binomial(n, b.dismantle_probability))):
                self._dismantle(origin)

    def _dismantle(self, base: int) -> None:
        active = [t for t in self.model.trafficker_list
                  if t.base == base and t.arrested_for == 0]
        if active:
            target = active[int(self.model.rng.integers(len(active)))]
            self.dismantled += 1
            target.arrested(base)

    def arrest_probability(self, base: int, where: int, bound_for: int) -> float:
        """Arrest probability of a trafficker based in ``base`` whose parcels are seized
        in ``where`` on the way to ``bound_for``."""
        p = self.model.scenario.behaviour.arrest_probability
        pressure = max(self.pressure[base, where], self.pressure[base, bound_for])
        return 1.0 - (1.0 - p) * (1.0 - pressure) if pressure else p
