"""The scenario's ``harm:`` block: firearm deaths and injuries attributable to illicit weapons
held by end users, and who the victims are.

Diversion "has differentiated impacts on women, men, girls and boys", and "disaggregated data
and gender analysis must underpin all policies and programmes" (000 summary and ¶31, ¶45,
¶113; 002 ¶26-27, ¶70). The seeds give no rates of harm, so every number here is an
assumption to be set from national data (health, police or conflict-monitoring records).
Every default is therefore labelled an assumption (no seed gives it); the illustrative values
come from published aggregate statistics where one exists, and say which:

* about 251,000 people died from firearm injuries worldwide in 2016, 87% of them male
  (Naghavi et al., "Global Mortality From Firearms, 1990-2016", JAMA 320(8), 2018);
* about 1,013 million firearms existed at the end of 2017 (Karp, "Estimating Global
  Civilian-Held Firearms Numbers", Small Arms Survey Briefing Paper, June 2018).

251,000 deaths / 1,013 million firearms is about 0.00025 deaths per firearm-year over all
holders, licit and illicit; that is the default for civilian holdings. Illicit weapons held
by criminal markets and armed groups are used far more often; their defaults (10x and 20x)
are assumptions. Injuries are set at two per death (an assumption). Victims are split by sex
and age group assuming the two are independent: women = female x (1 - under 18), girls =
female x under 18, and so on. The model computes harm as expected values from the weapons
held (:mod:`flowsim.model.harm`), so it adds no random draws.

**Setting** (issue #23). Each kind of holder stands for the setting its weapons are used in,
and the victims' shares differ by setting, so that harm to women and girls can rank options
differently from total harm: civilian holdings harm mostly in the *private sphere*, where
diverted weapons "affect women disproportionately" and are "frequently linked to femicides"
(000 ¶31); armed groups in *conflict* (000 ¶31: conflict-related sexual violence; deaths
mostly of men); criminal markets in public *crime*. The seeds give no shares, so the
defaults are assumptions placed around the 13% world share of female firearm deaths
(Naghavi et al. 2018): 20% for civilian holdings, 10% for armed groups and criminal markets.

**Non-lethal gendered harms** (000 ¶31: weapons "used in cases of rape and sexual abuse and
as a tool with which to inflict psychological and other forms of violence, as well as
intimidation"): incidents of intimidation and of sexual violence with a weapon per
weapon-year, with their own female share of victims. They are *indicative*: no seed or
public statistic used here gives a rate per weapon, so the rates default to 0 (not counted)
and are reported, labelled indicative, only when a scenario sets them.
"""

from __future__ import annotations

from dataclasses import dataclass, make_dataclass

from flowsim.inputs.schema import param, probability

KINDS = ("armed_group", "criminal_market", "civilian")
KIND_LABELS = {"armed_group": "armed groups", "criminal_market": "criminal markets",
               "civilian": "civilian holdings"}
GROUPS = ("women", "men", "girls", "boys")
OUTCOMES = ("deaths", "injuries")
#: Non-lethal gendered harms (000 ¶31), indicative only: reported apart from OUTCOMES.
INDICATIVE = ("intimidation", "sexual_violence")
INDICATIVE_LABELS = {"intimidation": "intimidation with a weapon",
                     "sexual_violence": "sexual violence with a weapon"}
#: The setting each kind of holder's weapons are used in (000 ¶31).
SETTINGS = {"armed_group": "conflict", "criminal_market": "crime (public sphere)",
            "civilian": "private sphere"}

#: deaths per firearm-year over all holders (251,000 / 1,013 million, see the module doc)
WORLD_RATE = 0.00025
_WORLD = ("derived: 251,000 firearm deaths in 2016 (Naghavi et al., JAMA 2018) / 1,013 "
          "million firearms at end 2017 (Karp, Small Arms Survey 2018); set from national data")
_ASSUMED = "assumption; set from national data"
_INDICATIVE = ("000 ¶31 names the harm, no rate: indicative, set from national survey or "
               "service data")


