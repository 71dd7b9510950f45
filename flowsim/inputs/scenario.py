"""The scenario format: what a policy researcher writes in a scenario YAML.

A scenario describes countries (nodes) with their stockpiles, end-user markets and
controls in force, borders (edges) with their crossing points, trafficker groups,
authorized transfers, and the base rates of the diversion mechanisms. Every key, its
default, its range and its source is declared here, once; ``flowsim schema`` prints the
whole reference. Rates written "per year" are converted to the simulation's step length
by :meth:`Simulation.per_step_probability` / :meth:`Simulation.per_step_count`.

Citations refer to the source documents in ``../shared/seeds/`` by file prefix and
paragraph: ``000 ¶6`` is paragraph 6 of ``000_5dd0e9c45d9414c4.txt``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from flowsim.errors import InputError, did_you_mean
from flowsim.inputs.embargoes import Embargo, check_embargoes
from flowsim.inputs.events import Event, check_events, event_reference
from flowsim.inputs.harm import Harm
from flowsim.inputs.interventions import Intervention, check_targets
from flowsim.inputs.online import check_online
from flowsim.inputs.schema import (
    COUNT_MAX,
    MAX_STEPS,
    build,
    check_kind,
    load_yaml,
    param,
    parse_yaml,
    probability,
    reference,
)

CATEGORIES = ("handguns", "rifles", "light_weapons", "ammunition")
OWNERS = ("military", "police", "civilian_licensed", "manufacturer", "post_conflict_cache")
MODES = ("ant", "bulk", "postal")
STEPS_PER_YEAR = {"week": 52, "month": 12, "quarter": 4, "year": 1}


def _count(doc: str) -> Any:
    return param(0, doc, lo=0, hi=COUNT_MAX)


@dataclass(kw_only=True)
class CategoryCounts:
    """Counts by weapon category (ammunition in rounds)."""

    handguns: int = _count("Handguns (pistols, revolvers).")
    rifles: int = _count("Rifles, carbines, assault rifles, sub-machine guns.")
    light_weapons: int = _count("Light weapons (machine guns, grenade launchers, mortars).")
    ammunition: int = _count("Ammunition, in rounds.")

    def array(self) -> np.ndarray:
        return np.array([getattr(self, c) for c in CATEGORIES], dtype=np.int64)


@dataclass(kw_only=True)
class CategoryRates:
    """Non-negative numbers by weapon category (per-year quantities or USD prices)."""

    handguns: float = param(0.0, "Handguns.", lo=0)
    rifles: float = param(0.0, "Rifles.", lo=0)
    light_weapons: float = param(0.0, "Light weapons.", lo=0)
    ammunition: float = param(0.0, "Ammunition (per round).", lo=0)

    def array(self) -> np.ndarray:
        return np.array([getattr(self, c) for c in CATEGORIES], dtype=float)


@dataclass(kw_only=True)
class CategorySizes(CategoryRates):
    """Positive sizes by weapon category: every unit takes some room in a shipment."""

    handguns: float = param(1.0, "Handguns.", lo=1e-6, assumption=True)
    rifles: float = param(1.0, "Rifles.", lo=1e-6, assumption=True)
    light_weapons: float = param(3.0, "Light weapons.", lo=1e-6, assumption=True)
    ammunition: float = param(0.002, "Ammunition (per round).", lo=1e-6,
                              assumption=True)


def libm_power(base: float | np.ndarray, exponent: float) -> Any:
    """``base ** exponent`` element by element with the C library's ``pow`` (Python's float
    power), the same on every machine: numpy's array power runs SIMD code on processors
    that have it (AVX-512) whose results differ from ``pow`` in the last bit, and a
    simulation must not give other numbers on another processor. A float for a scalar
    ``base``, else an array of its shape."""
    if np.ndim(base) == 0:
        return float(base) ** exponent
    b = np.asarray(base, dtype=float)
    return np.array([x ** exponent for x in b.ravel().tolist()]).reshape(b.shape)


def _rates(doc: str = "", **values: float) -> Any:
    return param(factory=lambda: CategoryRates(**values), doc=doc, assumption=True)


@dataclass(kw_only=True)
class Simulation:
    """How long to simulate, in what steps, with what random seed."""

    steps: int = param(120, "Number of steps to simulate.", lo=1, hi=MAX_STEPS)
    step_length: str = param("month", "Length of one step.", choices=tuple(STEPS_PER_YEAR))
    seed: int = param(1, "Random seed; the same seed and inputs give the same numbers.", lo=0)

    @property
    def steps_per_year(self) -> int:
        return STEPS_PER_YEAR[self.step_length]

    def per_step_probability(self, per_year: float | np.ndarray) -> Any:
        """Convert an annual probability to the per-step probability with the same yearly effect."""
        return 1.0 - libm_power(1.0 - np.clip(per_year, 0.0, 1.0), 1.0 / self.steps_per_year)

    def per_step_count(self, per_year: float | np.ndarray) -> Any:
        return np.asarray(per_year, dtype=float) / self.steps_per_year


@dataclass(kw_only=True)
class Stockpile:
    """A state or civilian holding of weapons in a country."""

    id: str = param(doc="Unique identifier of the stockpile.")
    owner: str = param("military", "Who holds it.", choices=OWNERS,
                       source="000 ¶6 (stockpiles, private actors), 001 ¶11")
    holdings: CategoryCounts = param(factory=CategoryCounts, doc="Weapons held at the start.")
    security: float = probability(
        0.5, "Physical security and stockpile management (PSSM) level; 0 = open depot, "
        "1 = fully secured. Scales theft, insider and capture rates.", "001 ¶35-38, 000 ¶59-60",
        assumption=True)
    marking: float = probability(
        0.85, "Share of weapons marked.", "000 ¶33 (some 85% of seized firearms marked)",
        derivation="85 per cent of seized firearms marked appropriately (000 ¶33) = 0.85")
    record_keeping: float = probability(
        0.47, "Share of the stockpile's weapons with a record (traceable) and quality of its "
        "inventory; lowers losses and insider theft. The seeds give no stockpile figure: 000 "
        "¶32's 115,612 of 246,090 (0.47) is the share of *collected illicit* weapons the "
        "authorities recorded, borrowed here for want of better.", "000 ¶32, ¶119 (record-"
        "keeping a precondition for tracing)", assumption=True)
    audits_per_year: float = param(1.0, "Inventory audits per year; with records, deters "
                                   "insider theft and reports losses.", lo=0, hi=365,
                                   source="000 ¶60", assumption=True)
    surplus_share: float = probability(
        0.0, "Share of the holdings that is surplus (what surplus destruction can remove); "
        "none unless set. The shipped scenarios give military arsenals 0.4, the share of "
        "military firearms 001 ¶36 estimates to be surplus.", assumption=True)
    production: CategoryCounts = param(factory=CategoryCounts,
                                       doc="Weapons produced per year (manufacturers).")


@dataclass(kw_only=True)
class Market:
    """End users in a country: armed groups or criminal markets that absorb weapons."""

    id: str = param(doc="Unique identifier of the market.")
    kind: str = param("criminal_market", "Kind of end user; sets how demand follows "
                      "conflict, how price-sensitive it is and whether it takes weapons "
                      "captured in battle (behaviour.armed_group, behaviour.criminal_market, "
                      "behaviour.civilian), and which harm rates apply (harm block). "
                      "civilian: illicit civilian holdings.",
                      choices=("armed_group", "criminal_market", "civilian"),
                      source="000 ¶24-26, ¶31; 004 ¶11")
    demand: CategoryRates = param(factory=CategoryRates, doc="Weapons wanted per year.")
    price: CategoryRates = _rates("Base willingness to pay, USD per unit.", handguns=1500.0,
                                  rifles=2000.0, light_weapons=8000.0, ammunition=1.5)
    holdings: CategoryCounts = param(factory=CategoryCounts,
                                     doc="Illicit weapons already held at the start (origin "
                                     "label `pre_existing`: unrecorded, origin unknown).")
    holdings_marked: float = probability(
        0.85, "Share of the starting holdings that bears a marking.",
        "000 ¶33 (some 85% of seized firearms marked)",
        derivation="85 per cent of seized firearms marked appropriately (000 ¶33) = 0.85")


@dataclass(kw_only=True)
class Controls:
    """Controls in force in a country (run by its regulator); interventions change these."""

    pssm: float = probability(0.0, "National PSSM programme: raises every state stockpile's "
                              "effective security to 1-(1-security)(1-pssm).", "001 ¶35-39",
                              assumption=True)
    ammunition_pssm: float = probability(
        0.0, "National ammunition management programme (IATG): scales every leak rate of "
        "the ammunition in state stockpiles by (1 - ammunition_pssm); weapons are not "
        "affected.", "001 ¶35 (stockpiles a principal source of illicit ammunition), ¶40",
        assumption=True)
    embargo_monitoring: float = param(
        0.0, "Inspection rate added at every crossing into this country while an arms "
        "embargo on it is in force (a panel of experts, cargo inspections; see embargoes), "
        "on top of the embargo's own extra_inspection.", lo=0, hi=1,
        source="000 ¶28 (information-sharing on possible embargo violations)",
        assumption=True)
    postal_cyber_policing: float = probability(
        0.05, "Probability a parcel from online sales (a weapon or a kit of parts) posted to "
        "buyers in this country is found and seized by postal and cyber policing.",
        "000 ¶58 (postal shipments), ¶104; 004 ¶9", assumption=True)
    parts_marking: float = probability(
        0.0, "Share of the kits of parts sold online from this country whose essential "
        "components are marked and recorded: weapons assembled from them are marked and "
        "recorded (traceable).", "004 ¶30 (marking of essential components)",
        assumption=True)
    brokering_controls: float = probability(
        0.0, "Registration and licensing of brokering activities: probability that a deal "
        "a broker based in this country attempts is stopped.", "000 ¶7, ¶17; 004 ¶29",
        assumption=True)
    marking_programme: float = probability(
        0.0, "Share of unmarked state-held weapons marked per year.", "000 ¶59; 004 ¶30",
        assumption=True)
    record_keeping_programme: float = probability(
        0.0, "Share of unrecorded state-held weapons entered in records per year.", "000 ¶59-60",
        assumption=True)
    tracing_capacity: float = probability(
        0.0039, "Probability that a weapon in the authorities' hands (seized or collected) "
        "on which they act and which bears a marking is the subject of a tracing request.",
        "000 ¶32 (tracing requests for only 669 of 246,090 collected weapons), 000 ¶33",
        derivation="669 requests / (246,090 collected - 75,531 with no action) = 669 / "
        "170,559 (000 ¶32) = 0.0039")
    tracing_cooperation: float = probability(
        0.66, "Probability this country answers a foreign tracing request (INTERPOL, registry); "
        "foreign_trace_success is the success of an answered request. The seeds give no "
        "answer rate: 0.66 borrows the share of reporting States cooperating with INTERPOL "
        "in tracing (79 of 120), which is not the same quantity.",
        "000 ¶33 (79 States cooperate with INTERPOL in tracing), ¶61", assumption=True)
    licensing: float = probability(0.5, "Strength of civilian licensing; scales leakage from "
                                   "licensed civilian holdings by (1 - licensing).", "000 ¶48",
                                   assumption=True)
    end_user_verification: float = probability(
        0.3, "Strength of end-user verification on exports (as exporter); scales the "
        "probability a consignment is diverted by end-user fraud by (1 - this).",
        "000 ¶50-52, 004 ¶26", assumption=True)
    post_shipment_checks: float = probability(
        0.1, "Post-shipment verification of exports (as exporter); scales the probability "
        "a consignment is re-exported without authorization by (1 - this), and is the "
        "probability a re-exported consignment is found, which raises the pair's diversion "
        "record.", "000 ¶53", assumption=True)
    export_risk_assessment: float = probability(
        0.5, "Pre-transfer risk assessment (as exporter): a licence is denied with "
        "probability this x the exporter-importer pair's diversion record (transfers[]."
        "diversion_record, raised by post-shipment findings and traced diversions).",
        "000 ¶50, ¶53; 004 ¶26 (a denial)", assumption=True)
    import_marking: float = probability(
        0.0, "Marking on import (as importer): probability an unmarked weapon received "
        "through customs (delivered, or re-exported later) is marked, so it can be traced.",
        "004 ¶30 (marking of imported firearms)", assumption=True)
    end_use_checks: float = probability(
        0.0, "End-use controls after delivery (as importer): scales the probability a "
        "consignment is diverted by end-user fraud or re-exported by (1 - this).",
        "004 ¶26 (responsibility of importing States), 000 ¶53", assumption=True)
    information_exchange: float = probability(
        0.2, "Sharing of seizure and route intelligence with other regulators.", "000 ¶20, ¶55",
        assumption=True)
    mobile_inspection: float = param(
        0.0, "Extra inspection rate (mobile checkpoints) the regulator allocates across its "
        "entry crossings by perceived risk.", lo=0, hi=10, source="000 ¶58",
        assumption=True)
    anti_corruption: float = probability(
        0.0, "Integrity measures against corrupt officials, at borders and in depots: "
        "effective corruption at crossings = corruption x (1 - this); insider theft from the "
        "country's stockpiles x (1 - this).", "004 ¶25 (rogue officials), 001 ¶11",
        assumption=True)
    inland_policing: float = probability(
        0.1, "Share per year of illicit weapons in the country (traffickers' and end users') "
        "seized inland; traffickers' shipments are stopped parcel by parcel, so a bulk "
        "consignment is lost whole or not at all.",
        "004 ¶25 (seizures mainly made inland)", assumption=True)
    collection: float = probability(0.0, "Share per year of end users' illicit weapons "
                                    "collected (voluntary surrender, DDR); collected weapons "
                                    "come into the authorities' hands like seized ones (see "
                                    "no_action, destroy_in_hand).",
                                    "000 ¶32, ¶69; 001 ¶41", assumption=True)
    store_security: float = probability(
        0.5, "Security of the stores where the authorities keep seized and collected weapons "
        "they have not destroyed (evidence and collection stores); store leakage = "
        "mechanisms.store_leakage x (1 - store security), store security = 1 - (1 - this)"
        "(1 - pssm).", "000 ¶6 (disposal a stage of diversion), ¶71 (destroy seized arms)",
        assumption=True)
    craft_policing: float = probability(
        0.0, "Policing of craft producers (workshops, raids): craft production x (1 - this).",
        "004 ¶25 (handcrafted firearms); 001 ¶58 (produced outside state controls); 000 ¶6",
        assumption=True)
    deactivation_standards: float = probability(
        0.0, "Deactivation and conversion standards enforced (imitations and deactivated "
        "weapons that cannot readily be converted): conversion x (1 - this).",
        "000 ¶64 (readily convertible imitations), 000 ¶27 (resolution 2482)",
        assumption=True)
    printing_controls: float = probability(
        0.0, "Controls on printing files and essential parts (national control lists covering "
        "3-D printing): printed x (1 - this).", "001 ¶59 (control list definitions), ¶57",
        assumption=True)
    surplus_destruction: float = probability(
        0.0, "Share per year of state surplus destroyed.", "000 ¶35, 001 ¶39", assumption=True)
    training: float = probability(0.0, "Training of officials: multiplies border detection "
                                  "and tracing success by (1 + 0.5 x training).",
                                  "001 part C (training of officials), 002", assumption=True)
    # --- disposition of weapons in the authorities' hands (000 ¶32; issue #11) ----------
    no_action: float = probability(
        0.307, "Probability that no action is taken on a weapon that comes into the "
        "authorities' hands (seized or collected): not marked, recorded, traced or destroyed.",
        "000 ¶32", derivation="75,531 with no action / 246,090 collected (000 ¶32) = 0.307")
    record_in_hand: float = probability(
        0.678, "Probability the authorities record a weapon in their hands that they act on.",
        "000 ¶32", derivation="115,612 recorded / (246,090 - 75,531 with no action) = "
        "115,612 / 170,559 (000 ¶32) = 0.678")
    mark_in_hand: float = probability(
        0.129, "Probability the authorities mark a weapon in their hands that they act on.",
        "000 ¶32", derivation="21,997 marked / (246,090 - 75,531 with no action) = "
        "21,997 / 170,559 (000 ¶32) = 0.129")
    destroy_in_hand: float = probability(
        0.737, "Probability the authorities destroy a weapon in their hands that they act on "
        "(in the step it comes in; the rest stay held).", "000 ¶32, ¶35",
        derivation="125,764 destroyed / (246,090 - 75,531 with no action) = 125,764 / "
        "170,559 (000 ¶32) = 0.737")
    # --- end of disposition -----------------------------------------------------------


@dataclass(kw_only=True)
class IllicitResponse:
    """How a country's illicit manufacture (craft, conversion, printing) answers the local
    illicit price: rate x min(capacity, (price / base price) ** price_elasticity), so it
    substitutes when other supply is cut and prices rise (001 ¶59: theft or purchase is
    cheaper than printing *for now*; 004 ¶25: craft production where arms are scarce)."""

    price_elasticity: float = param(
        0.5, "Elasticity of illicit manufacture to the local illicit price (price over base "
        "price, averaged over the country's markets wanting the category, else its "
        "neighbours'); 0 = a fixed rate.", lo=0, hi=5, source="001 ¶59; 004 ¶25",
        assumption=True)
    capacity: float = param(
        3.0, "Most illicit manufacture can grow, as a multiple of its base rate (workshops, "
        "skills and materials take time to scale).", lo=1, hi=100, source="001 ¶58",
        assumption=True)


@dataclass(kw_only=True)
class Country:
    """A country (network node)."""

    id: str = param(doc="Unique identifier used by borders, traffickers and transfers.")
    name: str | None = param(None, "Display name (defaults to the id).")
    position: list[float] | None = param(
        None, "Where the country is drawn, [x, y] in any units (the workshop app and "
        "network.png); without positions on every country a fixed automatic layout is used.")
    conflict_intensity: float = probability(
        0.0, "Armed conflict intensity; drives battlefield capture from state stockpiles and "
        "armed groups' demand (behaviour.armed_group.conflict_demand).",
        "000 ¶6 (battlefield capture), ¶8, ¶30", assumption=True)
    stockpiles: list[Stockpile] = param(factory=list, doc="Stockpiles in the country.")
    markets: list[Market] = param(factory=list, doc="End-user markets in the country.")
    controls: Controls = param(factory=Controls, doc="Controls in force at the start.")
    craft_production: CategoryRates = param(
        factory=CategoryRates, doc="Illicit craft-produced weapons per year (unmarked).",
        source="000 ¶6; 004 ¶25 (handcrafted firearms in West Africa)")
    conversion: CategoryRates = param(
        factory=CategoryRates, doc="Converted or reactivated weapons per year (unmarked).",
        source="000 ¶64; 003 'New trafficking challenges'")
    printed: CategoryRates = param(
        factory=CategoryRates, doc="3D-printed or polymer-frame weapons per year (unmarked).",
        source="001 ¶57-59 (3-D printing, craft workshops); 003 'Recent developments'")
    illicit_response: IllicitResponse = param(
        factory=IllicitResponse, doc="How craft production, conversion and printing answer "
        "the local illicit price (substitution when other supply is cut).",
        source="001 ¶59; 004 ¶25")
    licit_price: CategoryRates = _rates(
        "Licit price in the country, USD per unit (a licensed retail or official price), "
        "written beside the illicit price in prices.csv so the two can be compared (003, "
        "'Recommendations: types and characteristics of information', asks for weapons "
        "prices; the seeds give no figure). Output only: no mechanism "
        "uses it.", handguns=500.0, rifles=800.0, light_weapons=4000.0, ammunition=0.5)

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(kw_only=True)
class Crossing:
    """A crossing point on a border: official post or unofficial path."""

    id: str = param(doc="Unique identifier of the crossing.")
    official: bool = param(True, "Official post (bulk and postal shipments need one) or an "
                           "unofficial path (ant trade only).", source="000 ¶58")
    travel_cost: float = param(20.0, "Cost per weapon in USD of moving through this crossing "
                               "(distance, porters, transport).", lo=0, assumption=True)
    inspection_rate: float = probability(0.1, "Share of passing parcels inspected.", "000 ¶58",
                                         assumption=True)
    detection_probability: float = probability(
        0.5, "Probability an inspected parcel with weapons is found (before mode visibility).",
        assumption=True)
    corruption: float = probability(0.2, "Probability a detected parcel is let through for a "
                                    "bribe.", "004 ¶25; 001 ¶11", assumption=True)


@dataclass(kw_only=True)
class Border:
    """A border between two countries (network edge) with its crossing points."""

    id: str = param(doc="Unique identifier of the border.")
    between: list[str] = param(doc="The two country ids it joins.")
    length_km: float = param(0.0, "Length in km (informative; porous borders show as many "
                             "unofficial crossings).", lo=0)
    crossings: list[Crossing] = param(doc="At least one crossing point.")


@dataclass(kw_only=True)
class TraffickerGroup:
    """A group of traffickers sharing a base, a mode and a behaviour."""

    id: str = param(doc="Unique identifier of the group.")
    count: int = param(1, "Number of traffickers.", lo=0, hi=1_000_000, assumption=True)
    base: str = param(doc="Country where they acquire diverted weapons.")
    capital: float = param(20000.0, "Starting capital per trafficker, USD.", lo=0,
                           assumption=True)
    mode: str = param("ant", "Preferred mode: many small parcels, few large consignments, or "
                      "postal shipments of parts.", choices=MODES, source="000 ¶9, ¶58")
    capacity: int = param(0, "Transport units a trip is planned to fill (0 = the mode's "
                          "default); one unit is a rifle or handgun, see "
                          "behaviour.transport_units. Each trip's size is drawn around its "
                          "plan (behaviour.<mode>.load_shape), so one trip can carry more.",
                          lo=0)
    risk_aversion: float = param(1.0, "Weight of perceived seizure risk against cost in route "
                                 "choice.", lo=0, hi=100, assumption=True)


@dataclass(kw_only=True)
class Transfer:
    """A recurring authorized transfer (export) from a stockpile to a country."""

    from_stockpile: str = param(doc="Exporting stockpile id (usually a manufacturer).")
    to_country: str = param(doc="Importing country id.")
    to_stockpile: str | None = param(None, "Receiving stockpile id (default: the importing "
                                     "country's first state stockpile).")
    per_year: CategoryCounts = param(factory=CategoryCounts, doc="Weapons transferred per year.")
    reexport_to: list[str] = param(
        factory=list, doc="Third States that weapons diverted by unauthorized re-export go "
        "on to (their local illicit sellers); default: the importer's neighbours other than "
        "the exporter's country, else any other country.", source="000 ¶65; 004 ¶26")
    diversion_record: float = probability(
        0.0, "The pair's diversion record at the start, as the exporter's risk assessment "
        "sees it (0 = none known, 1 = certain diversion); post-shipment findings and traced "
        "diversions raise it.", "000 ¶53; 004 ¶26", assumption=True)


_ONLINE = "000 ¶26, ¶104; 004 ¶9; 003 'New trafficking challenges'"


@dataclass(kw_only=True)
class OnlineTrade:
    """Online or darknet sales from one country to one end-user market, delivered by post
    one item per parcel: whole weapons and kits of parts assembled at destination
    (flowsim/inputs/online.py)."""

    id: str = param(doc="Unique identifier of the channel.")
    from_country: str = param(doc="Country the sellers post from.", source=_ONLINE)
    to_market: str = param(doc="Market of the buyers (kind civilian or criminal_market) in "
                           "another country.", source="000 ¶26")
    weapons_per_year: CategoryRates = param(
        factory=CategoryRates, doc="Whole weapons sold per year, taken from the sellers' "
        "country's illicit sellers as far as they have them (the darknet as an enabler of "
        "trade in weapons already on the black market, 000 ¶104); ammunition in rounds.",
        source=_ONLINE)
    parts_kits_per_year: CategoryRates = param(
        factory=CategoryRates, doc="Kits of parts and components sold per year, by the "
        "category of weapon each kit makes (not ammunition); they become weapons only when "
        "assembled.", source="003 'New trafficking challenges'; 004 ¶30")
    assembly_capacity: float = param(
        100.0, "Kits the buyers can assemble per year; kits beyond it wait.", lo=0,
        hi=1e9, source="003 (assembly of parts at destination)", assumption=True)
    assembly_yield: float = probability(
        0.9, "Probability an assembled kit makes a working weapon.",
        "003 (assembly of parts at destination)", assumption=True)


@dataclass(kw_only=True)
class Broker:
    """A broker arranging bulk deals between a supplier stockpile and a distant buyer with
    forged end-user documentation, without touching the goods (flowsim/model/brokers.py)."""

    id: str = param(doc="Unique identifier of the broker.")
    base: str = param(doc="Country the broker operates from (whose brokering controls "
                      "apply); the goods never pass through it.", source="000 ¶7, ¶17")
    from_stockpile: str = param(doc="State stockpile whose weapons a deal releases under "
                                "forged end-user documentation.", source="000 ¶6-7, ¶50-52")
    to_market: str = param(doc="Buyers' market, in a country other than the supplier's.",
                           source="000 ¶7")
    deals_per_year: float = param(1.0, "Deals the broker attempts per year.", lo=0, hi=1000,
                                  source="000 ¶7", assumption=True)
    consignment: CategoryCounts = param(
        factory=lambda: CategoryCounts(rifles=200), doc="What one deal ships (as far as "
        "the stockpile holds it).", source="000 ¶9 (large shipments)", assumption=True)
    forgery_detection: float = probability(
        0.5, "Probability the exporter's end-user verification, when fully applied, sees "
        "through the forged documents (x controls.end_user_verification of the supplier's "
        "country).", "000 ¶50-52", assumption=True)


@dataclass(kw_only=True)
class Mechanisms:
    """Base annual rates of the diversion mechanisms (at zero security, licensing, verification).

    Magnitudes are illustrative, chosen so that shipped scenarios divert a fraction of a
    percent of stockpiles per year; calibration (``flowsim calibrate``) fits them to data.
    """

    theft: float = probability(0.01, "Theft by outsiders, x (1 - security).",
                               "000 ¶6; 004 ¶25 (attacks on stockpiles)", assumption=True)
    loss: float = probability(0.004, "Loss, x (1 - record_keeping).", "001 ¶11; 000 ¶60",
                              assumption=True)
    insider: float = probability(0.015, "Insider theft and corruption, x (1 - security/2) x "
                                 "(1 - audit deterrence) x (1 - integrity).",
                                 "001 ¶11; 004 ¶25 (rogue officials)",
                                 assumption=True)
    battlefield_capture: float = probability(
        0.08, "Capture at conflict intensity 1, x intensity x (1 - security/2).", "000 ¶6, ¶8",
        assumption=True)
    civilian_leakage: float = probability(
        0.02, "Straw purchases and theft from licensed civilian holdings, x (1 - licensing).",
        "000 ¶6 (leakage from private actors), ¶48", assumption=True)
    transfer_fraud: float = probability(
        0.15, "Probability an authorized consignment is diverted by end-user fraud (its "
        "consignment_share goes to the importer's illicit market), x (1 - exporter "
        "end_user_verification) x (1 - importer end_use_checks).", "000 ¶6, ¶50-52",
        assumption=True)
    reexport: float = probability(0.08, "Probability an authorized consignment not diverted "
                                  "by fraud is re-exported without authorization, x (1 - "
                                  "exporter post_shipment_checks) x (1 - importer "
                                  "end_use_checks); its consignment_share goes on to a third "
                                  "State (transfers[].reexport_to).",
                                  "004 ¶26; 000 ¶53, ¶65", assumption=True)
    consignment_share: float = probability(
        1.0, "Share of a diverted consignment that is diverted (each weapon independently); "
        "1 = whole consignments.", "000 ¶6, ¶9 (large shipments)", assumption=True)
    store_leakage: float = probability(
        0.03, "Leakage per year of seized and collected weapons held (not destroyed) in the "
        "authorities' stores, x (1 - store security); they go to local illicit sellers.",
        "000 ¶6 (disposal a stage of diversion), ¶71", assumption=True)
    category_factor: CategoryRates = _rates("Multiplier of every leak rate by category "
                                            "(illustrative: ammunition leaks more easily).",
                                            handguns=1.0, rifles=1.0, light_weapons=0.5,
                                            ammunition=1.5)


@dataclass(kw_only=True)
class ModeSettings:
    """How a trafficking mode behaves at borders."""

    parcel_size: int = param(5, "Transport units (weapon-equivalents) per parcel inspected as "
                             "a unit.", lo=1, assumption=True)
    visibility: float = param(0.3, "Multiplier of detection probability for its parcels.",
                              lo=0, hi=10, assumption=True)
    capacity: int = param(20, "Default transport units (weapon-equivalents) a trip is planned "
                          "to fill; each trip's size is drawn around its plan (load_shape).",
                          lo=1, assumption=True)
    official_only: bool = param(False, "Can use official crossings only.")
    parcel_size_shape: float = param(
        2.0, "Shape of the gamma distribution of parcel sizes (mean parcel_size; coefficient "
        "of variation 1 / sqrt(shape)): the share of a shipment in its seized parcels is "
        "drawn from the matching beta distribution, so seizure sizes vary. Large values make "
        "every parcel the same size.", lo=0.01, hi=1e6, assumption=True)
    load_shape: float = param(
        4.0, "Shape of the gamma distribution of a trip's size as a multiple of its planned "
        "load (mean 1, coefficient of variation 1 / sqrt(shape); the plan fills capacity "
        "where supply and demand allow, and no trip takes more than they allow): "
        "consignment sizes vary from trip to trip as well as with supply, demand and "
        "capital (000 ¶9 names large shipments and the small-scale ant trade but gives no "
        "sizes). So a trip can carry more than capacity; where supply or demand (as seen "
        "when planning) bind the plan, trips carry less than the plan on average; a small "
        "plan rounded to nothing makes no trip that step. Large values make every trip its "
        "planned load.",
        lo=0.01, hi=1e6, source="000 ¶9 (shipment sizes differ; no figures)",
        assumption=True)


@dataclass(kw_only=True)
class MarketBehaviour:
    """How one kind of end user (armed group or criminal market) demands and acquires."""

    conflict_demand: float = param(
        0.0, "Demand multiplier per unit of the country's conflict intensity: demand x (1 + "
        "conflict_demand x conflict_intensity).", lo=0, hi=100,
        source="000 ¶24, ¶30; 001 ¶35 (diversion feeds armed groups in conflict)",
        assumption=True)
    demand_elasticity: float = param(
        0.3, "Price sensitivity of quantity wanted: each step's demand is scaled by (base "
        "price / price) ** demand_elasticity.", lo=0, hi=5, assumption=True)
    battlefield_capture: bool = param(
        False, "Weapons captured in battle in the country go straight to these end users "
        "(delivered, counting against their demand) instead of local illicit sellers.",
        source="000 ¶6 (battlefield or other violent capture); 001 ¶11 (handouts to armed "
        "groups)")
    rounds_per_weapon_year: float = param(
        0.0, "Rounds of ammunition these end users fire per weapon held per year; a weapon "
        "without ammunition is not used, so only the share of weapons their rounds can "
        "supply counts towards harm (flowsim.model.ammunition). 0 = ammunition is not used "
        "up and never limits use. No seed gives a rate: set it from national data.",
        lo=0, hi=1e6,
        source="001 ¶10-11 (weapons and their ammunition), ¶35; 004 ¶12 (illicit "
        "ammunition flows)", assumption=True)


@dataclass(kw_only=True)
class Behaviour:
    """Trafficker, market and regulator behaviour parameters."""

    ant: ModeSettings = param(
        factory=lambda: ModeSettings(parcel_size=5, visibility=0.3, capacity=20),
        doc="Ant trade: many small parcels, low detection (000 ¶9).", assumption=True)
    bulk: ModeSettings = param(
        factory=lambda: ModeSettings(parcel_size=500, visibility=1.5, capacity=500,
                                     official_only=True),
        doc="Bulk consignments: one large parcel (000 ¶9).", assumption=True)
    postal: ModeSettings = param(
        factory=lambda: ModeSettings(parcel_size=2, visibility=0.5, capacity=10,
                                     official_only=True),
        doc="Postal shipments of parts (000 ¶58).", assumption=True)
    learning_rate: float = probability(0.3, "Weight of a trafficker's own crossing outcome "
                                       "in its perceived risk.", assumption=True)
    shared_learning: float = probability(0.05, "Weight of news of others' seizures.",
                                         assumption=True)
    replan_steps: int = param(6, "Steps a trafficker keeps its habitual route and market "
                              "before re-planning (it also re-plans after a seizure).", lo=1,
                              assumption=True)
    arrest_probability: float = probability(0.3, "Probability a trafficker is arrested when "
                                            "its parcels are seized.", assumption=True)
    arrest_steps: int = param(12, "Steps before an arrested trafficker is replaced.", lo=0,
                              assumption=True)
    transport_units: CategorySizes = param(
        factory=CategorySizes, doc="Space a unit takes in a shipment, in weapon-equivalents "
        "(capacity, parcels, travel cost); positive.", assumption=True)
    acquisition_price: CategoryRates = _rates(
        "Price in USD traffickers pay local illicit sellers per unit.", handguns=300.0,
        rifles=400.0, light_weapons=2000.0, ammunition=0.3)
    price_elasticity: float = param(0.6, "Response of prices to shortage.", lo=0, hi=5,
                                    assumption=True)
    max_price_factor: float = param(4.0, "Cap on price relative to base.", lo=1, hi=100,
                                    assumption=True)
    backlog_steps: float = param(6.0, "Unmet demand carried forward, in steps of demand.", lo=0,
                                 assumption=True)
    domestic_trace_success: float = probability(
        0.553, "Probability a tracing request on a marked weapon of domestic origin with a "
        "record is traced through the national registry (x training). Conditional on the "
        "weapon having a record; 000 ¶33's 13% is a share of *all* requests.",
        "000 ¶33 (13% of requests traced to a national registry)",
        derivation="13 per cent of all requests (000 ¶33) / [one half of requests on weapons "
        "of domestic origin, assumed from the 'two roughly equal components' (000 ¶33) x "
        "115,612 recorded / 246,090 collected, the model's default share with a record "
        "(000 ¶32)] = 0.13 / 0.2349 = 0.553")
    foreign_trace_success: float = probability(
        0.97, "Probability a tracing request on a marked weapon of foreign origin with a "
        "record, answered by the origin (its tracing_cooperation), is traced through the "
        "origin's registry (x training). Conditional on a record and an answer; 000 ¶33's "
        "15% is a share of *all* requests.",
        "000 ¶33 (15% of requests traced to a foreign registry)",
        derivation="15 per cent of all requests (000 ¶33) / [one half of requests on weapons "
        "of foreign origin (000 ¶33) x 115,612 recorded / 246,090 collected (000 ¶32) x the "
        "default answer rate 79 / 120 (000 ¶32-33)] = 0.15 / 0.1546 = 0.97")
    trace_response: float = probability(
        0.05, "Share of its remaining room below trace_response_max that an origin "
        "stockpile's trace boost gains when its authorities act on a trace identifying it "
        "as a point of diversion.", "000 ¶33, ¶61 (tracing identifies points of diversion; "
        "no magnitude given)", assumption=True)
    # --- response to traces, bounded and fading (issue #11 defect 1) ------------------
    trace_action_probability: float = probability(
        0.3, "Probability the origin's authorities act on a trace that identifies one of its "
        "stockpiles as a point of diversion (per stockpile and step).", assumption=True)
    trace_response_max: float = probability(
        0.1, "Upper bound of the trace boost: the share of a stockpile's security gap that "
        "acting on traces can close, however often it is traced.", assumption=True)
    trace_response_half_life: float = param(
        12.0, "Steps for the trace boost to halve once traces stop (as funded programmes "
        "fade, 001 part C; 002).", lo=0.1, assumption=True)
    # --- consequences of a successful trace (000 ¶33-34, ¶53, ¶61, ¶119; issue #21) ------
    investigation_probability: float = probability(
        0.2, "Probability a case of traced weapons diverted from a stockpile (one origin "
        "stockpile's weapons traced together in a country and step) opens a criminal "
        "investigation of their route (origin to where they were traced).",
        "000 ¶34 (a general lack of investigations into origin), ¶119", assumption=True)
    investigation_lag: int = param(6, "Steps from a trace to the investigation's result.",
                                   lo=0, hi=1200, assumption=True)
    investigation_pressure: float = probability(
        0.3, "Gain of the route pressure per completed investigation: traffickers based at "
        "the origin and seized in, or bound for, the traced country are arrested with 1 - "
        "(1 - arrest_probability)(1 - pressure).", "000 ¶34", assumption=True)
    investigation_half_life: float = param(
        12.0, "Steps for route pressure to halve without new investigations.", lo=0.1,
        assumption=True)
    dismantle_probability: float = probability(
        0.1, "Probability a completed investigation dismantles a trafficker based at the "
        "origin (arrested at once with its cargo).", "000 ¶34, ¶52 (prosecution)",
        assumption=True)
    trace_intelligence: float = param(
        1.0, "Perceived risk a traced weapon's route (least-cost path from its origin to "
        "where it was traced) adds to each crossing on it, in seized weapons' worth, for "
        "regulators sharing information.", lo=0, hi=1000,
        source="000 ¶20, ¶55, ¶119 (exchange of information)", assumption=True)
    export_finding_weight: float = probability(
        0.2, "Gain of an exporter-importer pair's diversion record per finding (post-"
        "shipment verification or traced diversion): record + weight x (1 - record).",
        "000 ¶53", assumption=True)
    # --- legal ground recorded for a seizure (000 ¶34) --------------------------------
    other_ground: float = probability(
        0.24, "Probability a seizure is recorded on a legal ground other than illicit "
        "possession or trafficking.", "000 ¶34", derivation="1 - 2/3 illicit possession - "
        "9 per cent trafficking (000 ¶34) = 0.24")
    trafficking_recorded: float = probability(
        0.3, "Probability that a seizure from a trafficker's shipment not recorded on other "
        "grounds is recorded as trafficking rather than illicit possession (possession is the "
        "easier ground and trafficking stays 'largely hidden', 000 ¶34): values well above "
        "one half contradict that reading, and a fit that needs them says the model makes "
        "too few of its seizures from traffickers.", "000 ¶34", assumption=True)
    # --- end-user kinds (issue #11 defect 3) -------------------------------------------
    armed_group: MarketBehaviour = param(
        factory=lambda: MarketBehaviour(conflict_demand=1.0, demand_elasticity=0.1,
                                        battlefield_capture=True),
        doc="Armed groups: demand grows with conflict, little price sensitivity, they take "
        "weapons captured in battle (000 ¶6, ¶24; 004 ¶11).", assumption=True)
    criminal_market: MarketBehaviour = param(
        factory=lambda: MarketBehaviour(conflict_demand=0.0, demand_elasticity=0.5,
                                        battlefield_capture=False),
        doc="Criminal markets: demand independent of conflict, price-sensitive, supplied "
        "through illicit sellers and traffickers only (000 ¶26; 004 ¶11-12).",
        assumption=True)
    civilian: MarketBehaviour = param(
        factory=lambda: MarketBehaviour(conflict_demand=0.0, demand_elasticity=0.8,
                                        battlefield_capture=False),
        doc="Illicit civilian holdings (leakage from private actors, 000 ¶6, ¶31): demand "
        "independent of conflict, the most price-sensitive, supplied through illicit sellers "
        "and traffickers only.", assumption=True)
    regulator_memory: float = probability(0.8, "Per-step retention of a regulator's perceived "
                                          "risk of its crossings.", assumption=True)
    # --- seizure cases (issue #22): sizes of the individual cases inland ---------------------
    end_user_case_size: float = param(
        1.5, "Mean weapons per illicit-possession case against an end user: the weapons seized "
        "from end users in a step are cut into cases of 1, 2, 3, ... weapons, geometrically "
        "distributed with this mean (1 = every case one weapon).", lo=1, hi=1e6,
        assumption=True)
    seller_case_size: float = param(
        4.0, "Mean weapons per case against a local illicit seller (geometric, as for end "
        "users).", lo=1, hi=1e6, assumption=True)
    surrender_size: float = param(
        1.2, "Mean weapons per surrender in collection (amnesty, DDR; geometric).", lo=1,
        hi=1e6, assumption=True)


@dataclass(kw_only=True)
class CalibrationStatus:
    """How far the scenario is calibrated, as experiment reports state it; written by
    `flowsim calibrate` into the fitted scenario (docs/calibration.md). The model does not
    read it."""

    status: str = param(doc="One sentence: what the scenario was fitted to, by which "
                        "set-up, and how well (quoted by experiment reports).")
    setup: str = param("", "The calibration set-up that fitted it, e.g. "
                       "`calibration/regional-patterns.yaml`.")


@dataclass(kw_only=True)
class Scenario:
    """A flowsim scenario. Every file flowsim reads (scenario, experiment, calibration and
    patterns YAML, seizure-data CSV) may be at most 5 MB, checked before it is parsed. YAML
    numbers follow YAML 1.2: `1e300` and `2E+3` are numbers, as are `1.5` and `.inf`."""

    name: str = param(doc="Short name of the scenario.")
    description: str = param("", "What it represents and where its magnitudes come from.")
    simulation: Simulation = param(factory=Simulation, doc="Steps, step length, seed.")
    countries: list[Country] = param(doc="Countries (network nodes).")
    borders: list[Border] = param(factory=list, doc="Borders (network edges).")
    traffickers: list[TraffickerGroup] = param(factory=list, doc="Trafficker groups.")
    transfers: list[Transfer] = param(factory=list, doc="Authorized transfers.")
    brokers: list[Broker] = param(
        factory=list, doc="Brokers arranging bulk deals between a supplier stockpile and a "
        "distant buyer with forged end-user documentation (000 ¶7, ¶17; 004 ¶29; "
        "flowsim/model/brokers.py).")
    online: list[OnlineTrade] = param(
        factory=list, doc="Online and darknet sales delivered by post: whole weapons and "
        "kits of parts assembled at destination (000 ¶26, ¶104; 003; 004 ¶9, ¶30; "
        "flowsim/inputs/online.py).")
    embargoes: list[Embargo] = param(
        factory=list, doc="Arms embargoes on countries: authorized transfers to the target "
        "stop, illicit supply to it costs more and is riskier, breaches are recorded "
        "(000 ¶9, ¶13, ¶28-29; flowsim/inputs/embargoes.py).")
    mechanisms: Mechanisms = param(factory=Mechanisms, doc="Diversion base rates.")
    behaviour: Behaviour = param(factory=Behaviour, doc="Behaviour parameters.")
    interventions: list[Intervention] = param(
        factory=list, doc="Interventions in force in every run of this scenario (see "
        "docs/experiments.md).")
    events: list[Event] = param(
        factory=list, doc="Events over time (enforcement campaign, collection drive, conflict "
        "onset or end, border closure), applied by the schedule (see the event types below "
        "and docs/odd.md).")
    harm: Harm = param(factory=Harm, doc="Firearm deaths and injuries per illicit weapon-year "
                       "held by end users, and the victims' sex and age: assumptions to set "
                       "from national data (000 ¶31, ¶113).")
    calibration: CalibrationStatus | None = param(
        None, "Calibration status (none: \"not calibrated: illustrative only\"). Files "
        "written before this key may carry it as a `# calibration: ...` header comment line, "
        "still read.")

    # --- look-ups used by the model -------------------------------------------------
    def country_index(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.countries)}

    def stockpiles(self) -> list[tuple[int, Stockpile]]:
        return [(ci, s) for ci, c in enumerate(self.countries) for s in c.stockpiles]

    def graph(self) -> nx.Graph:
        g = nx.Graph()
        g.add_nodes_from(c.id for c in self.countries)
        g.add_edges_from(tuple(b.between) for b in self.borders)
        return g


def load_scenario(path: str | Path) -> Scenario:
    """Read, validate and build a scenario file; raises InputError on any problem."""
    return scenario_from_data(load_yaml(path), str(path))


def scenario_from_text(text: str, file: str = "<string>") -> Scenario:
    return scenario_from_data(parse_yaml(text, file), file)


def scenario_from_data(data: Any, file: str) -> Scenario:
    check_kind(data, "scenario", file)
    scenario = build(Scenario, data, file)
    check_references(scenario, file)
    return scenario


def _unique(ids: list[tuple[str, str]], file: str, what: str) -> None:
    seen: dict[str, str] = {}
    for path, ident in ids:
        if ident in seen:
            raise InputError(file, path, f"duplicate {what} id '{ident}' (first used at "
                             f"{seen[ident]}); ids must be unique")
        seen[ident] = path


def _known(value: str, known: dict, file: str, path: str, what: str) -> None:
    if value not in known:
        defined = ", ".join(sorted(known)) or "none"
        raise InputError(file, path, f"refers to undefined {what} '{value}'"
                         f"{did_you_mean(value, known)}; defined: {defined}")


def check_references(s: Scenario, file: str) -> None:
    """Cross-field checks: unique ids, known references, reachable demand."""
    if not s.countries:
        raise InputError(file, "countries", "expected at least one country")
    countries = s.country_index()
    _unique([(f"countries[{i}].id", c.id) for i, c in enumerate(s.countries)], file, "country")
    stock_ids = {sp.id: sp for _, sp in s.stockpiles()}
    _unique([(f"countries[{i}].stockpiles[{j}].id", sp.id) for i, c in enumerate(s.countries)
             for j, sp in enumerate(c.stockpiles)], file, "stockpile")
    _unique([(f"countries[{i}].markets[{j}].id", m.id) for i, c in enumerate(s.countries)
             for j, m in enumerate(c.markets)], file, "market")
    _unique([(f"borders[{i}].id", b.id) for i, b in enumerate(s.borders)], file, "border")
    _unique([(f"borders[{i}].crossings[{j}].id", x.id) for i, b in enumerate(s.borders)
             for j, x in enumerate(b.crossings)], file, "crossing")
    _unique([(f"traffickers[{i}].id", t.id) for i, t in enumerate(s.traffickers)], file,
            "trafficker group")
    for i, c in enumerate(s.countries):
        if c.position is not None and len(c.position) != 2:
            raise InputError(file, f"countries[{i}].position", f"expected [x, y], two "
                             f"numbers, got {len(c.position)}")
    pairs = {}
    for i, b in enumerate(s.borders):
        if len(b.between) != 2:
            raise InputError(file, f"borders[{i}].between",
                             f"expected exactly two country ids, got {len(b.between)}")
        for k, cid in enumerate(b.between):
            _known(cid, countries, file, f"borders[{i}].between[{k}]", "country")
        if b.between[0] == b.between[1]:
            raise InputError(file, f"borders[{i}].between",
                             f"expected two different countries, got '{b.between[0]}' twice")
        if not b.crossings:
            raise InputError(file, f"borders[{i}].crossings", "expected at least one crossing")
        key = frozenset(b.between)
        if key in pairs:
            raise InputError(file, f"borders[{i}].between", f"countries {b.between[0]} and "
                             f"{b.between[1]} already share border '{pairs[key]}'; put all "
                             "their crossings on that one")
        pairs[key] = b.id
    for i, t in enumerate(s.traffickers):
        _known(t.base, countries, file, f"traffickers[{i}].base", "country")
    for i, tr in enumerate(s.transfers):
        _known(tr.from_stockpile, stock_ids, file, f"transfers[{i}].from_stockpile", "stockpile")
        _known(tr.to_country, countries, file, f"transfers[{i}].to_country", "country")
        for j, third in enumerate(tr.reexport_to):     # re-export goes on (000 ¶65)
            _known(third, countries, file, f"transfers[{i}].reexport_to[{j}]", "country")
        dest = s.countries[countries[tr.to_country]]
        if tr.to_stockpile is not None:
            own = {sp.id: sp for sp in dest.stockpiles}
            _known(tr.to_stockpile, own, file, f"transfers[{i}].to_stockpile",
                   f"stockpile of country {tr.to_country}")
        elif not any(sp.owner != "civilian_licensed" for sp in dest.stockpiles):
            raise InputError(file, f"transfers[{i}].to_country", f"country '{tr.to_country}' "
                             "has no state stockpile to receive the transfer; add one or set "
                             "to_stockpile")
    _check_reachable_demand(s, file)
    check_embargoes(s, file)
    check_online(s, file)
    _check_brokers(s, file)
    for i, iv in enumerate(s.interventions):
        check_targets(iv, s, file, f"interventions[{i}]")
    check_events(s.events, s, file)


def _check_brokers(s: Scenario, file: str) -> None:
    """Known base, supplier and buyers; a state supplier; buyers in another country."""
    countries = s.country_index()
    stock = {sp.id: (ci, sp) for ci, sp in s.stockpiles()}
    markets = {m.id: i for i, c in enumerate(s.countries) for m in c.markets}
    _unique([(f"brokers[{i}].id", b.id) for i, b in enumerate(s.brokers)], file, "broker")
    for i, b in enumerate(s.brokers):
        _known(b.base, countries, file, f"brokers[{i}].base", "country")
        _known(b.from_stockpile, stock, file, f"brokers[{i}].from_stockpile", "stockpile")
        _known(b.to_market, markets, file, f"brokers[{i}].to_market", "market")
        supplier, spec = stock[b.from_stockpile]
        if spec.owner == "civilian_licensed":
            raise InputError(file, f"brokers[{i}].from_stockpile", "expected a state "
                             f"stockpile, got '{b.from_stockpile}' of owner civilian_licensed")
        if markets[b.to_market] == supplier:
            raise InputError(file, f"brokers[{i}].to_market", f"market '{b.to_market}' is "
                             "in the supplier's country; a brokered deal crosses States")


def _check_reachable_demand(s: Scenario, file: str) -> None:
    graph = s.graph()
    supply = {c.id for c in s.countries
              if any(sp.holdings.array().sum() or sp.production.array().sum()
                     for sp in c.stockpiles)
              or c.craft_production.array().sum() + c.conversion.array().sum()
              + c.printed.array().sum() > 0}
    supply |= {tr.to_country for tr in s.transfers}
    for i, c in enumerate(s.countries):
        for j, m in enumerate(c.markets):
            if m.demand.array().sum() <= 0:
                continue
            reach = nx.node_connected_component(graph, c.id)
            if not reach & supply:
                raise InputError(
                    file, f"countries[{i}].markets[{j}]",
                    f"market '{m.id}' has demand but no route reaches it from any country "
                    f"with stockpiles or production; add a border connecting '{c.id}' to a "
                    "supplying country")


def scenario_reference() -> str:
    """The scenario format's Markdown reference (``flowsim schema``,
    docs/scenario-reference.md): every key, then the event types."""
    return (reference(Scenario, "scenario (top level)") + "\n\n## Event types\n\n"
            + event_reference())
