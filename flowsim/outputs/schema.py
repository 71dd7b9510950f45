"""What a run writes: every output table, its columns and their units, defined once.

:mod:`flowsim.outputs.tables` builds each table with exactly these columns, in this order (a
test runs the model and compares), and ``docs/outputs.md`` is generated from these
definitions (``flowsim schema outputs``; a test checks it is current). Counts of ammunition
are rounds; all other categories are weapons. The tracing share follows the SDG 16.4.2 idea
(000 ¶32-33); the disposition table has the shape of 000 ¶32; legal grounds follow 000 ¶34;
industrial manufacture of seized weapons, 000 ¶33.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    unit: str           # "weapons or rounds", "USD", "share 0-1", "id", "step", ...
    meaning: str


@dataclass(frozen=True)
class Table:
    file: str
    about: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


_COUNT = "weapons or rounds"     # rounds for ammunition, weapons otherwise
STEP = Column("step", "step", "Simulation step (1 = the first; 0 = the initial state).")
COUNTRY = Column("country", "id", "Country id in the scenario.")
CATEGORY = Column("category", "name", "handguns, rifles, light_weapons or ammunition.")
WEAPON_CATEGORY = Column("category", "name", "handguns, rifles or light_weapons "
                         "(ammunition excluded: 000 ¶32 counts weapons).")
MECHANISM = Column("mechanism", "name", "Diversion mechanism of the weapons (`none` for "
                   "legal production and transfers; `pre_existing` for end users' starting "
                   "holdings).")

FLOWS = Table("flows.csv", "Weapons moving between holder states, per step.", (
    STEP, COUNTRY,
    Column("flow", "name", "diverted, reported_loss, produced, transferred, trafficked (left "
           "the country with a trafficker), seized_border, seized_inland, delivered (to end "
           "users), collected, destroyed, reexported (weapons diverted by unauthorized "
           "re-export arriving at the third State's illicit sellers; their `diverted` row is "
           "in the importing country), consumed (rounds of ammunition fired by end users, "
           "when the scenario sets `behaviour.<kind>.rounds_per_weapon_year`; they leave the "
           "stocks), embargo_blocked (authorized transfers to an embargoed country not "
           "shipped), embargo_breach (covered weapons trafficked into an embargoed country "
           "that got through its crossings) and embargo_breach_seized (seized there: detected "
           "breaches); parts_shipped, parts_seized, parts_assembled (kits of parts sold "
           "online, by the category of weapon each makes, mechanism `assembled`; kits are not "
           "weapons and are not in the stocks until assembled weapons are `produced`); "
           "brokered (weapons a broker's deal delivered, in the buyers' country; their "
           "`diverted` row is in the supplier's), brokering_stopped and forgery_detected "
           "(weapons of deals stopped by brokering controls, in the broker's base, or refused "
           "by the exporter's end-user verification)."),
    MECHANISM, CATEGORY, Column("count", _COUNT, "How many moved.")))

STOCKS = Table("stocks.csv", "Weapons by holder state at the end of each step.", (
    STEP,
    Column("state", "name", "stockpiles, black_market, traffickers, in_transit, seized (held "
           "by the authorities after seizure or collection, not destroyed), end_users, "
           "destroyed."),
    CATEGORY, Column("count", _COUNT, "Held in that state.")))

SEIZURES = Table("seizures.csv", "The seized lots: one row per lot per seizure case.", (
    STEP, Column("country", "id", "Seizing country."),
    Column("place", "id", "Crossing id, `inland`, or `postal` (online sales found by postal "
           "and cyber policing)."),
    Column("place_type", "name", "border or inland."),
    CATEGORY, Column("count", _COUNT, "Seized in this lot."),
    Column("marked", "true/false", "The weapons bear a marking."),
    Column("recorded", "true/false", "The weapons are in a record-keeping system."),
    Column("mechanism", "name", "How the weapons were diverted; `craft`, `conversion` and "
           "`printed` weapons are not industrially made (000 ¶33: ~90% of seized firearms "
           "are); `pre_existing` holdings are taken to be industrial."),
    Column("origin_country", "id", "Country the weapons were diverted in (`none`: unknown)."),
    Column("origin_stockpile", "id", "Stockpile they came from (`none`: not a stockpile)."),
    Column("mode", "name", "Trafficking mode: ant, bulk, postal, or none (taken from end "
           "users and local sellers)."),
    Column("legal_ground", "name", "Ground recorded for the seizure: illicit_possession, "
           "trafficking or other (000 ¶34). A trafficker's shipment is really trafficking but "
           "is often recorded as illicit possession, the easier ground."),
    Column("case_id", "id", "The case in cases.csv; rows with the same case_id sum to the "
           "case's size.")))

CASES = Table("cases.csv", "One row per case: every seizure is a case (a record), and so is "
              "every surrender in a collection programme.", (
    Column("case_id", "id", "Case id (shared with seizures.csv)."),
    STEP, Column("country", "id", "Country of the case."),
    Column("place", "id", "Crossing id, or `inland`."),
    Column("place_type", "name", "border or inland."),
    Column("agency", "name", "`border` (officials at a crossing), `inland_police` (a "
           "trafficker's shipment stopped inland, or an individual illicit-possession case "
           "against an end user or a local illicit seller: mode `none`) or `collection` (a "
           "surrender in an amnesty or DDR programme: not a seizure, legal_ground `none`, "
           "place `inland`; its weapons are the `collected` flow, with no rows in "
           "seizures.csv)."),
    Column("mode", "name", "Trafficking mode: ant, bulk, postal, or none."),
    Column("legal_ground", "name", "Ground recorded: illicit_possession, trafficking, other "
           "(000 ¶34), or none (collection)."),
    Column("weapons", "weapons", "The case's size in weapons (ammunition excluded). Seizure "
           "cases (agency not `collection`) sum to the seized_border + seized_inland flows."),
    Column("rounds", "rounds", "The case's size in rounds of ammunition.")))

BORDERS = Table("borders.csv", "Activity at each crossing, per step and direction.", (
    STEP, Column("border", "id", "Border id."), Column("crossing", "id", "Crossing id."),
    Column("from_country", "id", "Country the parcels left."),
    Column("to_country", "id", "Country they entered."),
    Column("parcels", "parcels", "Trafficker shipments that tried to cross."),
    Column("inspected", "parcels", "Shipments inspected."),
    Column("detected", "parcels", "Shipments in which weapons were detected."),
    Column("bribed", "parcels", "Detected shipments let through for a bribe."),
    Column("seized_parcels", "parcels", "Shipments seized."),
    Column("weapons_passed", "weapons", "Weapons that crossed (ammunition excluded)."),
    Column("weapons_seized", "weapons", "Weapons seized at the crossing."),
    Column("rounds_passed", "rounds", "Ammunition that crossed."),
    Column("rounds_seized", "rounds", "Ammunition seized at the crossing.")))

TRACING = Table("tracing.csv", "Tracing of seized weapons (not ammunition), per step "
                "(the SDG 16.4.2 idea, 000 ¶32).", (
    STEP, COUNTRY, Column("seized", "weapons", "Weapons seized."),
    Column("marked", "weapons", "Of them, marked."),
    Column("requests", "requests", "Tracing requests issued."),
    Column("successes", "requests", "Requests that identified the origin."),
    Column("traced_share", "share 0-1", "successes / seized (empty when nothing was "
           "seized).")))

DISPOSITION = Table("disposition.csv", "Weapons that came into the authorities' hands in a "
                    "step and what was done with them, in the shape of 000 ¶32.", (
    STEP, COUNTRY, Column("source", "name", "seized or collected."), WEAPON_CATEGORY,
    Column("count", "weapons", "Weapons that came in."),
    Column("marked", "weapons", "Weapons the authorities marked (an action, not the "
           "weapon's own marking, which is seizures.csv `marked`)."),
    Column("recorded", "weapons", "Weapons the authorities recorded."),
    Column("trace_requests", "weapons", "Weapons bearing a marking that were the subject of "
           "a tracing request."),
    Column("traced_domestic", "weapons", "Requests traced through the national registry."),
    Column("traced_foreign", "weapons", "Requests traced through a foreign registry."),
    Column("destroyed", "weapons", "Destroyed in that step (the rest stay held, stock state "
           "`seized`)."),
    Column("no_action", "weapons", "Weapons on which no action was taken (the other columns "
           "may overlap: a weapon can be recorded, marked and destroyed).")))

PRICES = Table("prices.csv", "Black-market prices and trade, per step.", (
    STEP, COUNTRY, Column("market", "id", "Black market id."), CATEGORY,
    Column("price", "USD", "Price per weapon (per round for ammunition)."),
    Column("bought", _COUNT, "Bought by end users this step."),
    Column("demand", _COUNT, "Wanted by end users this step."),
    Column("licit_price", "USD", "The country's `licit_price` input for the category (an "
           "assumption by default; compare with the illicit `price`).")))

END_USERS = Table("end_users.csv", "Illicit weapons held by end users at the end of each "
                  "step (initial holdings plus deliveries, less seizures and collection).", (
    STEP, COUNTRY, CATEGORY, Column("count", _COUNT, "Held.")))

SUMMARY = Table("summary.csv", "Totals over the run.", (
    COUNTRY, MECHANISM, CATEGORY,
    *(Column(f, _COUNT, f"Total {f.replace('_', ' ')} over the run.")
      for f in ("diverted", "trafficked", "seized_border", "seized_inland", "delivered"))))

#: Every table a run writes, by the name ``RunResult.tables`` uses.
OUTPUT_TABLES: dict[str, Table] = {
    "flows": FLOWS, "stocks": STOCKS, "seizures": SEIZURES, "cases": CASES,
    "borders": BORDERS,
    "tracing": TRACING, "disposition": DISPOSITION, "prices": PRICES,
    "end_users": END_USERS, "summary": SUMMARY}

RUN_JSON = ("`run.json`: scenario name, file, seed, steps, step length, flowsim version, "
            "the holder states and whether weapons were conserved; written last, so its "
            "presence marks a complete set of outputs.")


def outputs_reference() -> str:
    """Markdown page of every output table and column (``docs/outputs.md``)."""
    lines = ["# Outputs reference", "",
             "`flowsim run SCENARIO --out DIR` writes these files (and PNG plots) into DIR; "
             "`run_scenario(...).tables` holds the same tables as pandas data frames. Tables "
             "are tidy: one row per observation, and a missing row means zero. Counts of "
             "ammunition are rounds; all other categories are weapons. This page is "
             "generated from `flowsim/outputs/schema.py` (`flowsim schema outputs`).", ""]
    for table in OUTPUT_TABLES.values():
        lines += [f"## `{table.file}`", "", table.about, "",
                  "| column | unit | meaning |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.unit} | {c.meaning} |" for c in table.columns]
        lines.append("")
    lines += ["## `run.json`", "", RUN_JSON, ""]
    return "\n".join(lines)
