"""Authorized transfers as consignments under export control (000 ¶6, ¶50-53, ¶65;
004 ¶26, ¶30).

Each step every authorized transfer (an exporter-importer pair, ``transfers`` in the
scenario) ships one consignment of ``Poisson(per_year / s)`` weapons per category. In order:

1. **embargo and licensing**: no weapon of a category an arms embargo in force covers is
   shipped to its target (:mod:`flowsim.model.embargoes`; the blocked weapons are the
   ``embargo_blocked`` flow); then the exporter's risk assessment
   (:meth:`Transfers.licence_denied`) denies the licence with probability
   ``controls.export_risk_assessment`` of the exporter x the pair's diversion record ``R``
   (000 ¶50, ¶53; 004 ¶26 is a denial case). A denied or blocked consignment stays in the
   exporting stockpile.
2. **diversion of the consignment** (:meth:`Transfers.ship`): the whole consignment, or
   the share ``mechanisms.consignment_share`` of it, is diverted by end-user fraud with
   probability ``mechanisms.transfer_fraud x (1 - exporter end_user_verification) x (1 -
   importer end_use_checks)`` into the importer's illicit market, else re-exported without
   authorization with ``mechanisms.reexport x (1 - exporter post_shipment_checks) x (1 -
   importer end_use_checks)`` to a third State (the importer's neighbours other than the
   exporter's country, or ``transfers.reexport_to``). The rest is delivered.
3. **importer controls** (004 ¶30): delivered and re-exported weapons (both have passed
   the importer's customs) that bear no marking are marked on import with
   ``controls.import_marking`` of the importer, so they can be traced later.
4. **findings** (000 ¶53): a re-exported consignment is found by the exporter's
   post-shipment verification with probability ``controls.post_shipment_checks``; a
   finding, and every successful trace of a weapon diverted from the pair
   (:mod:`flowsim.model.consequences`), raises ``R <- R + behaviour.export_finding_weight
   x (1 - R)``. ``R`` starts at ``transfers.diversion_record``.

At the default rates and controls a consignment is diverted with probability 0.15 x 0.7 +
(1 - 0.105) x 0.08 x 0.9 = 0.17, the share the former per-weapon model diverted: an
assumption, the seeds give no rate. Whole consignments make the flows lumpier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from flowsim.model.agents import draw_cells
from flowsim.model.lots import MECHANISMS, LotKey

if TYPE_CHECKING:
    from flowsim.model.agents import StockpileAgent
    from flowsim.model.flow_model import FlowModel

_FRAUD, _REEXPORT = MECHANISMS.index("transfer_fraud"), MECHANISMS.index("reexport")


@dataclass
class Pair:
    """One authorized transfer: exporter stockpile, importing stockpile and its state."""

    src: StockpileAgent
    dest: StockpileAgent
    rate: np.ndarray                 # weapons per step by category
    third: list[int]                 # where unauthorized re-exports go on to
    record: float = 0.0              # the pair's diversion record R, in [0, 1]


class Transfers:
    """The scenario's authorized transfers, shipped as consignments each step."""

    def __init__(self, model: FlowModel):
        self.model = model
        by_id = {a.spec.id: a for a in model.stockpile_list}
        index = model.scenario.country_index()
        graph = model.scenario.graph()
        self.pairs: list[Pair] = []
        for tr in model.scenario.transfers:
            dest_country = index[tr.to_country]
            if tr.to_stockpile:
                dest = by_id[tr.to_stockpile]
            else:
                dest = next(a for a in model.stockpile_list if a.country == dest_country
                            and a.spec.owner != "civilian_licensed")
            src = by_id[tr.from_stockpile]
            self.pairs.append(Pair(src, dest, model.sim.per_step_count(tr.per_year.array()),
                                   self._third_states(tr, src.country, dest_country, graph,
                                                      index), tr.diversion_record))
        self.denied = np.zeros(4, dtype=np.int64)        # weapons in denied consignments
        self.findings = 0

    def _third_states(self, tr, exporter: int, importer: int, graph, index) -> list[int]:
        """Where weapons re-exported without authorization go on to (000 ¶65; 004 ¶26)."""
        if tr.reexport_to:
            return [index[c] for c in tr.reexport_to]
        ids = self.model.country_ids
        near = sorted(index[c] for c in graph.neighbors(ids[importer]))
        near = [c for c in near if c != exporter]
        return near or [c for c in range(len(ids)) if c not in (exporter, importer)] or [
            importer]

    def step(self) -> None:
        for pair in self.pairs:
            self.ship(pair)

    def licence_denied(self, pair: Pair) -> bool:
        """The exporter's risk assessment denies this step's licence (000 ¶50, ¶53)."""
        p = self.model.controls[pair.src.country].export_risk_assessment * pair.record
        return p > 0 and self.model.rng.random() < p

    def ship(self, pair: Pair) -> None:
        """One consignment: licensing, diversion of the consignment, import marking."""
        model, rng = self.model, self.model.rng
        # scalar draws: numpy's poisson of an array draws the same numbers element by
        # element, at several times the cost for four categories
        poisson = rng.poisson
        counts = [poisson(lam) for lam in pair.rate.tolist()]
        if not any(counts):
            return
        if model.embargoes.active:
            for k, n in enumerate(counts):
                if n and model.embargoes.blocks(pair.dest.country, k, n):
                    counts[k] = 0
            if not any(counts):
                return
        if self.licence_denied(pair):
            self.denied += counts
            return
        src, dest = pair.src, pair.dest
        exporter, importer = model.controls[src.country], model.controls[dest.country]
        m = model.scenario.mechanisms
        p_fraud = m.transfer_fraud * (1 - exporter.end_user_verification) * (
            1 - importer.end_use_checks)
        p_reexport = m.reexport * (1 - exporter.post_shipment_checks) * (
            1 - importer.end_use_checks)
        u = rng.random()
        fate = _FRAUD if u < p_fraud else (
            _REEXPORT if u < p_fraud + (1 - p_fraud) * p_reexport else None)
        to = None
        if fate == _REEXPORT:
            third = pair.third
            to = third[int(rng.integers(len(third)))] if len(third) > 1 else third[0]
            if rng.random() < exporter.post_shipment_checks:      # found on verification
                self.record_pair(pair)
        mark = importer.import_marking
        for k, n in enumerate(counts):
            if n:
                self._consignment(pair, k, n, fate, to, mark, m.consignment_share)

    def _consignment(self, pair: Pair, k: int, n: int, fate: int | None, to: int | None,
                     mark: float, share: float) -> None:
        """Move ``n`` weapons of category ``k``: the diverted share to the illicit market of
        the importer (fraud) or of ``to`` (re-export), the rest into the importer's stocks."""
        model, rng = self.model, self.model.rng
        src, dest, ledger = pair.src, pair.dest, model.ledger
        cells = draw_cells(src.holdings[k], n, rng)       # [unmarked, marked] x [unrec, rec]
        src.holdings[k] -= np.array(cells, dtype=np.int64).reshape(2, 2)
        ledger.flow(src.country, "transferred", -1, k, sum(cells))
        # an empty cell draws nothing (numpy's binomial of 0 trials uses no random number)
        diverted = ([int(rng.binomial(c, share)) if c else 0 for c in cells]
                    if fate is not None else [0, 0, 0, 0])
        if fate != _FRAUD and mark > 0:          # through the importer's customs: marked
            cells, diverted = _mark_on_import(cells, diverted, mark, rng)
        dest.holdings[k] += np.array([c - d for c, d in zip(cells, diverted, strict=True)],
                                     dtype=np.int64).reshape(2, 2)
        total = sum(diverted)
        if not total:
            return
        market = model.black_market[dest.country if fate == _FRAUD else to]
        for cell, count in enumerate(diverted):
            if count:
                market.add(LotKey(k, fate, src.country, src.index, cell > 1, bool(cell & 1)),
                           count)
        ledger.flow(dest.country, "diverted", fate, k, total)
        if fate == _REEXPORT:
            ledger.flow(to, "reexported", fate, k, total)

    # --- findings ------------------------------------------------------------------------
    def record_pair(self, pair: Pair) -> None:
        """A finding against this pair raises its diversion record (000 ¶53)."""
        w = self.model.scenario.behaviour.export_finding_weight
        pair.record += w * (1.0 - pair.record)
        self.findings += 1

    def record_finding(self, stockpile: int, traced_in: int, n: int) -> None:
        """A successful trace of ``n`` weapons diverted from a transfer out of ``stockpile``
        (000 ¶33, ¶61): the trace names the exporter's licence; the pair is the one into
        the country where the weapon was traced if there is one, else every pair from
        that stockpile (the lot does not keep the importer)."""
        from_here = [p for p in self.pairs if p.src.index == stockpile]
        into = [p for p in from_here if p.dest.country == traced_in] or from_here
        for pair in into:
            self.record_pair(pair)


def _mark_on_import(cells: list[int], diverted: list[int], mark: float,
                    rng: np.random.Generator) -> tuple[list[int], list[int]]:
    """Mark each unmarked weapon with probability ``mark`` (004 ¶30): cells are ``marked *
    2 + recorded``; what is diverted keeps its share of the newly marked."""
    cells, diverted = list(cells), list(diverted)
    for rec in (0, 1):
        unmarked, div = cells[rec], diverted[rec]
        new = int(rng.binomial(unmarked, mark)) if unmarked else 0
        if not new:
            continue
        new_div = int(rng.hypergeometric(div, unmarked - div, new)) if div else 0
        cells[rec] -= new
        cells[2 + rec] += new
        diverted[rec] -= new_div
        diverted[2 + rec] += new_div
    return cells, diverted
