"""The model's event log: flows, seizure cases, border activity, tracing and prices.

Agents report what happens to the :class:`Ledger` as it happens; at the end of each step
the step's accumulated flows are written out as rows. Every row is a named record
(:class:`FlowRecord`, :class:`SeizureRecord`, ...: ``typing.NamedTuple``), read by name
(``row.weapons_passed``), never by position. :mod:`flowsim.outputs.tables` turns the rows
into tidy tables; every table and column, with units, is in ``docs/outputs.md``, generated
from :mod:`flowsim.outputs.schema`. Seizure events and their legal ground: 000 ¶32-34.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import chain, repeat
from operator import itemgetter
from typing import NamedTuple

import numpy as np

from flowsim.model.cases import DrawnCases
from flowsim.model.lots import AMMUNITION, MECHANISMS, N_CAT, LotBook, LotKey

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
LEGAL_GROUNDS = ("illicit_possession", "trafficking", "other", "none")
NO_GROUND = 3                     # collection: weapons surrendered, no legal ground
#: Who took the weapons of a case: border officials, inland police, or collection
#: (surrender, amnesty, DDR; not a seizure).
AGENCIES = ("border", "inland_police", "collection")
_SEIZED_FLOWS = ("seized_border", "seized_inland")          # by a case's place type:
_SEIZED_FLOW_INDEX = {"border": 0, "inland": 1}
#: ``new_record(Record, values)`` makes a named record as ``Record(*values)`` does, without the
#: Python-level ``__new__`` call (records made every step; the fields are not checked: the
#: callers give exactly the record's fields)
new_record = tuple.__new__


# --- the records the model hands to the outputs (indices are into the model's lists) ---------
class FlowRecord(NamedTuple):
    """Weapons (rounds for ammunition) that moved between holder states in one step."""

    step: int
    country: int            # index into model.country_ids
    flow: str               # one of FLOWS
    mechanism: int          # index into lots.MECHANISMS, -1: none
    category: int           # index into inputs.scenario.CATEGORIES
    count: int


class SeizureRecord(NamedTuple):
    """One seized lot of one seizure event."""

    step: int
    country: int            # seizing country, index into model.country_ids
    place: str              # crossing id or "inland"
    place_type: str         # "border" or "inland"
    category: int           # index into CATEGORIES
    count: int
    marked: bool
    recorded: bool
    mechanism: int          # index into MECHANISMS, -1: pre-existing holdings
    origin_country: int     # index into model.country_ids, -1: unknown
    origin_stockpile: int   # index into model.stockpile_list, -1: none
    mode: str               # ant, bulk, postal or none
    legal_ground: str       # one of LEGAL_GROUNDS
    case_id: int            # the case (index into the ledger's cases)


class CaseRecord(NamedTuple):
    """One case: a seizure (border or inland police) or a surrender (collection)."""

    case_id: int
    step: int
    country: int            # index into model.country_ids
    place: str              # crossing id or "inland"
    place_type: str         # "border" or "inland"
    agency: str             # one of AGENCIES
    mode: str               # ant, bulk, postal or none
    legal_ground: str       # one of LEGAL_GROUNDS
    weapons: int            # the case's size in weapons (ammunition excluded)
    rounds: int             # and in rounds of ammunition


class BorderRecord(NamedTuple):
    """Activity at one directed crossing in one step (BORDER_FIELDS after the key)."""

    step: int
    directed: int           # directed crossing, index into model.network
    parcels: int
    inspected: int
    detected: int
    bribed: int
    seized_parcels: int
    weapons_passed: int
    weapons_seized: int
    rounds_passed: int
    rounds_seized: int


class TracingRecord(NamedTuple):
    """Tracing of one country's seized weapons in one step (TRACING_FIELDS after the key)."""

    step: int
    country: int
    seized: int
    marked: int
    requests: int
    successes: int


