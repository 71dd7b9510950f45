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
         "seized_inland", "delivered", "collected", "destroyed")

BORDER_FIELDS = ("parcels", "inspected", "detected", "bribed", "seized_parcels",
                 "weapons_passed", "weapons_seized", "rounds_passed", "rounds_seized")
TRACING_FIELDS = ("seized", "marked", "requests", "successes")
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
        self._events: list[tuple] = []         # (step, country, place, place_type, mode)
        self._lot_event: list[int] = []
        self._lot_key: list[LotKey] = []
        self._lot_n: list[int] = []
        self._lots_counted = 0                 # seized lots already in the flow rows
        self._seizure_rows: list[tuple] = []
        self.inspections: list[tuple] = []     # this step's (directed crossing, *BORDER_FIELDS)
        self.border_rows: list[tuple] = []     # (step, directed crossing, *BORDER_FIELDS)
        self.tracing = np.zeros((n_countries, len(TRACING_FIELDS)), dtype=np.int64)
        self.tracing_rows: list[tuple] = []    # (step, country, *TRACING_FIELDS)
        self.price_rows: list[tuple] = []      # (step, market, category, price, bought, wanted)
        self.end_user_rows: list[tuple] = []   # (step, country, category, held)
        self._n_directed = n_directed_crossings

    def flow(self, country: int, flow: str, mechanism: int, category: int, n: int) -> None:
        if n:
            self.flows[(country, flow, mechanism, category)] += int(n)

    def flow_book(self, country: int, flow: str, book: LotBook) -> None:
        flows = self.flows
        for k, d in enumerate(book.cats):
            for key, n in d.items():
                flows[(country, flow, key[1], k)] += n

    def seizure(self, country: int, place: str, place_type: str, mode: str,
                book: LotBook) -> None:
        """Log a seizure event and its lots; counted in the ``seized_<place_type>`` flow."""
        event = len(self._events)
        self._events.append((self.step, country, place, place_type, mode))
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
                 events[e][4])
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
