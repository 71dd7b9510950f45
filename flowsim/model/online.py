"""Online and darknet sales delivered by post, and parts assembled at destination, in a
running model (000 ¶26, ¶58, ¶104; 003 'New trafficking challenges'; 004 ¶9, ¶30).

What a channel is and its defaults: :mod:`flowsim.inputs.online`. Each step, for each
channel (after markets buy locally, before traffickers move):

1. whole weapons: ``Poisson(weapons_per_year / s)`` per category are taken from the
   sellers' country's black market (at most what it holds; flow ``trafficked``);
2. kits of parts: ``Poisson(parts_kits_per_year / s)`` per category are posted (flow
   ``parts_shipped``, mechanism ``assembled``); a share ``controls.parts_marking`` of the
   sellers' country has marked, recorded essential components;
3. each parcel (one weapon or one kit) is found by the buyers' country's postal and cyber
   policing with probability ``controls.postal_cyber_policing``: found weapons are seized
   (place ``postal``, counted as a border seizure), found kits are seized (flow
   ``parts_seized``); the rest arrive;
4. arrived weapons go to the buyers' market; arrived kits join its assembly queue, of which
   ``assembly_capacity / s`` kits a step (carried over as a fraction) are assembled (flow
   ``parts_assembled``), each a working weapon with probability ``assembly_yield``; the
   weapons are produced (they did not exist as weapons before) and delivered to the buyers,
   unmarked and unrecorded unless their kit's components were marked.

Parts are not weapons, so they stay out of the weapons' bookkeeping until assembled. With no
``online:`` channels nothing here runs and no random number is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowsim.model.lots import MECHANISMS, NO_STOCKPILE, LotBook, LotKey, split

if TYPE_CHECKING:
    from flowsim.model.flow_model import FlowModel

ASSEMBLED = MECHANISMS.index("assembled")


class OnlineTrade:
    """The scenario's online channels bound to the model's countries and markets."""

    def __init__(self, model: FlowModel):
        self.model = model
        index = model.scenario.country_index()
        markets = {m.spec.id: m for m in model.market_list}
        spy = model.sim.steps_per_year
        self.channels = []
        for o in model.scenario.online:
            market = markets[o.to_market]
            self.channels.append({
                "spec": o, "seller": index[o.from_country], "market": market,
                "weapons": (o.weapons_per_year.array() / spy).tolist(),
                "kits": (o.parts_kits_per_year.array() / spy).tolist(),
                "per_step": o.assembly_capacity / spy,
                "queue": [[0, 0], [0, 0], [0, 0]],   # per category: [unmarked, marked] kits
                "room": 0.0})
        self.active = bool(self.channels)

    def step(self) -> None:
        for ch in self.channels:
            self._weapons(ch)
            self._kits(ch)
            self._assemble(ch)

    def _found(self, ch: dict) -> float:
        return self.model.controls[ch["market"].country].postal_cyber_policing

    def _weapons(self, ch: dict) -> None:
        model, rng, market = self.model, self.model.rng, ch["market"]
        supply = model.black_market[ch["seller"]]
        parcel = LotBook()
        for k, rate in enumerate(ch["weapons"]):
            if rate > 0 and supply.totals[k]:
                want = min(int(rng.poisson(rate)), supply.totals[k])
                if want:
                    lots, got = supply.take_lots(want, rng, k)
                    parcel.add_lots(k, lots, got)
        if not parcel:
            return
        model.ledger.flow_book(ch["seller"], "trafficked", parcel)
        seized = parcel.thin(self._found(ch), rng)     # one item per parcel
        if seized:
            model.record_seizure(market.country, "postal", "border", None, seized)
        for key, n in list(parcel):
            if n:
                market.capture(key, n)                 # delivered to the buyers

    def _kits(self, ch: dict) -> None:
        model, rng = self.model, self.model.rng
        seller, buyer = ch["seller"], ch["market"].country
        marking = model.controls[seller].parts_marking
        found = self._found(ch)
        for k, rate in enumerate(ch["kits"]):
            if rate <= 0:
                continue
            sent = int(rng.poisson(rate))
            if not sent:
                continue
            model.ledger.flow(seller, "parts_shipped", ASSEMBLED, k, sent)
            seized = int(rng.binomial(sent, found))
            model.ledger.flow(buyer, "parts_seized", ASSEMBLED, k, seized)
            arrived = sent - seized
            marked = int(rng.binomial(arrived, marking)) if marking > 0 else 0
            ch["queue"][k][0] += arrived - marked
            ch["queue"][k][1] += marked

    def _assemble(self, ch: dict) -> None:
        model, rng, market = self.model, self.model.rng, ch["market"]
        queue = ch["queue"]
        waiting = sum(a + b for a, b in queue)
        if not waiting:
            ch["room"] = 0.0                 # capacity unused on an empty queue is lost
            return
        ch["room"] += ch["per_step"]
        n = min(waiting, int(ch["room"]))
        if n <= 0:
            return
        ch["room"] -= n
        flat = [c for pair in queue for c in pair]
        taken = split(flat, n, rng)
        y = ch["spec"].assembly_yield
        seller = ch["seller"]
        for i, t in enumerate(taken):
            if not t:
                continue
            k, marked = divmod(i, 2)
            queue[k][marked] -= t
            model.ledger.flow(market.country, "parts_assembled", ASSEMBLED, k, t)
            made = int(rng.binomial(t, y))
            if made:
                model.produced[k] += made
                model.ledger.flow(market.country, "produced", ASSEMBLED, k, made)
                market.capture(LotKey(k, ASSEMBLED, seller, NO_STOCKPILE, bool(marked),
                                      bool(marked)), made)
