"""Arms embargoes in a running model (000 ¶9, ¶13, ¶28-29, ¶64, ¶102).

What an embargo is and its defaults: :mod:`flowsim.inputs.embargoes`. Each step, before
anything moves, :meth:`Embargoes.step` finds the embargoes in force and, for every directed
crossing into a target, sets the travel cost to its baseline x ``1 + cost_increase`` and the
crossing's ``embargo_inspection`` to ``extra_inspection + controls.embargo_monitoring`` of
the target (0 and the baseline cost when none is in force). Two small checks are called
from the places goods move, so they merge easily with changes there:

* :meth:`blocks` on each authorized transfer: a covered category to a target in force is
  not shipped (flow ``embargo_blocked`` in the target, the weapons stay with the exporter);
* :meth:`crossed` after each trafficker's border crossing: covered weapons that passed into
  a target in force are breaches (flow ``embargo_breach``), those seized there detected
  breaches (flow ``embargo_breach_seized``).

With no ``embargoes:`` in the scenario nothing here runs and no random number is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowsim.inputs.scenario import CATEGORIES
from flowsim.model.lots import LotBook

if TYPE_CHECKING:
    from flowsim.model.flow_model import FlowModel


class Embargoes:
    """The scenario's embargoes, bound to the model's countries and crossings."""

    def __init__(self, model: FlowModel):
        self.model = model
        index = model.scenario.country_index()
        net = model.network
        self.specs = [(e, index[e.target],
                       frozenset(CATEGORIES.index(c) for c in e.categories)
                       or frozenset(range(len(CATEGORIES))))
                      for e in model.scenario.embargoes]
        self.active = bool(self.specs)
        self.base_cost = list(net.travel_cost)
        self.entries = {c: [d for d in range(net.n) if int(net.dst[d]) == c]
                        for _, c, _ in self.specs}
        self.covered: dict[int, frozenset[int]] = {}     # in force now: target -> categories

    def step(self) -> None:
        """Which embargoes are in force this step; cost and inspection at their entries."""
        model, net = self.model, self.model.network
        covered: dict[int, frozenset[int]] = {}
        extra: dict[int, float] = {}
        factor: dict[int, float] = {}
        for e, country, cats in self.specs:
            if e.in_force(model.steps):
                covered[country] = covered.get(country, frozenset()) | cats
                extra[country] = extra.get(country, 0.0) + e.extra_inspection
                factor[country] = max(factor.get(country, 1.0), 1.0 + e.cost_increase)
        self.covered = covered
        for country, entries in self.entries.items():
            monitoring = model.controls[country].embargo_monitoring
            for d in entries:
                on = country in covered
                net.travel_cost[d] = self.base_cost[d] * (factor[country] if on else 1.0)
                model.borders[d].embargo_inspection = (
                    extra[country] + monitoring if on else 0.0)

    def blocks(self, country: int, category: int, n: int) -> bool:
        """Does an embargo in force stop ``n`` weapons of ``category`` transferred to
        ``country``? Records the blocked transfer when it does."""
        cats = self.covered.get(country)
        if cats is None or category not in cats:
            return False
        self.model.ledger.flow(country, "embargo_blocked", -1, category, n)
        return True

    def crossed(self, directed: int, passed: LotBook, seized: LotBook | None) -> None:
        """Record breaches: covered weapons trafficked across ``directed`` into a target."""
        country = int(self.model.network.dst[directed])
        cats = self.covered.get(country)
        if cats is None:
            return
        ledger = self.model.ledger
        for flow, book in (("embargo_breach", passed), ("embargo_breach_seized", seized)):
            if book is None:
                continue
            for k in cats:
                lots = book.cats[k]
                if lots:
                    ledger.flow_lots(country, flow, k, lots)
