"""Interventions: funded changes to controls over time, with costs and sustainability.

An intervention has a type, targets, a start step, a funded duration, a ramp-up, a decay
after funding ends, a strength and a cost. Its *effect* over time is

    0 before ``start``; rising linearly to 1 over ``ramp_up`` steps; 1 until the funding
    ends at ``start + duration``; then halving every ``half_life`` steps (``half_life: 0``
    means the effect stops with the money, ``null`` that it lasts).

Sustainability matters: the seeds stress that assistance which stops often loses its effect
(001 part C ¶66-70; 002; 003 'Assistance'). Each step the model recomputes every targeted
parameter from its baseline, applying active interventions in order
(:mod:`flowsim.model.schedule`). :data:`TYPES` is the one place that says which model
parameters each type moves, and how:

* ``raise``: ``value + effect x strength x (1 - value)`` (closes a share of the gap to 1);
* ``lower``: ``value x (1 - effect x strength)``;
* ``add``: ``value + effect x strength``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flowsim.errors import InputError, did_you_mean
from flowsim.inputs.schema import build, param, probability

if TYPE_CHECKING:
    from flowsim.inputs.scenario import Scenario


@dataclass(frozen=True)
class Lever:
    """One model parameter an intervention type moves."""

    level: str        # "stockpile", "crossing" or "country" (a Controls field)
    name: str         # attribute name
    how: str          # raise, lower or add


@dataclass(frozen=True)
class InterventionType:
    levers: tuple[Lever, ...]
    targets: tuple[str, ...]        # target kinds accepted: countries, stockpiles, borders...
    source: str
    doc: str


TYPES: dict[str, InterventionType] = {
    "stockpile_security": InterventionType(
        (Lever("stockpile", "security_boost", "raise"),), ("countries", "stockpiles"),
        "001 ¶35-39; 000 ¶59-60", "PSSM upgrade: raises the security of the targeted state "
        "stockpiles (all state stockpiles of targeted countries)."),
    "ammunition_security": InterventionType(
        (Lever("stockpile", "ammunition_security_boost", "raise"),), ("countries", "stockpiles"),
        "001 ¶35 (stockpiles a principal source of illicit ammunition), ¶40 (IATG)",
        "Ammunition-specific stockpile management (IATG): scales every leak rate of the "
        "targeted state stockpiles' ammunition by 1 - effect x strength; their weapons are "
        "not affected."),
    "marking_record_keeping": InterventionType(
        (Lever("country", "marking_programme", "raise"),
         Lever("country", "record_keeping_programme", "raise")), ("countries",),
        "000 ¶59-60; 004 ¶30", "Marks and records state-held weapons over time."),
    "tracing": InterventionType(
        (Lever("country", "tracing_capacity", "raise"),
         Lever("country", "tracing_cooperation", "raise")), ("countries",),
        "000 ¶32-33, ¶61", "Tracing capacity and international tracing cooperation."),
    "border_inspection": InterventionType(
        (Lever("crossing", "inspection_rate", "raise"),), ("borders", "crossings", "countries"),
        "000 ¶58", "Inspection capacity at the targeted crossings (entry crossings of "
        "targeted countries)."),
    "mobile_checkpoints": InterventionType(
        (Lever("country", "mobile_inspection", "add"),), ("countries",),
        "000 ¶58", "Mobile inspection capacity the regulator allocates by risk."),
    "anti_corruption": InterventionType(
        (Lever("crossing", "corruption", "lower"),
         Lever("stockpile", "integrity_boost", "raise")),
        ("borders", "crossings", "countries", "stockpiles"),
        "004 ¶25; 001 ¶11", "Integrity measures against corrupt officials: lowers corruption "
        "at the targeted crossings (entry crossings of targeted countries) and insider theft "
        "from the targeted state stockpiles (all state stockpiles of targeted countries)."),
    "end_user_verification": InterventionType(
        (Lever("country", "end_user_verification", "raise"),
         Lever("country", "post_shipment_checks", "raise")), ("countries",),
        "000 ¶50-53; 004 ¶26", "End-user verification and post-shipment checks on exports."),
    "information_exchange": InterventionType(
        (Lever("country", "information_exchange", "raise"),), ("countries",),
        "000 ¶20, ¶55", "Information exchange between regulators."),
    "collection_destruction": InterventionType(
        (Lever("country", "collection", "add"), Lever("country", "surplus_destruction", "add")),
        ("countries",), "000 ¶32, ¶35, ¶69; 001 ¶39, ¶41",
        "Weapons collection (voluntary surrender, DDR) and surplus destruction; strength is "
        "the share of end users' weapons collected and of state surplus destroyed per year "
        "at full effect (collected weapons are then disposed of like seized ones: "
        "controls.destroy_in_hand)."),
    "store_security": InterventionType(
        (Lever("country", "store_security", "raise"),), ("countries",),
        "000 ¶6, ¶71", "Security of the stores of seized and collected weapons the "
        "authorities keep (evidence and collection stores): lowers their leakage."),
    "destroy_seized": InterventionType(
        (Lever("country", "destroy_in_hand", "raise"), Lever("country", "no_action", "lower")),
        ("countries",), "000 ¶71; 000 ¶32", "Destruction of seized and collected weapons: "
        "fewer are left with no action and more of those acted on are destroyed, so fewer "
        "are kept in stores that leak."),
    "craft_policing": InterventionType(
        (Lever("country", "craft_policing", "raise"),), ("countries",),
        "004 ¶25; 001 ¶58", "Policing of craft producers: lowers craft production."),
    "deactivation_standards": InterventionType(
        (Lever("country", "deactivation_standards", "raise"),), ("countries",),
        "000 ¶64, ¶27", "Deactivation and conversion standards: lowers conversion and "
        "reactivation."),
    "printing_controls": InterventionType(
        (Lever("country", "printing_controls", "raise"),), ("countries",),
        "001 ¶57-59", "Controls on printing files and essential parts: lowers 3-D printing."),
    "training": InterventionType(
        (Lever("country", "training", "raise"),), ("countries",),
        "001 part C; 002", "Training of officials (detection and tracing)."),
    "embargo_monitoring": InterventionType(
        (Lever("country", "embargo_monitoring", "add"),), ("countries",),
        "000 ¶28-29", "Monitoring of an arms embargo on the targeted countries (a panel of "
        "experts, cargo inspections): strength is the inspection rate added at full effect "
        "at every crossing into them while the embargo is in force, so more breaches are "
        "detected and seized."),
    "postal_cyber_policing": InterventionType(
        (Lever("country", "postal_cyber_policing", "raise"),), ("countries",),
        "000 ¶58, ¶104; 004 ¶9", "Postal and cyber policing of online sales: raises the "
        "probability that a parcel posted to buyers in the targeted countries is found."),
    "parts_marking": InterventionType(
        (Lever("country", "parts_marking", "raise"),), ("countries",), "004 ¶30",
        "Marking and recording of essential components in the targeted countries: raises "
        "the share of parts kits sold online from them that make marked, recorded "
        "(traceable) weapons."),
    "brokering_controls": InterventionType(
        (Lever("country", "brokering_controls", "raise"),), ("countries",),
        "000 ¶7, ¶17; 004 ¶29", "Registration and licensing of brokering activities in the "
        "targeted countries: raises the probability that a deal a broker based there "
        "attempts is stopped."),
    "inland_policing": InterventionType(
        (Lever("country", "inland_policing", "raise"),), ("countries",),
        "000 ¶34, ¶56-58; 004 ¶25", "Police capacity against illicit possession and "
        "trafficking inland."),
}

#: For each type: the model channels through which it changes flows, and the parameters
#: that decide how much (docs/experiments.md prints the table; docs/odd.md has the formulas).
CHANNELS: dict[str, tuple[str, str]] = {
    "stockpile_security": (
        "theft, insider theft and battlefield capture from the targeted stockpiles",
        "mechanisms.theft, insider, battlefield_capture; stockpiles.security"),
    "marking_record_keeping": (
        "more weapons marked and recorded: fewer losses and less insider theft (audit "
        "deterrence), more traceable weapons, hence more traces and their consequences",
        "mechanisms.loss, insider; stockpiles.audits_per_year; the tracing channels below"),
    "tracing": (
        "traces of seized and collected weapons: investigations (route pressure, dismantled "
        "traffickers), the point of diversion (stockpile trace boost; a transfer pair's "
        "diversion record and licence denials) and route intelligence for inspection",
        "behaviour.investigation_probability, investigation_pressure, dismantle_probability, "
        "trace_intelligence, export_finding_weight, trace_response*; controls."
        "export_risk_assessment; trace successes; marking and records"),
    "border_inspection": (
        "seizures at the targeted crossings; traffickers re-route (displacement)",
        "crossings.detection_probability, corruption; behaviour.learning_rate, "
        "risk_aversion"),
    "mobile_checkpoints": (
        "seizures at entry crossings, allocated by the regulator's perceived risk (fed by "
        "seizures and traced routes)",
        "behaviour.regulator_memory, trace_intelligence; controls.information_exchange"),
    "anti_corruption": (
        "fewer bribes at the targeted crossings; less insider theft from the targeted "
        "countries' state stockpiles", "crossings.corruption; mechanisms.insider"),
    "end_user_verification": (
        "fewer consignments diverted by end-user fraud or re-exported; post-shipment "
        "findings raise the pair's diversion record, so licences are denied",
        "mechanisms.transfer_fraud, reexport, consignment_share; controls."
        "export_risk_assessment; behaviour.export_finding_weight"),
    "information_exchange": (
        "seizure and traced-route intelligence shared with neighbouring regulators",
        "controls.mobile_inspection; behaviour.trace_intelligence, regulator_memory"),
    "collection_destruction": (
        "end users' weapons collected (then destroyed or kept in stores that leak); state "
        "surplus destroyed", "controls.destroy_in_hand, no_action, store_security; "
        "mechanisms.store_leakage; stockpiles.surplus_share"),
    "store_security": (
        "less leakage from stores of seized and collected weapons",
        "mechanisms.store_leakage; controls.destroy_in_hand, no_action"),
    "destroy_seized": (
        "fewer seized and collected weapons kept in stores that leak",
        "mechanisms.store_leakage; controls.store_security"),
    "ammunition_security": (
        "less ammunition leaking from the targeted state stockpiles; where end users fire "
        "ammunition, fewer rounds mean fewer weapons in use and less harm",
        "mechanisms leak rates (ammunition only); behaviour.<kind>.rounds_per_weapon_year"),
    "embargo_monitoring": (
        "more inspection at every crossing into an embargoed country, so more breaches are "
        "seized and smuggling in is riskier (route and market choice)",
        "embargoes.extra_inspection, cost_increase; crossings.detection_probability"),
    "postal_cyber_policing": (
        "more online sales found in the post: whole weapons seized at place `postal`, kits "
        "of parts seized before assembly",
        "online.weapons_per_year, parts_kits_per_year; controls.postal_cyber_policing"),
    "parts_marking": (
        "weapons assembled from parts kits marked and recorded, hence traceable (the "
        "tracing channels)", "online.parts_kits_per_year, assembly_yield; the tracing "
        "channels"),
    "brokering_controls": (
        "fewer brokered deals go through (stopped in the broker's base); the rest still "
        "meet the exporter's end-user verification",
        "brokers.deals_per_year, consignment, forgery_detection; "
        "controls.end_user_verification"),
    "craft_policing": (
        "less craft production (the price rises, so other sources substitute)",
        "craft_production; illicit_response.price_elasticity, capacity"),
    "deactivation_standards": (
        "less conversion and reactivation (other sources substitute)",
        "conversion; illicit_response.price_elasticity, capacity"),
    "printing_controls": (
        "less 3-D printing (other sources substitute)",
        "printed; illicit_response.price_elasticity, capacity"),
    "training": (
        "border detection and trace success (hence the tracing channels)",
        "crossings.detection_probability; the tracing channels"),
    "inland_policing": (
        "inland seizures from traffickers, sellers and end users; arrests",
        "behaviour.arrest_probability, arrest_steps"),
}

TARGET_KINDS = ("countries", "stockpiles", "borders", "crossings")


@dataclass(kw_only=True)
class Targets:
    """What an intervention applies to (ids from the scenario)."""

    countries: list[str] = param(factory=list, doc="Country ids.")
    stockpiles: list[str] = param(factory=list, doc="Stockpile ids.")
    borders: list[str] = param(factory=list, doc="Border ids (all their crossings).")
    crossings: list[str] = param(factory=list, doc="Crossing ids.")


@dataclass(kw_only=True)
class Cost:
    """Cost of an intervention in USD."""

    one_off: float = param(0.0, "Paid at the start (equipment, construction).", lo=0)
    per_year: float = param(0.0, "Paid every year while funded (staff, maintenance).", lo=0)
    gender_responsive_share: float = probability(
        0.0, "Share of this cost spent on gender-responsive activities (gender analysis, "
        "sex- and age-disaggregated data, women's participation); reported by experiments, "
        "no effect in the model (default: none stated).", "000 ¶45, ¶113; 002 ¶26-27, ¶70",
        assumption=True)


@dataclass(kw_only=True)
class Intervention:
    """A funded change to controls over time."""

    type: str = param(doc="What is funded.", choices=tuple(TYPES))
    name: str | None = param(None, "Label in reports (default: the type).")
    targets: Targets = param(doc="Where it applies.")
    strength: float = probability(0.5, "Size of the effect at full strength (see the type).",
                                  assumption=True)
    start: int = param(0, "Step at which funding starts (0 = from the beginning).", lo=0)
    duration: int | None = param(None, "Funded steps (null = until the end of the run).", lo=1)
    ramp_up: int = param(6, "Steps from start to full effect.", lo=0, assumption=True)
    half_life: float | None = param(
        12.0, "Steps for the effect to halve once funding ends (0 = stops at once, null = "
        "lasts).", lo=0, source="001 part C; 002; 003 (sustainability of assistance)",
        assumption=True)
    cost: Cost = param(factory=Cost, doc="Cost in USD.")

    @property
    def label(self) -> str:
        return self.name or self.type

    def effect(self, step: int) -> float:
        """Share of full effect at ``step`` (1-based model step)."""
        t = step - self.start
        if t <= 0:
            return 0.0
        ramp = min(1.0, t / self.ramp_up) if self.ramp_up else 1.0
        if self.duration is None or t <= self.duration:
            return ramp
        peak = min(1.0, self.duration / self.ramp_up) if self.ramp_up else 1.0
        if self.half_life is None:
            return peak
        if self.half_life == 0:
            return 0.0
        return peak * 0.5 ** ((t - self.duration) / self.half_life)

    def total_cost(self, horizon: int, steps_per_year: int) -> float:
        """USD spent within ``horizon`` steps."""
        if self.start >= horizon:
            return 0.0
        funded = horizon - self.start if self.duration is None else min(
            self.duration, horizon - self.start)
        return self.cost.one_off + self.cost.per_year * funded / steps_per_year


def parse_interventions(data: Any, scenario: Scenario, file: str, path: str
                        ) -> list[Intervention]:
    """Build and check a list of interventions against a scenario's ids."""
    items = build(list[Intervention], data if data is not None else [], file, path)
    for i, iv in enumerate(items):
        check_targets(iv, scenario, file, f"{path}[{i}]")
    return items


