"""Calibration to the seed patterns: a patterns file as the data.

A calibration set-up with ``patterns: FILE`` instead of ``data:`` fits a scenario's free
parameters so that the seed documents' figures (:mod:`flowsim.inputs.patterns`, e.g.
``calibration/seed-patterns.yaml``: 000 ¶32-35, 001 ¶36, 004 ¶25) hold. The engine is
the same as for seizure data (:mod:`flowsim.calibration.fit`: ABC-SMC or the point
estimate, parallel, resumable, independent of the number of workers); only the data and
the distance differ.

**Distance.** For each pattern that applies to the scenario, the simulated statistic's
miss outside the pattern's acceptable range in units of the range's width
(:func:`flowsim.studies.patterns.miss`: 0 inside the range), plus a tenth of its distance
to the seed's figure in the same units (so a fit settles inside the range, not on its
edge), summed over patterns; a statistic the run cannot compute for lack of events (fewer
than the pattern's ``min_denominator``) counts 1, one the model writes no output for counts
0. Below 0.1 per pattern, every pattern holds in that run: ABC-SMC here is close to
pattern-oriented filtering, keeping the parameter sets that reproduce the patterns.

**Outputs** (besides ``posterior.csv``, ``diagnostics.csv``, ``summary.json``):
``patterns.csv``, the patterns judged over the posterior predictive runs (as
``flowsim patterns`` does), and ``fitted-scenario.yaml``, the scenario file **with its
comments kept**, the fitted values written in place and a header block naming the
patterns it was fitted to — ready to replace the shipped scenario.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from flowsim.calibration.fit import (
    AbcSettings,
    Calibration,
    FreeParameter,
    PointSettings,
    check_parameters,
    runs_at,
    weighted_quantile,
)
from flowsim.errors import InputError
from flowsim.inputs.patterns import Pattern, check_countries, load_patterns
from flowsim.inputs.scenario import scenario_from_data
from flowsim.inputs.schema import build, param, reference
from flowsim.studies.experiment import CALIBRATION_KEY as CALIBRATION_LINE
from flowsim.studies.experiment import load_scenario_beside
from flowsim.studies.patterns import (
    HOLDS,
    NOT_APPLICABLE,
    miss,
    results_table,
    role_counts,
    run_replication,
    summarise,
)

UNAVAILABLE_PENALTY = 1.0
TARGET_PULL = 0.1
HEADER_START = "# --- fitted to the seed patterns"
HEADER_END = "# --- end of fit"


@dataclass(kw_only=True)
class PatternCalibrationSpec:
    """A calibration set-up whose data are seed patterns."""

    name: str = param(doc="Short name; outputs go to calibration-results/<name>/ by default.")
    description: str = param("", "What is fitted to what.")
    scenario: str = param(doc="Scenario file, relative to this file.")
    patterns: str = param(doc="Patterns file, relative to this file (docs/patterns.md).")
    horizon: int | None = param(None, "Steps per simulation (default: the scenario's).",
                                lo=1)
    parameters: list[FreeParameter] = param(doc="Free parameters.")
    derived: dict[str, str] = param(factory=dict, doc="Scenario values computed from the free "
                                    "parameters, as in a seizure-data set-up (path -> "
                                    "arithmetic expression in the parameters' names).")
    method: str = param("point", "abc (posterior) or point (fast estimate).",
                        choices=("abc", "point"))
    seed: int = param(1, "Master seed.", lo=0)
    abc: AbcSettings = param(factory=AbcSettings, doc="ABC-SMC settings.")
    point: PointSettings = param(factory=PointSettings, doc="Point-estimate settings.")
    predictive_runs: int = param(8, "Runs at the fitted values for the pattern report.",
                                 lo=1)


def simulate_patterns(scenario_data: dict, seed: int, horizon: int, rows: list[Pattern],
                      key: object) -> dict:
    """One simulation's pattern statistics, in the record shape fit.evaluate stores:
    ``counts`` the values (None: too few events; nan: the model lacks the output),
    ``traced`` the (numerator, denominator) pairs (None where lacking)."""
    _, parts = run_replication(scenario_data, seed, horizon, rows, key)
    values: list[float | None] = []
    for p, part in zip(rows, parts, strict=True):
        if isinstance(part, str):
            values.append(math.nan)
        elif part[1] > 0 and part[1] >= p.min_denominator:
            values.append(part[0] / part[1])
        else:
            values.append(None)
    return {"key": key, "counts": values, "traced": [None if isinstance(x, str) else list(x)
                                                     for x in parts]}


def pattern_distance(rows: list[Pattern], values: list[float | None], which: list[int]
                     ) -> float:
    """Sum over patterns of the miss outside the range plus :data:`TARGET_PULL` x the
    distance to the target (both in range widths); too few events = 1; an output the model
    does not write = 0 (it does not depend on the parameters)."""
    total = 0.0
    for i in which:
        v, p = values[i], rows[i]
        if v is None:
            total += UNAVAILABLE_PENALTY
        elif not math.isnan(v):
            total += miss(v, *p.range) + TARGET_PULL * abs(v - p.target) / _width(p)
    return float(total)


def _width(p: Pattern) -> float:
    return (p.range[1] - p.range[0]) or abs(p.target) or 1.0


@dataclass
class PatternCalibration(Calibration):
    """A :class:`flowsim.calibration.fit.Calibration` whose rows are the patterns that
    apply to the scenario: it simulates, measures distance and writes outputs its own way."""

    scenario_path: Path = Path()

    @property
    def horizon(self) -> int:
        return self.spec.horizon or self.scenario.simulation.steps

    def distance(self, sim: dict, which: list[int]) -> float:
        return pattern_distance(self.rows, sim["counts"], which)

    def prepare(self, progress=None, run_opts: dict | None = None, progress_bar=None) -> None:
        """Patterns are compared in range widths; no noise runs are needed."""

    def simulator(self):
        return simulate_patterns

    def write(self, fitted: dict, out: Path, run_opts: dict, progress, progress_bar) -> dict:
        return write_pattern_outputs(self, fitted, out, run_opts, progress, progress_bar)


def is_pattern_setup(data: object) -> bool:
    return isinstance(data, dict) and "patterns" in data and "scenario" in data


def load_pattern_calibration(path: str | Path, data: dict) -> PatternCalibration:
    """Check a patterns calibration set-up, its scenario and its patterns; InputError."""
    path = Path(path)
    file = str(path)
    spec = build(PatternCalibrationSpec, data, file)
    if not spec.parameters:
        raise InputError(file, "parameters", "expected at least one free parameter")
    scenario_data, scenario = load_scenario_beside(path, spec.scenario)
    check_parameters(spec.parameters, scenario_data, file, spec.derived)
    patterns_file = path.parent / spec.patterns
    if not patterns_file.exists():
        raise InputError(file, "patterns", f"patterns file '{spec.patterns}' not found "
                         f"(looked for {patterns_file})")
    patterns = load_patterns(patterns_file)
    check_countries(patterns, scenario.name, {c.id for c in scenario.countries},
                    str(patterns_file))
    rows = [p for p in patterns.patterns if scenario.name in p.applies_to]
    fit = [i for i, p in enumerate(rows) if p.role == "fit"]
    if not fit:
        raise InputError(file, "patterns", f"no pattern with role 'fit' in {spec.patterns} "
                         f"applies to scenario '{scenario.name}' (only fit patterns are "
                         "fitted; validate and consistency ones are never used for fitting)")
    # only `fit` patterns enter the distance; `validate` ones are judged at the fitted
    # values (held out), `consistency` ones are reported as such
    holdout = [i for i, p in enumerate(rows) if p.role == "validate"]
    return PatternCalibration(spec, file, scenario_data, scenario, rows, fit, holdout,
                              scenario_path=path.parent / spec.scenario)


def write_pattern_outputs(cal: PatternCalibration, fitted: dict, out: Path, run_opts: dict,
                          progress, progress_bar) -> dict:
    """Posterior, the patterns at the fitted values, and the fitted scenario (comments kept)."""
    import pandas as pd

    from flowsim.outputs.tables import AtomicDir

    point = fitted["method"] == "point"
    if point:                     # a point estimate: the point, no posterior
        medians = cal.to_theta(np.array(fitted["z"]))
        parameters = {n: {"estimate": v} for n, v in zip(cal.names, medians, strict=True)}
    else:
        pop = fitted["population"]
        z, w = np.array(pop["z"]), np.array(pop["weights"])
        theta = np.array([cal.to_theta(row) for row in z])
        medians = [weighted_quantile(theta[:, k], w, 0.5) for k in range(theta.shape[1])]
        parameters = {n: {"median": m, "p05": weighted_quantile(theta[:, k], w, 0.05),
                          "p95": weighted_quantile(theta[:, k], w, 0.95)}
                      for k, (n, m) in enumerate(zip(cal.names, medians, strict=True))}
    recs = runs_at(cal, [list(medians)] * cal.spec.predictive_runs, progress, run_opts,
                   progress_bar, tag="fitted", stream=8888, label="runs at the fitted values")
    runs = [[tuple(x) if x is not None else "the run lacks this output"
             for x in rec["traced"]] for rec in recs]
    results = summarise(cal.rows, cal.scenario.name, runs)
    table = results_table(results)
    judged = [r for r in results if r.status != NOT_APPLICABLE]
    holding = [r.pattern.id for r in judged if r.status == HOLDS]
    counts = role_counts(table)
    summary = {
        "method": cal.spec.method,
        "parameters": parameters,
        "distance_fit": float(np.mean([rec["distance"] for rec in recs])),
        "distance_holdout": (float(np.mean([cal.distance(r, cal.holdout) for r in recs]))
                             if cal.holdout else None),
        "coverage_fit": counts["fit"][0] / counts["fit"][1] if counts["fit"][1] else 0.0,
        "coverage_holdout": (counts["validate"][0] / counts["validate"][1]
                             if counts["validate"][1] else None),
        "patterns_fitted": [cal.rows[i].id for i in cal.fit],
        "validation": list(counts["validate"]),
        "fitted_held": list(counts["fit"]),
        "consistency": list(counts["consistency"]),
        "patterns_hold": holding,
        "patterns_miss": [r.pattern.id for r in judged if r.status != HOLDS],
        "patterns_not_applicable": [r.pattern.id for r in results
                                    if r.status == NOT_APPLICABLE],
    }
    fitted_text = fitted_scenario_text(cal, medians, summary)
    scenario_from_data(yaml.safe_load(fitted_text), "<fitted>")   # must stay valid
    with AtomicDir(out) as stage:
        if point:
            pd.DataFrame({"parameter": cal.names, "estimate": medians}).to_csv(
                stage.path("estimate.csv"), index=False)
        else:
            posterior = pd.DataFrame(theta, columns=cal.names)
            posterior["weight"] = w / w.sum()
            posterior["distance"] = pop["distances"]
            posterior.to_csv(stage.path("posterior.csv"), index=False)
        table.to_csv(stage.path("patterns.csv"), index=False)
        pd.DataFrame(fitted["history"]).to_csv(stage.path("diagnostics.csv"), index=False)
        stage.path("fitted-scenario.yaml").write_text(fitted_text)
        stage.path("summary.json").write_text(json.dumps(summary, indent=2))
    return summary


# --- writing fitted values into the scenario file, comments kept -----------------------------
def _value_spans(text: str, path: str) -> tuple[int, int]:
    """(start, end) character offsets of the scalar at a dotted path (list items by id)."""
    node = yaml.compose(text)
    for part in path.split("."):
        if isinstance(node, yaml.SequenceNode):
            node = next((item for item in node.value if isinstance(item, yaml.MappingNode)
                         and any(k.value == "id" and v.value == part for k, v in item.value)),
                        None)
        elif isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        else:
            node = None
        if node is None:
            raise InputError("<scenario>", path, "the scenario file does not write this key; "
                             "add it (with its current value) before fitting it")
    if not isinstance(node, yaml.ScalarNode):
        raise InputError("<scenario>", path, "expected a number at this path")
    return node.start_mark.index, node.end_mark.index


def set_values_in_text(text: str, values: dict[str, float]) -> str:
    """The YAML text with the scalars at ``values``' paths replaced; comments kept."""
    for path, value in values.items():
        start, end = _value_spans(text, path)
        text = text[:start] + f"{value:.4g}" + text[end:]
    return text


