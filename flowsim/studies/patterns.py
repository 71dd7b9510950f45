"""Does a scenario reproduce the seed documents' figures? (``flowsim patterns``)

Runs a scenario several times (seeds derived from the scenario's seed, runs in parallel
through :mod:`flowsim.studies.runner`, so results do not depend on the number of workers),
computes every pattern of a patterns file (:mod:`flowsim.inputs.patterns`; the shipped one
is ``calibration/seed-patterns.yaml``, figures from 000 ¶32-35, 001 ¶36, 004 ¶25) from
each run's output tables, and reports per pattern the seed's figure and acceptable range,
the model's mean and 90% interval over replications, and whether it **holds** (mean inside
the range), **misses**, or is **not applicable** (scenario not named in the pattern's
``applies_to``, an output the model does not produce, or too few events to compare).

Every statistic is a ratio over the pattern's countries and steps, on the pattern's basis
(weapons or cases) and pooling (one pooled ratio, or the mean of the countries' ratios);
:func:`statistic_parts` is the one place formulas live. The printed summary counts each
role apart (:func:`role_counts`): held-out validation patterns, fitted patterns and
consistency checks; only the first is evidence that the model reproduces the seeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.errors import InputError
from flowsim.inputs.patterns import (
    STATISTICS,
    Pattern,
    PatternFile,
    check_countries,
    load_patterns,
)
from flowsim.inputs.scenario import Scenario, load_scenario, scenario_from_data
from flowsim.io import AtomicDir
from flowsim.model.flow_model import FlowModel
from flowsim.outputs.tables import TABLES
from flowsim.studies.runner import run_parallel

#: Mechanisms whose weapons are not industrially made (000 ¶33; flowsim.model.lots).
NOT_INDUSTRIAL = ("craft", "conversion", "printed")
HOLDS, MISSES, NOT_APPLICABLE = "holds", "misses", "not applicable"
COLUMNS = ["pattern", "citation", "statistic", "role", "basis", "pooling", "countries",
           "target", "low", "high", "mean", "p05", "p95", "replications", "status",
           "declared", "note"]
_SEIZURE_COLUMN = {"marked_share_seized": "marked"}
_GROUND = {"illicit_possession_ground_share": "illicit_possession",
           "trafficking_ground_share": "trafficking"}
_DISPOSITION = {"trace_success": ("traced_domestic", "traced_foreign"),
                "trace_success_domestic": ("traced_domestic",),
                "trace_success_foreign": ("traced_foreign",)}
_DISPOSITION_SHARE = {"trace_requests_per_weapon": "trace_requests",
                      "disposition_marked_share": "marked",
                      "disposition_recorded_share": "recorded",
                      "disposition_destroyed_share": "destroyed",
                      "disposition_no_action_share": "no_action"}


class Unavailable(Exception):
    """The run's outputs lack what a statistic needs (a table or a column)."""


def _need(tables: dict[str, pd.DataFrame], name: str, columns: tuple[str, ...] = ()
          ) -> pd.DataFrame:
    if name not in tables:
        raise Unavailable(f"the model writes no {name}.csv")
    df = tables[name]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise Unavailable(f"{name}.csv has no column {', '.join(missing)}")
    return df


def _select(df: pd.DataFrame, countries: list[str], from_step: int) -> pd.DataFrame:
    keep = df["step"] >= from_step
    if "category" in df.columns:
        keep &= df["category"] != "ammunition"
    if countries:
        keep &= df["country"].isin(countries)
    return df[keep]


def statistic_parts(statistic: str, tables: dict[str, pd.DataFrame], scenario: Scenario,
                    countries: list[str], from_step: int = 1, source: str = "any",
                    basis: str = "weapons", pooling: str = "pooled") -> tuple[float, float]:
    """(numerator, denominator) of ``statistic`` over ``countries`` ([] = all) and steps
    ``from_step``.. of one run, as :data:`flowsim.inputs.patterns.STATISTICS` documents.

    ``pooling="country_mean"``: the mean of the countries' ratios (countries with a zero
    denominator left out), returned as ``(mean x total, total)`` so that the ratio is the
    mean and the denominator still counts every event. Raises :class:`Unavailable` when the
    tables lack what it needs.
    """
    if pooling == "country_mean":
        ratios, total = [], 0.0
        for c in countries or [c.id for c in scenario.countries]:
            n, d = _parts(statistic, tables, scenario, [c], from_step, source, basis)
            if d > 0:
                ratios.append(n / d)
                total += d
        return (float(np.mean(ratios)) * total if ratios else 0.0), total
    return _parts(statistic, tables, scenario, countries, from_step, source, basis)


