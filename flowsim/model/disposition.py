"""What the authorities do with weapons that come into their hands (000 ¶32-33, ¶61).

Every weapon seized or collected in a step (the regulators' ``seized_today`` and
``collected_today`` books) is disposed of in the shape of the SDG 16.4.2 figures of
000 ¶32 (246,090 weapons collected in 2017: 21,997 marked, 115,612 recorded, 125,764
destroyed, no action on 75,531, tracing requests for 669):

* no action is taken on it with probability ``no_action``;
* a weapon acted on is, independently, destroyed (``destroy_in_hand``; the rest stay held,
  stock state ``seized``), recorded (``record_in_hand``), marked (``mark_in_hand``) and, if
  it bears a marking, the subject of a tracing request (``tracing_capacity``);
* a request on a weapon with a record at a known origin stockpile is traced through the
  national registry with ``domestic_trace_success`` if the origin is the country itself,
  else through the origin's registry with ``foreign_trace_success x`` the origin's
  ``tracing_cooperation`` (000 ¶33: 13% and 15% of requests), both x ``(1 + 0.5 training)``;
  a success has the consequences of :mod:`flowsim.model.consequences` (investigation,
  point of diversion, route intelligence).

Weapons not destroyed (no action, or acted on and kept) stay in the country's store of
seized and collected weapons, which leaks again (000 ¶6 names disposal as a stage of
diversion; 000 ¶71 recommends destroying seized arms): each held weapon leaves the store
for the country's local illicit sellers with the per-step probability of
``mechanisms.store_leakage x (1 - store security)``, store security being ``1 - (1 -
controls.store_security)(1 - controls.pssm)`` (:meth:`Disposition._leak_stores`). Leaked
weapons carry the mechanism ``store_leakage`` and no origin stockpile (the lot's history is
not kept in store), so a later trace of them fails.

Ammunition is destroyed like weapons but not tabulated: 000 ¶32 counts weapons, and rounds
are not traced. All countries are drawn together, one vectorised draw per quantity and
step, and only tracing requests are drawn lot by lot (:meth:`Disposition._dispose` says
why that is the same law).
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

from flowsim.model.ledger import DISPOSITION_FIELDS, DISPOSITION_SOURCES
from flowsim.model.lots import AMMUNITION, MECHANISMS, N_CAT, NO_STOCKPILE, LotKey

if TYPE_CHECKING:
    from flowsim.model.flow_model import FlowModel

_SOURCES = len(DISPOSITION_SOURCES)
_MECHANISM, _ORIGIN_COUNTRY, _ORIGIN_STOCKPILE, _MARKED, _RECORDED = (
    itemgetter(i) for i in range(1, 6))


class Disposition:
    """Disposes of each step's seized and collected weapons, for all countries at once."""

    def __init__(self, model: FlowModel):
        self.model = model
        self.n_groups = len(model.country_ids) * _SOURCES * N_CAT
        #: weapons held in each country's store, by (country, category, bears a marking)
        self.store = np.zeros((len(model.country_ids), N_CAT, 2), dtype=np.int64)
        self._store_mech = MECHANISMS.index("store_leakage")

    def step(self) -> None:
        model = self.model
        self._leak_stores()
        keys: list[LotKey] = []
        counts: list[int] = []
        groups: list[int] = []                 # (country, source, category), flat
        for reg in model.regulator_list:
            for source, book in enumerate((reg.seized_today, reg.collected_today)):
                if not any(book.totals):             # not book, without the method call
                    continue
                base = (reg.country * _SOURCES + source) * N_CAT
                for k, d in enumerate(book.cats):
                    if d:
                        keys.extend(d)
                        counts.extend(d.values())
                        groups.extend([base + k] * len(d))
            reg.clear_in_hand()
        if keys:
            self._dispose(keys, np.array(counts, dtype=np.int64),
                          np.array(groups, dtype=np.int64))

    def _dispose(self, keys: list[LotKey], n: np.ndarray, group: np.ndarray) -> None:
        """Draw the disposition of the step's lots.

        Once in the authorities' hands a weapon's lot matters only if it is traced, so
        tracing requests are drawn per lot and everything else per cell of (country,
        source, category, mechanism, bears a marking). A request is an action, so a weapon
        bearing a marking gets one with probability ``(1 - no_action) x tracing_capacity``;
        of the weapons without one, no action is taken with ``no_action / (1 - (1 -
        no_action) x tracing_capacity)`` (``no_action`` if it bears no marking). That is
        the same joint law as deciding no action first, then requests among the weapons
        acted on; destruction is then drawn among all the weapons acted on.
        """
        model = self.model
        binomial = model.rng.binomial
        controls = model.controls
        n_mech = len(MECHANISMS)

        rates = np.array([(c.no_action, c.tracing_capacity, c.destroy_in_hand, c.record_in_hand,
                           c.mark_in_hand) for c in controls]).T      # by country
        a, t, p_destroy, p_record, p_mark = rates
        mech = np.fromiter(map(_MECHANISM, keys), dtype=np.int64, count=len(keys))
        bears = np.fromiter(map(_MARKED, keys), dtype=np.int64, count=len(keys))
        bears *= group % N_CAT != AMMUNITION
        country = group // (_SOURCES * N_CAT)
        p_request = (1.0 - a) * t
        # a binomial of 0 trials draws nothing: the same draws as over the markable lots only
        requests = binomial(n * bears, p_request[country])
        cell = (group * n_mech + mech) * 2 + bears
        n_cells = self.n_groups * n_mech * 2
        size_all = np.bincount(cell, weights=n, minlength=n_cells)
        live = np.flatnonzero(size_all)
        size = size_all[live].astype(np.int64)
        req = np.bincount(cell, weights=requests, minlength=n_cells)[live].astype(np.int64)
        cell_bears = live % 2
        cell_mech = (live // 2) % n_mech
        cell_group = live // (2 * n_mech)
        cell_country = cell_group // (_SOURCES * N_CAT)
        rest = np.divide(a, 1.0 - p_request, out=np.zeros_like(a), where=p_request < 1)
        p_none = np.where(cell_bears == 1, rest[cell_country], a[cell_country])
        none = binomial(size - req, np.minimum(p_none, 1.0))
        acted = size - none
        gone = binomial(acted, p_destroy[cell_country])
        domestic, foreign = self._trace(keys, requests, group)

        def by_group(x: np.ndarray) -> np.ndarray:
            return np.bincount(cell_group, weights=x, minlength=self.n_groups).astype(np.int64)

        count, acted_g, gone_g = by_group(size), by_group(acted), by_group(gone)
        group_country = np.arange(self.n_groups) // (_SOURCES * N_CAT)
        recorded = binomial(acted_g, p_record[group_country])
        marked = binomial(acted_g, p_mark[group_country])
        table = np.stack([count, marked, recorded, by_group(req), domestic, foreign,
                          gone_g, count - acted_g], axis=1)
        table = table.reshape(len(controls), _SOURCES, N_CAT, len(DISPOSITION_FIELDS))
        ledger = model.ledger
        ledger.disposition += table[:, :, :AMMUNITION]          # weapons only
        # tracing.csv (SDG 16.4.2 idea): seized weapons, marked ones, requests, successes
        seized = table[:, 0, :AMMUNITION].sum(axis=1)
        mask = (cell_bears == 1) & ((cell_group // N_CAT) % _SOURCES == 0)
        tracing = ledger.tracing
        tracing[:, 0] += seized[:, 0]
        tracing[:, 1] += np.bincount(cell_country[mask], weights=size[mask],
                                     minlength=len(controls)).astype(np.int64)
        tracing[:, 2] += seized[:, 3]
        tracing[:, 3] += seized[:, 4] + seized[:, 5]
        held = size - gone                 # into store: no action, or acted on and kept
        slot = (cell_country * N_CAT + cell_group % N_CAT) * 2 + cell_bears
        self.store += np.bincount(slot, weights=held, minlength=self.store.size).astype(
            np.int64).reshape(self.store.shape)
        hit = np.flatnonzero(gone)
        if len(hit):                    # destroyed flows by (country, mechanism, category)
            flows = ledger.flows
            for c, m, k, g in zip(cell_country[hit].tolist(), cell_mech[hit].tolist(),
                                  (cell_group[hit] % N_CAT).tolist(), gone[hit].tolist(),
                                  strict=True):
                flows[(c, "destroyed", m, k)] += g
            out = gone_g.reshape(-1, N_CAT).sum(axis=0)
            model.seized -= out
            model.destroyed += out

    def _leak_stores(self) -> None:
        """Weapons held in the authorities' stores leak to local illicit sellers (000 ¶6,
        ¶71): per step, each with ``mechanisms.store_leakage x (1 - store security)``."""
        store = self.store
        if not store.any():
            return
        model = self.model
        base = model.scenario.mechanisms.store_leakage
        if base <= 0:
            return
        per_step = model.per_step             # remembered by value: rates rarely change
        p = [per_step(base * (1.0 - (1.0 - (1.0 - c.store_security) * (1.0 - c.pssm))))
             for c in model.controls]          # security 1 - (1 - store)(1 - pssm)
        leaked = model.rng.binomial(store, np.array(p)[:, None, None])
        if not leaked.any():
            return
        store -= leaked
        model.seized -= leaked.sum(axis=(0, 2))
        mech = self._store_mech
        where = np.nonzero(leaked)
        markets, flows = model.black_market, model.ledger.flows
        # LotBook.add and Ledger.flow spelt out (a few thousand calls a run); n > 0
        for c, k, bears, n in zip(*(a.tolist() for a in where), leaked[where].tolist(),
                                  strict=True):
            key = LotKey(k, mech, c, NO_STOCKPILE, bool(bears), False)
            book = markets[c]
            d = book.cats[k]
            d[key] = d.get(key, 0) + n
            book.totals[k] += n
            flows[(c, "diverted", mech, k)] += n

    def _trace(self, keys: list[LotKey], requests: np.ndarray, group: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
        """Successes of the tracing requests through the national registry and through
        foreign ones (by group); the origins' authorities may act on each success."""
        model = self.model
        domestic = np.zeros(self.n_groups, dtype=np.int64)
        foreign = np.zeros(self.n_groups, dtype=np.int64)
        lots = np.flatnonzero(requests)
        if not len(lots):
            return domestic, foreign
        rng, controls = model.rng, model.controls
        b = model.scenario.behaviour
        chosen = [keys[i] for i in lots.tolist()]
        origin = np.fromiter(map(_ORIGIN_COUNTRY, chosen), dtype=np.int64, count=len(chosen))
        stockpile = np.fromiter(map(_ORIGIN_STOCKPILE, chosen), dtype=np.int64,
                                count=len(chosen))
        recorded = np.fromiter(map(_RECORDED, chosen), dtype=bool, count=len(chosen))
        where = group[lots]
        by = where // (_SOURCES * N_CAT)
        at_home = origin == by
        cooperation = np.array([c.tracing_cooperation for c in controls])[origin]
        p = np.where(at_home, b.domestic_trace_success, b.foreign_trace_success * cooperation)
        training = np.array([c.training for c in controls])[by]
        p = np.minimum(1.0, p * (1 + 0.5 * training))
        p *= recorded & (stockpile != NO_STOCKPILE)   # no record or unknown origin: fails
        ok = rng.binomial(requests[lots], p)
        domestic += np.bincount(where[at_home], weights=ok[at_home],
                                minlength=self.n_groups).astype(np.int64)
        foreign += np.bincount(where[~at_home], weights=ok[~at_home],
                               minlength=self.n_groups).astype(np.int64)
        hits = np.flatnonzero(ok).tolist()
        if hits:
            mech = [chosen[j][1] for j in hits]
            model.consequences.on_traces(list(zip(
                origin[hits].tolist(), by[hits].tolist(), mech, stockpile[hits].tolist(),
                ok[hits].tolist(), strict=True)))
        return domestic, foreign
