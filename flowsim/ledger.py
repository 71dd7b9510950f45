"""The model's event log: flows, seizure events, border activity, tracing and prices.

Agents report what happens to the :class:`Ledger` as it happens; at the end of each step
the step's accumulated flows are written out as rows. :mod:`flowsim.outputs` turns the
rows into tidy tables (schema in ``docs/outputs.md``).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from flowsim.lots import LotBook

#: Flows between holder states, recorded per step, country, mechanism and category.
FLOWS = ("diverted", "reported_loss", "produced", "transferred", "trafficked", "seized_border",
         "seized_inland", "delivered", "collected", "destroyed")

BORDER_FIELDS = ("parcels", "inspected", "detected", "bribed", "seized_parcels",
                 "weapons_passed", "weapons_seized", "rounds_passed", "rounds_seized")
TRACING_FIELDS = ("seized", "marked", "requests", "successes")


class Ledger:
    """Accumulates flows and events step by step."""

    def __init__(self, n_directed_crossings: int, n_countries: int):
        self.step = 0
        self._flows: dict[tuple, int] = defaultdict(int)
        self.flow_rows: list[tuple] = []       # (step, country, flow, mechanism, category, n)
        self.seizure_rows: list[tuple] = []    # see outputs.SEIZURE_COLUMNS
        self.border = np.zeros((n_directed_crossings, len(BORDER_FIELDS)), dtype=np.int64)
        self.border_rows: list[tuple] = []     # (step, directed crossing, *BORDER_FIELDS)
        self.tracing = np.zeros((n_countries, len(TRACING_FIELDS)), dtype=np.int64)
        self.tracing_rows: list[tuple] = []    # (step, country, *TRACING_FIELDS)
        self.price_rows: list[tuple] = []      # (step, market, category, price, bought, wanted)
        self.end_user_rows: list[tuple] = []   # (step, country, category, held)

    def flow(self, country: int, flow: str, mechanism: int, category: int, n: int) -> None:
        if n:
            self._flows[(country, flow, mechanism, category)] += int(n)

    def flow_book(self, country: int, flow: str, book: LotBook) -> None:
        for key, n in book:
            self._flows[(country, flow, key.mechanism, key.category)] += n

    def seizure(self, country: int, place: str, place_type: str, mode: str,
                book: LotBook) -> None:
        """Log a seizure event per lot and count it in the ``seized_<place_type>`` flow."""
        flows, flow, step = self._flows, f"seized_{place_type}", self.step
        append = self.seizure_rows.append
        for key, n in book:
            append((step, country, place, place_type, key.category, n, key.marked,
                    key.recorded, key.mechanism, key.origin_country, key.origin_stockpile,
                    mode))
            flows[(country, flow, key.mechanism, key.category)] += n

    def end_step(self) -> None:
        s = self.step
        self.flow_rows.extend((s, *k, n) for k, n in self._flows.items())
        self._flows.clear()
        for d in np.flatnonzero(self.border.any(axis=1)):
            self.border_rows.append((s, int(d), *self.border[d].tolist()))
        self.border[:] = 0
        for c in np.flatnonzero(self.tracing.any(axis=1)):
            self.tracing_rows.append((s, int(c), *self.tracing[c].tolist()))
        self.tracing[:] = 0