def _cases_parts(statistic: str, tables: dict[str, pd.DataFrame], countries: list[str],
                 from_step: int) -> tuple[float, float]:
    """A statistic on the cases basis: seizure cases with at least one firearm."""
    c = _need(tables, "cases", ("agency", "weapons", "place_type", "legal_ground"))
    c = _select(c, countries, from_step)
    c = c[(c["agency"] != "collection") & (c["weapons"] > 0)]
    if statistic == "border_seizure_share":
        hit = c["place_type"] == "border"
    else:
        hit = c["legal_ground"] == _GROUND[statistic]
    return float(hit.sum()), float(len(c))


def _parts(statistic: str, tables: dict[str, pd.DataFrame], scenario: Scenario,
           countries: list[str], from_step: int, source: str, basis: str
           ) -> tuple[float, float]:
    """Pooled (numerator, denominator): :func:`statistic_parts` for one set of countries."""
    if basis == "cases":
        return _cases_parts(statistic, tables, countries, from_step)
    if statistic == "military_surplus_share":
        surplus = total = 0.0
        for c in scenario.countries:
            if countries and c.id not in countries:
                continue
            for s in c.stockpiles:
                if s.owner == "military":
                    n = float(s.holdings.array()[:-1].sum())    # weapons, not ammunition
                    total += n
                    surplus += math.floor(n * s.surplus_share)
        return surplus, total
    if statistic == "surplus_destroyed_per_collected":
        f = _select(_need(tables, "flows"), countries, from_step)
        destroyed = f.loc[(f["flow"] == "destroyed") & (f["mechanism"] == "none"), "count"]
        return float(destroyed.sum()), float(f.loc[f["flow"] == "collected", "count"].sum())
    if statistic in _DISPOSITION or statistic in _DISPOSITION_SHARE:
        num_cols = _DISPOSITION.get(statistic) or (_DISPOSITION_SHARE[statistic],)
        den_col = "trace_requests" if statistic in _DISPOSITION else "count"
        d = _select(_need(tables, "disposition", ("source", den_col, *num_cols)),
                    countries, from_step)
        if source != "any":
            d = d[d["source"] == source]
        return float(d[list(num_cols)].to_numpy().sum()), float(d[den_col].sum())
    need = ("legal_ground",) if statistic in _GROUND else ()
    s = _select(_need(tables, "seizures", ("place_type", "marked", "mechanism", *need)),
                countries, from_step)
    total = float(s["count"].sum())
    if statistic == "border_seizure_share":
        return float(s.loc[s["place_type"] == "border", "count"].sum()), total
    if statistic == "industrial_share_seized":
        return float(s.loc[~s["mechanism"].isin(NOT_INDUSTRIAL), "count"].sum()), total
    if statistic in _SEIZURE_COLUMN:
        return float(s.loc[s[_SEIZURE_COLUMN[statistic]].astype(bool), "count"].sum()), total
    if statistic in _GROUND:
        return float(s.loc[s["legal_ground"] == _GROUND[statistic], "count"].sum()), total
    raise ValueError(f"statistic {statistic!r} has no formula")   # programming error


def tables_needed(patterns: list[Pattern]) -> set[str]:
    needed = {t for p in patterns for t in STATISTICS[p.statistic].tables if t in TABLES}
    return needed | ({"cases"} if any(p.basis == "cases" for p in patterns) else set())


def measure(model: FlowModel, patterns: list[Pattern]) -> list[tuple[float, float] | str]:
    """Each pattern's (numerator, denominator) in a finished run, or why it is unavailable."""
    tables = {name: TABLES[name](model) for name in tables_needed(patterns)}
    name = model.scenario.name
    out: list[tuple[float, float] | str] = []
    for p in patterns:
        try:
            out.append(statistic_parts(p.statistic, tables, model.scenario,
                                       p.applies_to.get(name, []), p.from_step, p.source,
                                       p.basis, p.pooling))
        except Unavailable as exc:
            out.append(str(exc))
    return out