class DispositionRecord(NamedTuple):
    """What was done with weapons that came into the authorities' hands (000 ¶32)."""

    step: int
    country: int
    source: int             # index into DISPOSITION_SOURCES
    category: int           # index into CATEGORIES (weapons only)
    count: int
    marked: int
    recorded: int
    trace_requests: int
    traced_domestic: int
    traced_foreign: int
    destroyed: int
    no_action: int


class PriceRecord(NamedTuple):
    """A black market's price and trade in one category and step."""

    step: int
    market: int             # index into model.market_list
    category: int
    price: float            # USD per weapon (per round for ammunition)
    bought: int
    demand: float           # weapons wanted this step


class EndUserRecord(NamedTuple):
    """Illicit weapons held by a country's end users at the end of a step."""

    step: int
    country: int
    category: int
    count: int


assert BorderRecord._fields[2:] == BORDER_FIELDS
assert TracingRecord._fields[2:] == TRACING_FIELDS
assert DispositionRecord._fields[4:] == DISPOSITION_FIELDS


class Ledger:
    """Accumulates flows and events step by step."""

    def __init__(self, n_directed_crossings: int, n_countries: int):
        self.step = 0
        # this step's flows, (country, flow, mechanism, category) -> n; hot loops add to it
        self.flows: dict[tuple, int] = defaultdict(int)
        self._step_flows: list[tuple[int, dict]] = []   # finished steps, not yet rows
        self._flow_rows: list[tuple] = []
        # Cases (seizures and surrenders), stored compactly: one header per case and three
        # parallel lists per seized lot; :attr:`seizure_rows` spells them out when asked.
        # A case's index in ``_events`` is its case id.
        self._events: list[tuple] = []  # (step, country, place, place_type, mode, ground,
        #                                  agency)
        # collection cases: (first case id, weapons of each, rounds of each); no lots logged
        self._surrendered: list[tuple[int, list[int], list[int]]] = []
        self._lot_event: list[int] = []
        self._lot_key: list[LotKey] = []
        self._lot_n: list[int] = []
        # possession cases drawn but not yet cut (:meth:`possession_cases`): (the draws,
        # the books' countries, the ground's probability, the step, where their lot rows go)
        self._uncut: list[tuple[DrawnCases, list[int], float, int, int]] = []
        self._counts: tuple[tuple, list] | None = None          # flow_counts, kept
        self._lots_counted = 0                 # seized lots already in the flow rows
        self._seizure_rows: list[SeizureRecord] = []
        self.inspections: list[tuple] = []     # this step's (directed crossing, *BORDER_FIELDS)
        self.border_rows: list[BorderRecord] = []
        self.tracing = np.zeros((n_countries, len(TRACING_FIELDS)), dtype=np.int64)
        self.tracing_rows: list[TracingRecord] = []
        # (country, source, category) -> DISPOSITION_FIELDS, weapons only
        self.disposition = np.zeros((n_countries, len(DISPOSITION_SOURCES), 3,
                                     len(DISPOSITION_FIELDS)), dtype=np.int64)
        self.disposition_rows: list[DispositionRecord] = []
        self.price_rows: list[PriceRecord] = []
        self.end_user_rows: list[EndUserRecord] = []
        self._n_directed = n_directed_crossings
        self._n_countries = n_countries

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
        added in the same order, at a third of the cost. (A membership test and ``+=`` beat
        ``dict.get``'s method call here.)"""
        by_mechanism: dict[int, int] = {}
        for key, n in lots.items():
            m = key[1]
            if m in by_mechanism:
                by_mechanism[m] += n
            else:
                by_mechanism[m] = n
        flows = self.flows
        for m, n in by_mechanism.items():
            flows[(country, flow, m, category)] += n

    def seizure(self, country: int, place: str, place_type: str, mode: str,
                book: LotBook, ground: int = 0) -> None:
        """Log a seizure case and its lots; counted in the ``seized_<place_type>`` flow.
        ``ground`` indexes :data:`LEGAL_GROUNDS`: the legal ground recorded for it."""
        event = len(self._events)
        self._events.append((self.step, country, place, place_type, mode, ground,
                             0 if place_type == "border" else 1))
        for d in book.cats:
            if d:
                self._lot_key.extend(d)
                self._lot_n.extend(d.values())
                self._lot_event.extend(repeat(event, len(d)))

    @property
    def n_cases(self) -> int:
        """Cases logged so far: the next case's id."""
        return len(self._events)

    def possession_cases(self, drawn: DrawnCases, countries: list[int],
                         other_ground: float) -> None:
        """Log individual inland cases, drawn (:meth:`flowsim.model.cases.CaseBatch.draw`,
        ``start`` = :attr:`n_cases`, with ``grounds``) from books seized in ``countries``
        (one per book): each case's legal ground is other grounds if its uniform is below
        ``other_ground``, else illicit possession. Their ids are taken now; they are cut
        into lot rows when the cases are first read (:meth:`_cut`), in their place among
        the other cases' rows."""
        self._events.extend(repeat(None, len(drawn.grounds)))    # headers filled when cut
        self._uncut.append((drawn, countries, other_ground, self.step, len(self._lot_n)))

    def _cut(self) -> None:
        """Cut the possession cases logged but not yet cut, and put their headers and lot
        rows in their place: the same rows, in the same order, as if they had been cut
        when logged."""
        if not self._uncut:
            return
        events = self._events
        at = self._uncut[0][4]                       # rows before the first are untouched
        tails = (self._lot_key[at:], self._lot_n[at:], self._lot_event[at:])
        del self._lot_key[at:], self._lot_n[at:], self._lot_event[at:]
        for drawn, countries, other, step, pos in self._uncut:
            sizes, book_of, case, keys, counts = drawn.cut()
            grounds = [2 if u < other else 0 for u in drawn.grounds]
            heads = {(c, g): (step, c, "inland", "inland", "none", g, 1)   # shared, not
                     for c in set(countries) for g in set(grounds)}         # copied
            first = drawn.start
            events[first:first + len(sizes)] = map(
                heads.__getitem__, zip([countries[i] for i in book_of], grounds, strict=True))
            rest = pos - at                          # other cases' rows before these
            for mine, tail, new in zip((self._lot_key, self._lot_n, self._lot_event), tails,
                                       (keys, counts, case), strict=True):
                mine += tail[:rest]
                mine += new
            tails = tuple(t[rest:] for t in tails)
            at = pos
        for mine, tail in zip((self._lot_key, self._lot_n, self._lot_event), tails,
                              strict=True):
            mine += tail
        self._uncut.clear()

    def surrenders(self, country: int, weapons: list[int], rounds: list[int]) -> None:
        """Log collection cases (surrenders): sizes only, no lots (weapons collected are in
        the ``collected`` flow, not in ``seizures.csv``)."""
        head = (self.step, country, "inland", "inland", "none", NO_GROUND, 2)
        first = len(self._events)
        self._surrendered.append((first, weapons, rounds))
        self._events.extend([head] * len(weapons))

    @property
    def case_rows(self) -> list[CaseRecord]:
        """One :class:`CaseRecord` per case (:meth:`case_columns`, row by row)."""
        return list(map(CaseRecord._make, zip(*self.case_columns().values(), strict=True)))

    def case_columns(self) -> dict[str, list]:
        """:attr:`case_rows` as columns (``CaseRecord`` field -> list), made without a
        record per case: what a table is built from."""
        self._cut()
        events, n = self._events, len(self._events)
        counts = np.fromiter(self._lot_n, np.int64, len(self._lot_n))
        event = np.fromiter(self._lot_event, np.int64, len(self._lot_event))
        ammo = np.fromiter(map(itemgetter(0), self._lot_key), np.int64, len(counts)) == AMMUNITION
        weapons = np.zeros(n, dtype=np.int64)
        rounds = np.zeros(n, dtype=np.int64)
        np.add.at(weapons, event[~ammo], counts[~ammo])
        np.add.at(rounds, event[ammo], counts[ammo])
        for first, w, r in self._surrendered:
            weapons[first:first + len(w)] = w
            rounds[first:first + len(r)] = r
        col = [list(map(itemgetter(i), events)) for i in range(7)]
        return {"case_id": list(range(n)), "step": col[0], "country": col[1],
                "place": col[2], "place_type": col[3],
                "agency": list(map(AGENCIES.__getitem__, col[6])), "mode": col[4],
                "legal_ground": list(map(LEGAL_GROUNDS.__getitem__, col[5])),
                "weapons": weapons.tolist(), "rounds": rounds.tolist()}

    def seizure_columns(self) -> dict[str, list]:
        """:attr:`seizure_rows` as columns (``SeizureRecord`` field -> list), made without
        a record per lot: what a table is built from."""
        self._cut()
        heads = list(map(self._events.__getitem__, self._lot_event))

        def head(i: int) -> list:
            return list(map(itemgetter(i), heads))

        def key(i: int) -> list:
            return list(map(itemgetter(i), self._lot_key))

        return {"step": head(0), "country": head(1), "place": head(2),
                "place_type": head(3), "category": key(0), "count": list(self._lot_n),
                "marked": key(4), "recorded": key(5), "mechanism": key(1),
                "origin_country": key(2), "origin_stockpile": key(3), "mode": head(4),
                "legal_ground": list(map(LEGAL_GROUNDS.__getitem__, head(5))),
                "case_id": list(self._lot_event)}

    @property
    def seizure_rows(self) -> list[SeizureRecord]:
        """One :class:`SeizureRecord` per seized lot per case."""
        self._cut()
        done = len(self._seizure_rows)
        if done < len(self._lot_n):
            events = self._events
            self._seizure_rows.extend(
                SeizureRecord(*events[e][:4], key[0], n, key[4], key[5], key[1], key[2],
                              key[3], events[e][4], LEGAL_GROUNDS[events[e][5]], e)
                for e, key, n in zip(self._lot_event[done:], self._lot_key[done:],
                                     self._lot_n[done:], strict=True))
        return self._seizure_rows

    @property
    def flow_counts(self) -> list[FlowRecord]:
        """The numbers of :attr:`flow_rows` without cutting the possession cases not yet
        cut: the same rows, except that those cases' seized weapons come summed per (step,
        country, mechanism, category) from their books, so the rows may come in another
        order and split otherwise. For sums over flows (:func:`flowsim.outputs.metrics
        .run_totals`, ``series``): a run whose cases nobody reads does not pay for cutting
        them. Kept until something more is logged (a shared list, as :attr:`flow_rows`:
        read it, do not change it)."""
        if not self._uncut:
            return self.flow_rows
        state = (len(self._flow_rows), len(self._step_flows), len(self._lot_n),
                 len(self._uncut))
        if self._counts is not None and self._counts[0] == state:
            return self._counts[1]
        start = self._lots_counted
        rows = list(self._flow_rows)
        rows.extend(FlowRecord(s, *k, n) for s, flows in self._step_flows
                    for k, n in flows.items())
        rows.extend(map(FlowRecord._make, self._seized_flows(
            self._lot_event[start:], self._lot_key[start:], self._lot_n[start:])))
        uncut: dict[tuple, int] = defaultdict(int)
        for drawn, countries, _, step, _ in self._uncut:
            for tables, country in zip(drawn.books, countries, strict=True):
                for key, n in chain.from_iterable(d.items() for d in tables):
                    uncut[(step, country, "seized_inland", key[1], key[0])] += n
        rows.extend(FlowRecord(*k, n) for k, n in uncut.items())
        self._counts = (state, rows)
        return rows

    @property
    def flow_rows(self) -> list[FlowRecord]:
        """Flows of finished steps, one :class:`FlowRecord` per (step, country, flow,
        mechanism, category).

        Built when asked, from the per-step tallies and the seizure log, in step order.
        """
        self._cut()
        if self._step_flows or self._lots_counted < len(self._lot_n):
            start = self._lots_counted
            seized = self._seized_flows(self._lot_event[start:], self._lot_key[start:],
                                        self._lot_n[start:])
            self._lots_counted = len(self._lot_n)
            new = [FlowRecord(s, *k, n) for s, flows in self._step_flows
                   for k, n in flows.items()]
            new.extend(map(FlowRecord._make, seized))
            new.sort(key=itemgetter(0))                  # by step
            self._flow_rows.extend(new)
            self._step_flows.clear()
        return self._flow_rows

    def _seized_flows(self, event: list[int], keys: list[LotKey], counts: list[int]
                      ) -> list[tuple]:
        """The seized lots ``(event, key, count)`` summed per (step, country, seized flow,
        mechanism, category): ``(step, country, flow, mechanism, category, count)`` rows in
        the order each first appears among the lots (as a dict filled lot by lot would
        hold them), summed by array operations instead of a Python loop over the lots. The
        lots' cases may lie among cases not yet cut (:attr:`flow_counts`), whose headers
        are still placeholders: they are skipped."""
        if not counts:
            return []
        e = np.fromiter(event, np.int64, len(event))
        lo, hi = int(e.min()), int(e.max()) + 1
        heads = self._events[lo:hi]
        flow_of = _SEIZED_FLOW_INDEX
        step = np.fromiter((h[0] if h else 0 for h in heads), np.int64, len(heads))
        country = np.fromiter((h[1] if h else 0 for h in heads), np.int64, len(heads))
        flow = np.fromiter((flow_of[h[3]] if h else 0 for h in heads), np.int64, len(heads))
        e -= lo
        mech = np.fromiter(map(itemgetter(1), keys), np.int64, len(keys))
        cat = np.fromiter(map(itemgetter(0), keys), np.int64, len(keys))
        n_c, n_m = self._n_countries, len(MECHANISMS) + 1     # mechanism -1 (none) too
        code = (((step[e] * n_c + country[e]) * 2 + flow[e]) * n_m + mech + 1) * N_CAT + cat
        found, first, which = np.unique(code, return_index=True, return_inverse=True)
        total = np.zeros(len(found), dtype=np.int64)
        np.add.at(total, which, np.fromiter(counts, np.int64, len(counts)))
        order = np.argsort(first, kind="stable")
        code, total = found[order], total[order]
        code, cat = np.divmod(code, N_CAT)
        code, mech = np.divmod(code, n_m)
        code, flow = np.divmod(code, 2)
        step, country = np.divmod(code, n_c)
        names = _SEIZED_FLOWS
        return list(zip(step.tolist(), country.tolist(), [names[f] for f in flow.tolist()],
                        (mech - 1).tolist(), cat.tolist(), total.tolist(), strict=True))

    def end_step(self) -> None:
        s = self.step
        self._step_flows.append((s, self.flows))
        self.flows = defaultdict(int)
        if self.inspections:
            tally = np.zeros((self._n_directed, len(BORDER_FIELDS)), dtype=np.int64)
            done = np.array(self.inspections, dtype=np.int64)
            np.add.at(tally, done[:, 0], done[:, 1:])
            # rows with any activity, in order; one tolist() beats indexing row by row
            self.border_rows.extend(new_record(BorderRecord, (s, d, *row))
                                    for d, row in enumerate(tally.tolist()) if any(row))
            self.inspections.clear()
        self.tracing_rows.extend(new_record(TracingRecord, (s, c, *row))
                                 for c, row in enumerate(self.tracing.tolist()) if any(row))
        self.tracing[:] = 0
        disp = self.disposition
        cells = np.argwhere(disp[..., 0])
        if len(cells):
            values = disp[tuple(cells.T)]
            self.disposition_rows.extend(
                new_record(DispositionRecord, (s, *cell, *row))
                for cell, row in zip(cells.tolist(), values.tolist(), strict=True))
            disp[:] = 0
