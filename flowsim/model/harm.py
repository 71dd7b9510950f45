"""Harm from illicit weapons in end users' hands: expected firearm deaths and injuries.

Each step, the weapons (not ammunition) held by each market and in use are counted as
weapon-years by the market's kind (armed groups, criminal markets, civilian holdings). A
weapon without ammunition is not used: when the scenario sets rounds per weapon-year, only
the share of weapons the market's rounds can supply is in use
(:mod:`flowsim.model.ammunition`; 001 ¶10, ¶35); otherwise all are. Harm is weapon-years x
the scenario's rates (``harm:`` block, :mod:`flowsim.inputs.harm`), split by the victims'
sex and age group with the shares of each kind's setting (private sphere, conflict, crime;
000 ¶31, ¶113; 002 ¶26-27, ¶70); the indicative non-lethal harms of 000 ¶31 likewise.
Harm is an expected value computed from holdings, with no random draws, so tracking it
never changes a run's numbers.
"""

from __future__ import annotations

from flowsim.inputs.harm import GROUPS, INDICATIVE, KINDS, OUTCOMES, Harm, victim_split
from flowsim.model.flow_model import FlowModel
from flowsim.model.lots import AMMUNITION


class HarmTracker:
    """Weapon-years in use by end users of each kind, accumulated step by step.

    Call :meth:`observe` after every step (``model.run(progress=...)`` does it)."""

    def __init__(self, model: FlowModel):
        self.model = model
        self.weapon_years = dict.fromkeys(KINDS, 0.0)
        self._per_step = 1.0 / model.sim.steps_per_year

    def observe(self, _n: int = 1) -> None:
        for market in self.model.market_list:
            held = sum(market.holdings.totals[:AMMUNITION]) * market.in_use
            self.weapon_years[market.spec.kind] += held * self._per_step

    def totals(self, harm: Harm | None = None) -> dict:
        """``{"weapon_years": {kind: x}, outcome: {kind: {group: x}}}`` for the outcomes
        deaths and injuries and the indicative ones (intimidation, sexual violence; 0
        unless the scenario sets their rates), each split by its own female share."""
        harm = harm or self.model.scenario.harm
        out: dict = {"weapon_years": dict(self.weapon_years)}
        for outcome in (*OUTCOMES, *INDICATIVE):
            out[outcome] = {}
            for kind in KINDS:
                rates = harm.rates(kind)
                total = self.weapon_years[kind] * getattr(rates, f"{outcome}_per_weapon_year")
                split = victim_split(rates, rates.indicative_female_share
                                     if outcome in INDICATIVE else None)
                out[outcome][kind] = {g: total * split[g] for g in GROUPS}
        return out


def run_with_harm(model: FlowModel, steps: int) -> HarmTracker:
    """Run ``steps`` steps, tracking harm; the run's numbers are those of ``model.run``."""
    tracker = HarmTracker(model)
    model.run(steps, progress=tracker.observe)
    return tracker