def run_replication(scenario: Scenario | dict, seed: int, steps: int, patterns: list[Pattern],
                    key: object) -> tuple[object, list]:
    """One run (picklable, for the parallel runner): its key and :func:`measure`."""
    if not isinstance(scenario, Scenario):
        scenario = scenario_from_data(scenario, "<patterns>")
    model = FlowModel(scenario, seed=seed)
    model.run(steps)
    return key, measure(model, patterns)


def replication_seeds(seed: int, n: int) -> list[int]:
    """Run seeds derived from the scenario's seed: the same for any ``--jobs``."""
    states = np.random.SeedSequence([seed, 1611]).spawn(n)
    return [int(s.generate_state(1, dtype=np.uint32)[0]) for s in states]


def miss(value: float, low: float, high: float) -> float:
    """How far ``value`` lies outside [low, high], in units of the range's width (0 inside;
    a zero-width range uses its own size, or 1, as the unit)."""
    unit = (high - low) or abs(high) or 1.0
    if value < low:
        return (low - value) / unit
    if value > high:
        return (value - high) / unit
    return 0.0


@dataclass
class PatternResult:
    pattern: Pattern
    countries: list[str]
    values: list[float]          # per replication (nan where the denominator was 0)
    mean_denominator: float
    status: str
    note: str
    declared: bool = True        # the scenario is named in the pattern's applies_to

    @property
    def mean(self) -> float:
        v = [x for x in self.values if not math.isnan(x)]
        return float(np.mean(v)) if v else math.nan

    def quantile(self, q: float) -> float:
        v = [x for x in self.values if not math.isnan(x)]
        return float(np.quantile(v, q)) if v else math.nan


def summarise(patterns: list[Pattern], scenario_name: str,
              runs: list[list[tuple[float, float] | str]]) -> list[PatternResult]:
    """Judge each pattern from the replications' (numerator, denominator) pairs."""
    results = []
    for i, p in enumerate(patterns):
        countries = p.applies_to.get(scenario_name)
        if countries is None:
            results.append(PatternResult(p, [], [], 0.0, NOT_APPLICABLE,
                                         f"pattern does not apply to '{scenario_name}'",
                                         declared=False))
            continue
        parts = [r[i] for r in runs]
        missing = next((x for x in parts if isinstance(x, str)), None)
        if missing is not None:
            results.append(PatternResult(p, countries, [], 0.0, NOT_APPLICABLE, missing))
            continue
        values = [n / d if d > 0 else math.nan for n, d in parts]
        mean_den = float(np.mean([d for _, d in parts]))
        res = PatternResult(p, countries, values, mean_den, "", "")
        if mean_den < p.min_denominator or math.isnan(res.mean):
            res.status = NOT_APPLICABLE
            res.note = (f"too few to compare: mean denominator {mean_den:.4g} < "
                        f"{p.min_denominator:g}")
        else:
            low, high = p.range
            res.status = HOLDS if low <= res.mean <= high else MISSES
            res.note = f"mean denominator {mean_den:.4g}"
        results.append(res)
    return results


def results_table(results: list[PatternResult]) -> pd.DataFrame:
    rows = []
    for r in results:
        p = r.pattern
        rows.append([p.id, p.citation, p.statistic, p.role, p.basis, p.pooling,
                     " ".join(r.countries) or "all", p.target, p.range[0], p.range[1], r.mean,
                     r.quantile(0.05), r.quantile(0.95), len(r.values), r.status, r.declared,
                     r.note])
    return pd.DataFrame(rows, columns=COLUMNS)