def fitted_scenario_text(cal: PatternCalibration, medians: list[float], summary: dict) -> str:
    """The scenario file with fitted values and a header naming the patterns fitted to."""
    text = cal.scenario_path.read_text(encoding="utf-8")
    start = f"{HEADER_START}: flowsim calibrate calibration/{Path(cal.file).name} "
    # a re-fit by the same set-up replaces its block; other set-ups' blocks stay
    text = re.sub(rf"{re.escape(start)}.*?{re.escape(HEADER_END)}[^\n]*\n", "", text,
                  flags=re.S)
    text = set_values_in_text(text, cal.scenario_values(list(medians)))
    hold, missed = summary["patterns_hold"], summary["patterns_miss"]
    lines = [f"{start}({cal.spec.method}) ---",
             f"# Fitted to the seed patterns that apply to '{cal.scenario.name}' "
             f"(calibration/{Path(cal.spec.patterns).name}). Over {cal.spec.predictive_runs} "
             f"runs at the fitted values these hold: {', '.join(hold) or 'none'}."]
    if missed:
        lines.append(f"# These miss: {', '.join(missed)}.")
    if summary["patterns_not_applicable"]:
        lines.append("# Not applicable (no such output, or too few events): "
                     f"{', '.join(summary['patterns_not_applicable'])}.")
    lines.append("# Fitted values:")
    lines += [f"#   {p} = {m:.4g}" for p, m in cal.scenario_values(list(medians)).items()]
    lines.append(f"{HEADER_END} ---")
    block = "\n".join(_wrap(line) for line in lines) + "\n"
    # the one-line status experiments' reports quote (flowsim.studies.experiment
    # .calibration_status); the latest fit's line replaces an earlier one
    status = f"{CALIBRATION_LINE} {status_text(cal, summary)}"
    text = re.sub(rf"^{re.escape(CALIBRATION_LINE)}[^\n]*\n", "", text, flags=re.M)
    head = re.match(r"(?:#[^\n]*\n)*", text).end()
    return text[:head] + block + status + "\n" + text[head:]


def status_text(cal: PatternCalibration, summary: dict) -> str:
    """The calibration status experiments' reports quote: how many patterns were fitted and
    how many *held-out* patterns hold (never the total over all roles)."""
    k, n = summary["validation"]
    return (f"fitted to {len(cal.fit)} seed patterns (calibration/"
            f"{Path(cal.spec.patterns).name}, role fit) by `flowsim calibrate calibration/"
            f"{Path(cal.file).name}`; {k} of {n} held-out seed patterns hold")


def _wrap(line: str, width: int = 95) -> str:
    if len(line) <= width or line.startswith(HEADER_START):
        return line
    words, out, cur = line[2:].split(" "), [], "#"
    for word in words:
        if len(cur) + 1 + len(word) > width:
            out.append(cur)
            cur = "#  "
        cur += " " + word
    out.append(cur)
    return "\n".join(out)


def pattern_calibration_reference() -> str:
    return ("## Calibrating to seed patterns\n\n" + (__doc__ or "").split("\n\n", 1)[1].strip()
            + "\n\n" + reference(PatternCalibrationSpec, "patterns calibration set-up",
                                  {FreeParameter, AbcSettings, PointSettings}))
