"""The model's event log: flows, seizure events, border activity, tracing and prices.

Agents report what happens to the :class:`Ledger` as it happens; at the end of each step
the step's accumulated flows are written out as rows. :mod:`flowsim.outputs.tables` turns the
rows into tidy tables (schema in ``docs/outputs.md``).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import repeat
from operator import itemgetter

import numpy as np

from flowsim.model.lots import LotBook, LotKey

#: Flows between holder states, recorded per step, country, mechanism and category.
FLOWS = ("diverted", "reported_loss", "produced", "transferred", "trafficked", "seized_border",
         "seized_inland", "delivered", "collected", "destroyed", "reexported", "consumed",
         "embargo_blocked", "embargo_breach", "embargo_breach_seized", "parts_shipped",
         "parts_seized", "parts_assembled", "brokered", "brokering_stopped",
         "forgery_detected")

BORDER_FIELDS = ("parcels", "inspected", "detected", "bribed", "seized_parcels",
                 "weapons_passed", "weapons_seized", "rounds_passed", "rounds_seized")
TRACING_FIELDS = ("seized", "marked", "requests", "successes")
#: What happened to weapons that came into the authorities' hands, in the shape of 000 ¶32.
DISPOSITION_FIELDS = ("count", "marked", "recorded", "trace_requests", "traced_domestic",
                      "traced_foreign", "destroyed", "no_action")
DISPOSITION_SOURCES = ("seized", "collected")
#: Legal ground recorded for a seizure (000 ¶34).
LEGAL_GROUNDS = ("illicit_possession", "trafficking", "other")
_SEIZED_FLOW = {"border": "seized_border", "inland": "seized_inland"}


class Ledger:
    """Accumulates flows and events step by step."""

    def __init__(self, n_directed_crossings: int, n_countries: int):
        self.step = 0
        # this step's flows, (country, flow, mechanism, category) -> n; hot loops add to it
        self.flows: dict[tuple, int] = defaultdict(int)
        self._step_flows: list[tuple[int, dict]] = []   # finished steps, not yet rows
        self._flow_rows: list[tuple] = []
        # Seizure events, stored compactly: one header per event and three parallel lists
        # per seized lot; :attr:`seizure_rows` spells them out when asked.
        self._events: list[tuple] = []  # (step, country, place, place_type, mode, ground)
        self._lot_event: list[int] = []
        self._lot_key: list[LotKey] = []
        self._lot_n: list[int] = []
        self._lots_counted = 0                 # seized lots already in the flow rows
        self._seizure_rows: list[tuple] = []
        self.inspections: list[tuple] = []     # this step's (directed crossing, *BORDER_FIELDS)
        self.border_rows: list[tuple] = []     # (step, directed crossing, *BORDER_FIELDS)
        self.tracing = np.zeros((n_countries, len(TRACING_FIELDS)), dtype=np.int64)
        self.tracing_rows: list[tuple] = []    # (step, country, *TRACING_FIELDS)
        # (country, source, category) -> DISPOSITION_FIELDS, weapons only
        self.disposition = np.zeros((n_countries, len(DISPOSITION_SOURCES), 3,
                                     len(DISPOSITION_FIELDS)), dtype=np.int64)
        self.disposition_rows: list[tuple] = []  # (step, country, source, category, *fields)
        self.price_rows: list[tuple] = []      # (step, market, category, price, bought, wanted)
        self.end_user_rows: list[tuple] = []   # (step, country, category, held)
        self._n_directed = n_directed_crossings

    def flow(self, country: int, flow: str, mechanism: int, category: int, n: int) -> None:
        if n:
            self.flows[(country, flow, mechanism, category)] += int(n)

    def flow_book(self, country: int, flow: str, book: LotBook) -> None:
        for k, d in enumerate(book.cats):
            if d:
                self.flow_lots(country, flow, k, d)

    def flow_lots(self, country: int, flow: str, category: int, lots: dict[LotKey, int]
                  ) -> None:
        """:meth:`flow_book` for the lots of one category. The lots (nine on average) are
        summed by mechanism (three) first, in order of first appearance: the flow keys are
        added in the same order, at a third of the cost."""
        by_mechanism: dict[int, int] = {}
        get = by_mechanism.get
        for key, n in lots.items():
            m = key[1]
            by_mechanism[m] = get(m, 0) + n
        flows = self.flows
        for m, n in by_mechanism.items():
            flows[(country, flow, m, category)] += n

    def seizure(self, country: int, place: str, place_type: str, mode: str,
                book: LotBook, ground: int = 0) -> None:
        """Log a seizure event and its lots; counted in the ``seized_<place_type>`` flow.
        ``ground`` indexes :data:`LEGAL_GROUNDS`: the legal ground recorded for it."""
        event = len(self._events)
        self._events.append((self.step, country, place, place_type, mode, ground))
        for d in book.cats:
            if d:
                self._lot_key.extend(d)
                self._lot_n.extend(d.values())
                self._lot_event.extend(repeat(event, len(d)))

    @property
    def seizure_rows(self) -> list[tuple]:
        """One row per seized lot per event, laid out as ``outputs.SEIZURE_COLUMNS``."""
        done = len(self._seizure_rows)
        if done < len(self._lot_n):
            events = self._events
            self._seizure_rows.extend(
                (*events[e][:4], key[0], n, key[4], key[5], key[1], key[2], key[3],
                 events[e][4], LEGAL_GROUNDS[events[e][5]])
                for e, key, n in zip(self._lot_event[done:], self._lot_key[done:],
                                     self._lot_n[done:], strict=True))
        return self._seizure_rows

    @property
    def flow_rows(self) -> list[tuple]:
        """Flows of finished steps: ``(step, country, flow, mechanism, category, n)``.

        Built when asked, from the per-step tallies and the seizure log, in step order.
        """
        if self._step_flows or self._lots_counted < len(self._lot_n):
            seized: dict[tuple, int] = defaultdict(int)
            events, start = self._events, self._lots_counted
            for e, key, n in zip(self._lot_event[start:], self._lot_key[start:],
                                 self._lot_n[start:], strict=True):
                ev = events[e]
                seized[(ev[0], ev[1], _SEIZED_FLOW[ev[3]], key[1], key[0])] += n
            self._lots_counted = len(self._lot_n)
            new = [(s, *k, n) for s, flows in self._step_flows for k, n in flows.items()]
            new.extend((*k, n) for k, n in seized.items())
            new.sort(key=itemgetter(0))                  # by step
            self._flow_rows.extend(new)
            self._step_flows.clear()
        return self._flow_rows

    def end_step(self) -> None:
        s = self.step
        self._step_flows.append((s, self.flows))
        self.flows = defaultdict(int)
        if self.inspections:
            tally = np.zeros((self._n_directed, len(BORDER_FIELDS)), dtype=np.int64)
            done = np.array(self.inspections, dtype=np.int64)
            np.add.at(tally, done[:, 0], done[:, 1:])
            for d in np.flatnonzero(tally.any(axis=1)).tolist():
                self.border_rows.append((s, d, *tally[d].tolist()))
            self.inspections.clear()
        for c in np.flatnonzero(self.tracing.any(axis=1)):
            self.tracing_rows.append((s, int(c), *self.tracing[c].tolist()))
        self.tracing[:] = 0
        disp = self.disposition
        cells = np.argwhere(disp[..., 0])
        if len(cells):
            values = disp[tuple(cells.T)]
            self.disposition_rows.extend(
                (s, *cell, *row) for cell, row in zip(cells.tolist(), values.tolist(),
                                                      strict=True))
            disp[:] = 0