def role_counts(table: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Per role, (patterns that hold, patterns judged: applicable ones)."""
    out = {}
    for role in ("validate", "fit", "consistency"):
        sub = table[(table["role"] == role) & (table["status"] != NOT_APPLICABLE)]
        out[role] = (int((sub["status"] == HOLDS).sum()), len(sub))
    return out


def undeclared_gaps(table: pd.DataFrame) -> list[str]:
    """Patterns the scenario declares applicable (names it in ``applies_to``) that turned
    out not applicable: too few events, or an output the model does not write."""
    gap = table[table["declared"] & (table["status"] == NOT_APPLICABLE)]
    return gap["pattern"].tolist()


def counts_line(table: pd.DataFrame) -> str:
    """The three counts ``flowsim patterns`` prints: validation, fitted, consistency."""
    n = role_counts(table)
    na = int((table["status"] == NOT_APPLICABLE).sum())
    return (f"validation: {n['validate'][0]} of {n['validate'][1]} held-out seed patterns "
            f"hold; fitted: {n['fit'][0]} of {n['fit'][1]} fitted patterns hold; "
            f"consistency: {n['consistency'][0]} of {n['consistency'][1]} checks hold (they "
            f"follow from the inputs by construction); {na} not applicable")


def find_patterns_file(scenario: str | Path) -> Path:
    """The default patterns file: calibration/seed-patterns.yaml in the working folder, or
    beside the scenario's folder (scenarios/../calibration/)."""
    for cand in (Path("calibration") / "seed-patterns.yaml",
                 Path(scenario).resolve().parent.parent / "calibration" / "seed-patterns.yaml"):
        if cand.exists():
            return cand
    raise InputError("--patterns", "", "no calibration/seed-patterns.yaml here or beside "
                     "the scenario's folder; name a patterns file with --patterns FILE")


def check_patterns(scenario: str | Path, patterns: str | Path | PatternFile | None = None, *,
                   replications: int = 10, steps: int | None = None, jobs: int = 1,
                   backend: str = "joblib", address: str | None = None,
                   out: str | Path | None = None) -> pd.DataFrame:
    """Run ``scenario`` ``replications`` times and compare it with the seed patterns.

    Returns the table ``flowsim patterns`` prints (columns :data:`COLUMNS`) and, with
    ``out``, writes it to ``OUT/patterns.csv`` atomically. Bad input raises InputError.
    """
    if replications < 1:
        raise InputError("--replications", "", f"expected at least 1, got {replications}")
    if not isinstance(patterns, PatternFile):
        file = str(patterns or find_patterns_file(scenario))
        patterns = load_patterns(file)
    else:
        file = "<patterns>"
    sc = load_scenario(scenario)
    check_countries(patterns, sc.name, {c.id for c in sc.countries}, file)
    steps = steps or sc.simulation.steps
    seeds = replication_seeds(sc.simulation.seed, replications)
    args = [(sc, seed, steps, patterns.patterns, r) for r, seed in enumerate(seeds)]
    runs: list[list] = [[] for _ in seeds]
    for key, parts in run_parallel(run_replication, args, jobs=jobs, backend=backend,
                                   address=address):
        runs[key] = parts
    table = results_table(summarise(patterns.patterns, sc.name, runs))
    if out is not None:
        with AtomicDir(out) as stage:
            table.to_csv(stage.path("patterns.csv"), index=False)
    return table


def record_status(scenario: str | Path, table: pd.DataFrame, replications: int) -> str:
    """Rewrite the scenario file's ``calibration:`` key (the status experiment reports
    quote) so that it quotes the validation count of ``table``: what fitted the scenario
    is kept, any count after it is replaced. Returns the new status."""
    from flowsim.inputs.editing import calibration_status, with_calibration_status
    from flowsim.inputs.schema import load_yaml

    path = Path(scenario)
    old = calibration_status(path)
    fitted = old.split(";")[0] if old.startswith("fitted") else "not fitted to seed patterns"
    k, n = role_counts(table)["validate"]
    status = (f"{fitted}; {k} of {n} held-out seed patterns hold ({replications} "
              "replications, `flowsim patterns --record`)")
    typed = load_yaml(path).get("calibration")
    setup = typed.get("setup") if isinstance(typed, dict) else None
    text = with_calibration_status(path.read_text(encoding="utf-8"), status, setup)
    path.write_text(text, encoding="utf-8")
    return status


def format_table(table: pd.DataFrame) -> str:
    """The printed form: one line per pattern."""
    def pct(v: float, target: float) -> str:
        if math.isnan(v):
            return "-"
        return f"{v:.2%}" if target < 0.01 else (f"{v:.1%}" if target <= 1 else f"{v:.2f}")

    shown = pd.DataFrame({
        "pattern": table["pattern"], "source": table["citation"], "role": table["role"],
        "basis": table["basis"] + "/" + table["pooling"].str.replace("country_mean", "mean"),
        "countries": table["countries"],
        "target [range]": [f"{pct(t, t)} [{pct(lo, t)}, {pct(hi, t)}]" for t, lo, hi in
                           zip(table["target"], table["low"], table["high"], strict=True)],
        "model mean [90%]": [f"{pct(m, t)} [{pct(a, t)}, {pct(b, t)}]" if not math.isnan(m)
                             else "-" for m, a, b, t in
                             zip(table["mean"], table["p05"], table["p95"], table["target"],
                                 strict=True)],
        "status": table["status"]})
    return shown.to_string(index=False)
