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
  a success names the origin stockpile, whose authorities may act on it
  (:meth:`flowsim.model.agents.StockpileAgent.act_on_trace`, once per stockpile and step).

Ammunition is destroyed like weapons but not tabulated: 000 ¶32 counts weapons, and rounds
are not traced. All lots of all countries are drawn together, one vectorised draw per
quantity and step: the same law as drawing country by country, without numpy's per-call
cost for every small book.
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
_MARKED, _MECHANISM = itemgetter(4), itemgetter(1)


class Disposition:
    """Disposes of each step's seized and collected weapons, for all countries at once."""

    def __init__(self, model: FlowModel):
        self.model = model
        self.n_groups = len(model.country_ids) * _SOURCES * N_CAT

    def step(self) -> None:
        model = self.model
        keys: list[LotKey] = []
        counts: list[int] = []
        groups: list[int] = []                 # (country, source, category), flat
        for reg in model.regulator_list:
            for source, book in enumerate((reg.seized_today, reg.collected_today)):
                if not book:
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
        model = self.model
        binomial = model.rng.binomial
        controls = model.controls
        country = group // (_SOURCES * N_CAT)
        cat = group % N_CAT

        def per_lot(name: str) -> np.ndarray:
            return np.array([getattr(c, name) for c in controls])[country]

        none = binomial(n, per_lot("no_action"))
        acted = n - none
        gone = binomial(acted, per_lot("destroy_in_hand"))
        bears_mark = np.fromiter(map(_MARKED, keys), dtype=bool, count=len(keys))
        bears_mark &= cat != AMMUNITION
        requests = binomial(acted * bears_mark, per_lot("tracing_capacity"))
        domestic = np.zeros(self.n_groups, dtype=np.int64)
        foreign = np.zeros(self.n_groups, dtype=np.int64)
        acted_on: set[int] = set()
        for i in np.flatnonzero(requests).tolist():
            self._trace(keys[i], int(requests[i]), int(country[i]), int(group[i]), domestic,
                        foreign, acted_on)

        def by_group(x: np.ndarray) -> np.ndarray:
            return np.bincount(group, weights=x, minlength=self.n_groups).astype(np.int64)

        count, acted_g, gone_g = by_group(n), by_group(acted), by_group(gone)
        requests_g = by_group(requests)
        group_country = np.arange(self.n_groups) // (_SOURCES * N_CAT)
        rec = np.array([c.record_in_hand for c in controls])[group_country]
        mark = np.array([c.mark_in_hand for c in controls])[group_country]
        recorded, marked = binomial(acted_g, rec), binomial(acted_g, mark)
        table = np.stack([count, marked, recorded, requests_g, domestic, foreign, gone_g,
                          count - acted_g], axis=1)
        assert table.shape[1] == len(DISPOSITION_FIELDS)
        table = table.reshape(len(controls), _SOURCES, N_CAT, -1)
        ledger = model.ledger
        ledger.disposition += table[:, :, :AMMUNITION]          # weapons only
        seized = table[:, 0, :AMMUNITION]                        # tracing.csv (SDG 16.4.2)
        mask = bears_mark & ((group // N_CAT) % _SOURCES == 0)
        marked_seized = np.bincount(country[mask], weights=n[mask],
                                    minlength=len(controls)).astype(np.int64)
        ledger.tracing += np.stack([seized[..., 0].sum(axis=1), marked_seized,
                                    seized[..., 3].sum(axis=1),
                                    seized[..., 4].sum(axis=1) + seized[..., 5].sum(axis=1)],
                                   axis=1)
        if gone_g.any():                # destroyed flows by (country, mechanism, category)
            mech = np.fromiter(map(_MECHANISM, keys), dtype=np.int64, count=len(keys))
            n_mech = len(MECHANISMS)
            cell = (country * n_mech + mech) * N_CAT + cat
            tally = np.bincount(cell, weights=gone, minlength=len(controls) * n_mech * N_CAT)
            flows = ledger.flows
            for i in np.flatnonzero(tally).tolist():
                c, rest = divmod(i, n_mech * N_CAT)
                flows[(c, "destroyed", rest // N_CAT, rest % N_CAT)] += int(tally[i])
            out = gone_g.reshape(-1, N_CAT).sum(axis=0)
            model.seized -= out
            model.destroyed += out

    def _trace(self, key: LotKey, requested: int, country: int, group: int,
               domestic: np.ndarray, foreign: np.ndarray, acted_on: set[int]) -> None:
        """Successes of ``requested`` tracing requests on lot ``key`` made by ``country``."""
        if not key[5] or key[3] == NO_STOCKPILE:     # no record, or no known stockpile
            return
        model = self.model
        b = model.scenario.behaviour
        train = 1 + 0.5 * model.controls[country].training
        if key[2] == country:
            p, out = b.domestic_trace_success, domestic
        else:
            p = b.foreign_trace_success * model.controls[key[2]].tracing_cooperation
            out = foreign
        ok = int(model.rng.binomial(requested, min(1.0, p * train)))
        out[group] += ok
        if ok and key[3] not in acted_on:
            acted_on.add(key[3])
            model.stockpile_list[key[3]].act_on_trace()