def _rates_class(name: str, doc: str, deaths: float, source: str, female: float,
                 female_source: str) -> type:
    """A dataclass of harm rates for one kind of end user, with its own defaults."""
    fields = [
        ("deaths_per_weapon_year", float, param(
            deaths, "Firearm deaths per illicit weapon-year held.", lo=0, hi=1,
            source=source, assumption=True)),
        ("injuries_per_weapon_year", float, param(
            2 * deaths, "Non-fatal firearm injuries per illicit weapon-year held (default: "
            "two per death).", lo=0, hi=1, source=_ASSUMED, assumption=True)),
        ("female_share", float, probability(
            female, "Share of victims of deaths and injuries who are women or girls, in this "
            "kind's setting.", female_source, assumption=True)),
        ("under_18_share", float, probability(
            0.05, "Share of victims under 18 (girls and boys).", _ASSUMED, assumption=True)),
        ("intimidation_per_weapon_year", float, param(
            0.0, "Indicative: incidents of intimidation with a weapon per weapon-year held "
            "(0 = not counted).", lo=0, hi=100, source=_INDICATIVE, assumption=True)),
        ("sexual_violence_per_weapon_year", float, param(
            0.0, "Indicative: incidents of rape or sexual abuse with a weapon per weapon-year "
            "held (0 = not counted).", lo=0, hi=100, source=_INDICATIVE, assumption=True)),
        ("indicative_female_share", float, probability(
            0.9, "Share of victims of the indicative harms (intimidation, sexual violence) "
            "who are women or girls.", "assumption: 000 ¶31 (these harms fall "
            "disproportionately on women)", assumption=True)),
    ]
    return make_dataclass(name, fields, kw_only=True, namespace={"__doc__": doc},
                          module=__name__)


_LOWER = ("assumption: below the 13% world share (Naghavi et al., JAMA 2018), harm in {} "
          "falling mostly on men; set from national data")
ArmedGroupHarm = _rates_class(
    "ArmedGroupHarm", "Harm from illicit weapons held by armed groups (markets of kind "
    "armed_group), used in conflict.", 20 * WORLD_RATE, "assumption: 20x the world rate per "
    "firearm; set from national data", 0.10, _LOWER.format("conflict"))
CriminalMarketHarm = _rates_class(
    "CriminalMarketHarm", "Harm from illicit weapons held by criminal markets (markets of "
    "kind criminal_market), used in crime in the public sphere.", 10 * WORLD_RATE,
    "assumption: 10x the world rate per firearm; set from national data", 0.10,
    _LOWER.format("public crime"))
CivilianHarm = _rates_class(
    "CivilianHarm", "Harm from illicit weapons in civilian holdings (markets of kind "
    "civilian), used mostly in the private sphere.", WORLD_RATE, _WORLD, 0.20,
    "assumption: above the 13% world share (Naghavi et al., JAMA 2018) because diverted "
    "weapons affect women disproportionately in the private sphere (000 ¶31); set from "
    "national data")


@dataclass(kw_only=True)
class Harm:
    """Firearm deaths and injuries attributable to illicit weapons held by end users, by
    kind of end user, and the victims' sex and age group. All values are assumptions to be
    set from national data; the defaults are illustrative (see flowsim/inputs/harm.py)."""

    armed_group: ArmedGroupHarm = param(factory=ArmedGroupHarm, doc="Armed groups.")
    criminal_market: CriminalMarketHarm = param(factory=CriminalMarketHarm,
                                                doc="Criminal markets.")
    civilian: CivilianHarm = param(factory=CivilianHarm, doc="Civilian holdings.")

    def rates(self, kind: str):
        return getattr(self, kind)


def victim_split(rates, female: float | None = None) -> dict[str, float]:
    """Shares of victims in each group (women, men, girls, boys); they sum to 1.
    ``female`` overrides the rates' ``female_share`` (the indicative harms have their own)."""
    f = rates.female_share if female is None else female
    c = rates.under_18_share
    return {"women": f * (1 - c), "men": (1 - f) * (1 - c), "girls": f * c,
            "boys": (1 - f) * c}
