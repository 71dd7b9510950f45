"""Ammunition in use: end users fire rounds, and a weapon without ammunition is not used.

"The widespread availability of illicit small arms and light weapons and their ammunition is
a key enabler of conflict and endemic crime" (001 ¶10); ammunition enters illicit
circulation like weapons do (001 ¶11), State stockpiles being "one of the principal sources
of illicit ammunition" (001 ¶35), and illicit ammunition flows need attention of their own
(004 ¶12).

Each step, the end users of a kind whose ``behaviour.<kind>.rounds_per_weapon_year`` is
above zero need ``weapons held x rounds_per_weapon_year / steps per year`` rounds. They fire
what they hold up to that need (rounded to whole rounds), drawn from their ammunition lots;
fired rounds leave the world (the ``consumed`` flow; :meth:`FlowModel.conservation` counts
them out like production counts weapons in). The share of their weapons in use that step is
``min(1, rounds held / rounds needed)``, and harm counts only weapon-years in use
(:mod:`flowsim.model.harm`): end users without ammunition cause no harm. With a rate of 0
(the default) ammunition is not used up and every weapon held counts, as before this channel
existed; no random draw is made, so such runs are unchanged.

Ammunition-specific stockpile management (the ``ammunition_security`` intervention type;
001 ¶35, ¶40: the International Ammunition Technical Guidelines) raises a stockpile's
``ammunition_security_boost``, and a national programme sets
``controls.ammunition_pssm`` (a workshop lever); together they scale every leak rate of a
state stockpile's ammunition by ``(1 - boost)(1 - ammunition_pssm)``
(:func:`category_factors`) and leave its weapons' rates as they are.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from flowsim.model.lots import AMMUNITION

if TYPE_CHECKING:
    from flowsim.model.agents import StockpileAgent
    from flowsim.model.flow_model import FlowModel


def category_factors(stockpiles: list[StockpileAgent], factors: np.ndarray) -> np.ndarray:
    """Leak-rate multipliers by (stockpile, category): the scenario's category factors,
    with each state stockpile's ammunition scaled by ``(1 - ammunition_security_boost) x
    (1 - controls.ammunition_pssm)``. One row (broadcast over stockpiles) when no
    stockpile's ammunition is better kept than the rest."""
    keep = [(1.0 - s.ammunition_security_boost) * (1.0 - s.controls.ammunition_pssm)
            if s.spec.owner != "civilian_licensed" else 1.0 for s in stockpiles]
    if min(keep, default=1.0) == 1.0:
        return factors[None, :]
    out = np.tile(factors, (len(stockpiles), 1))
    out[:, AMMUNITION] *= np.array(keep)
    return out


class AmmunitionUse:
    """Ammunition fired by end users, step by step, and the share of weapons in use."""

    def __init__(self, model: FlowModel):
        self.model = model
        spy = model.sim.steps_per_year
        self.active = []
        for market in model.market_list:
            market.in_use = 1.0          # share of its weapons usable this step (harm)
            rate = getattr(model.scenario.behaviour, market.spec.kind).rounds_per_weapon_year
            if rate > 0:
                self.active.append((market, rate / spy))

    def step(self) -> None:
        """End users fire what ammunition they need and have; set each one's share in use."""
        model = self.model
        for market, per_weapon in self.active:
            t = market.holdings.totals
            need = (t[0] + t[1] + t[2]) * per_weapon
            if need <= 0:
                market.in_use = 1.0
                continue
            have = t[AMMUNITION]
            market.in_use = min(1.0, have / need)
            fire = min(have, math.floor(need + 0.5))
            if fire <= 0:
                continue
            lots, n = market.holdings.take_lots(fire, model.rng, AMMUNITION)
            model.consumed[AMMUNITION] += n
            model.ledger.flow_lots(market.country, "consumed", AMMUNITION, lots)