def check_targets(iv: Intervention, scenario: Scenario, file: str, path: str) -> None:
    known = {
        "countries": {c.id for c in scenario.countries},
        "stockpiles": {sp.id for _, sp in scenario.stockpiles()},
        "borders": {b.id for b in scenario.borders},
        "crossings": {x.id for b in scenario.borders for x in b.crossings},
    }
    kind = TYPES[iv.type]
    given = [k for k in TARGET_KINDS if getattr(iv.targets, k)]
    if not given:
        raise InputError(file, f"{path}.targets", f"expected at least one target "
                         f"({', '.join(kind.targets)}) for a {iv.type} intervention")
    for k in given:
        if k not in kind.targets:
            raise InputError(file, f"{path}.targets.{k}", f"a {iv.type} intervention "
                             f"targets {' or '.join(kind.targets)}, not {k}")
        for j, ident in enumerate(getattr(iv.targets, k)):
            if ident not in known[k]:
                raise InputError(file, f"{path}.targets.{k}[{j}]",
                                 f"refers to undefined {k[:-1] if k != 'countries' else 'country'}"
                                 f" '{ident}'{did_you_mean(ident, known[k])}")
    if iv.type == "embargo_monitoring":
        embargoed = {e.target for e in scenario.embargoes}
        for j, cid in enumerate(iv.targets.countries):
            if cid not in embargoed:
                raise InputError(file, f"{path}.targets.countries[{j}]",
                                 f"country '{cid}' is under no embargo (embargoes:) to "
                                 "monitor")
    if iv.type in ("stockpile_security", "ammunition_security") and iv.targets.countries:
        for j, cid in enumerate(iv.targets.countries):
            c = next(c for c in scenario.countries if c.id == cid)
            if not any(sp.owner != "civilian_licensed" for sp in c.stockpiles):
                raise InputError(file, f"{path}.targets.countries[{j}]",
                                 f"country '{cid}' has no state stockpile to secure")


def channel_reference() -> str:
    """Markdown table: for each type, the channels it acts through, the parameters that
    decide its effect and the seed paragraphs."""
    lines = ["| type | acts through | effect decided by | seeds |", "|---|---|---|---|"]
    for name, t in TYPES.items():
        channels, decided = CHANNELS.get(name, ("not yet described", ""))
        lines.append(f"| `{name}` | {channels} | {decided} | {t.source} |")
    return "\n".join(lines)


def type_reference() -> str:
    """Markdown table of intervention types and the parameters they move."""
    lines = ["| type | targets | moves | source |", "|---|---|---|---|"]
    for name, t in TYPES.items():
        moves = "; ".join(f"{lv.level} `{lv.name}` ({lv.how})" for lv in t.levers)
        lines.append(f"| `{name}` | {', '.join(t.targets)} | {moves}. {t.doc} | {t.source} |")
    return "\n".join(lines)
