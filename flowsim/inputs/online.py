"""The scenario's ``online:`` list: online and darknet sales delivered by post, of whole
weapons and of parts and components assembled at destination.

"The darknet is both an enabler of the trade in illegal weapons already on the black market
and a potential source of newly diverted weapons" (000 ¶104); its anonymity appeals to
criminals and terrorists across borders (000 ¶26); payment in cryptocurrencies hampers
investigation (004 ¶9); postal shipments are one of the ways weapons move (000 ¶58); online
trafficking and the trade in parts and components are "new trafficking challenges" (003);
marking and recording of essential components is a recommended control (004 ¶30).

An online channel links sellers in one country to buyers in one end-user market (civilian
holdings or a criminal market) elsewhere. Each step (:mod:`flowsim.model.online`):

* whole weapons sold online are taken from the sellers' country's illicit sellers (what is
  already on its black market, 000 ¶104) and posted one per parcel;
* kits of parts and components, enough to make one weapon each, are posted one per parcel;
  they are not weapons until assembled, so they are counted apart (flows ``parts_shipped``,
  ``parts_seized``, ``parts_assembled``);
* each parcel is found by postal and cyber policing in the buyers' country with the
  probability ``controls.postal_cyber_policing`` and seized;
* buyers assemble the kits that arrive, at most ``assembly_capacity`` kits a year, each
  giving a working weapon with probability ``assembly_yield``; assembled weapons are
  unrecorded and unmarked (mechanism ``assembled``) unless their essential components were
  marked in the sellers' country (``controls.parts_marking``: that share is marked and
  recorded, so it can be traced). Weapons made are counted as produced, then delivered.

Every rate is an assumption: the seeds name the channel and give no magnitude. The keys
are declared with the other scenario keys (:class:`flowsim.inputs.scenario.OnlineTrade`);
this module checks their references.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowsim.errors import InputError

if TYPE_CHECKING:
    from flowsim.inputs.scenario import Scenario

def check_online(s: Scenario, file: str) -> None:
    """Known countries and markets, buyers of the right kind in another country, no
    ammunition kits, unique ids."""
    countries = s.country_index()
    markets = {m.id: (i, m) for i, c in enumerate(s.countries) for m in c.markets}
    seen: set[str] = set()
    for i, o in enumerate(s.online):
        path = f"online[{i}]"
        if o.id in seen:
            raise InputError(file, f"{path}.id", f"duplicate online channel id '{o.id}'; "
                             "ids must be unique")
        seen.add(o.id)
        if o.from_country not in countries:
            raise InputError(file, f"{path}.from_country", f"refers to undefined country "
                             f"'{o.from_country}'; defined: {', '.join(sorted(countries))}")
        if o.to_market not in markets:
            raise InputError(file, f"{path}.to_market", f"refers to undefined market "
                             f"'{o.to_market}'; defined: {', '.join(sorted(markets)) or 'none'}")
        where, market = markets[o.to_market]
        if market.kind not in ("civilian", "criminal_market"):
            raise InputError(file, f"{path}.to_market", f"expected a market of kind civilian "
                             f"or criminal_market (online buyers, 000 ¶26), got "
                             f"'{o.to_market}' of kind {market.kind}")
        if where == countries[o.from_country]:
            raise InputError(file, f"{path}.to_market", f"market '{o.to_market}' is in the "
                             f"sellers' country '{o.from_country}'; expected another country")
        if o.parts_kits_per_year.ammunition:
            raise InputError(file, f"{path}.parts_kits_per_year.ammunition", "expected 0: "
                             "kits of parts make weapons, not ammunition, got "
                             f"{o.parts_kits_per_year.ammunition:g}")
