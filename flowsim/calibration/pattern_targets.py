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

from flowsim.calibration.evaluation import runs_at
from flowsim.calibration.outputs import fitted_values, write_fitted_values
from flowsim.inputs.calibration import (  # noqa: F401  (re-exported: old import paths)
    AbcSettings,
    FreeParameter,
    PatternCalibrationSpec,
    PatternSetup,
    PointSettings,
    is_pattern_setup,
)
from flowsim.inputs.editing import value_span, with_calibration_status
from flowsim.inputs.patterns import Pattern
from flowsim.inputs.scenario import scenario_from_data
from flowsim.inputs.schema import reference
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


def simulate_patterns(scenario_data: dict, seed: int, horizon: int, rows: list[Pattern],
                      key: object) -> dict:
    """One simulation's pattern statistics, as the evaluation cache stores them:
    ``values`` each pattern's value (None: too few events; nan: the model lacks the
    output) and ``parts`` its (numerator, denominator) pair (None where lacking)."""
    _, parts = run_replication(scenario_data, seed, horizon, rows, key)
    values: list[float | None] = []
    for p, part in zip(rows, parts, strict=True):
        if isinstance(part, str):
            values.append(math.nan)
        elif part[1] > 0 and part[1] >= p.min_denominator:
            values.append(part[0] / part[1])
        else:
            values.append(None)
    return {"key": key, "values": values, "parts": [None if isinstance(x, str) else list(x)
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
class PatternCalibration(PatternSetup):
    """A patterns set-up (:class:`flowsim.inputs.calibration.PatternSetup`) ready to be
    fitted: it simulates the patterns' statistics, measures the pattern distance and writes
    the pattern outputs."""

    def distance(self, sim: dict, which: list[int]) -> float:
        return pattern_distance(self.rows, sim["values"], which)

    def prepare(self, progress=None, run_opts: dict | None = None, progress_bar=None) -> None:
        """Patterns are compared in range widths; no noise runs are needed."""

    def simulator(self):
        return simulate_patterns

    def write(self, fitted: dict, out: Path, run_opts: dict, progress, progress_bar) -> dict:
        return write_pattern_outputs(self, fitted, out, run_opts, progress, progress_bar)


def write_pattern_outputs(cal: PatternCalibration, fitted: dict, out: Path, run_opts: dict,
                          progress, progress_bar) -> dict:
    """Posterior, the patterns at the fitted values, and the fitted scenario (comments kept)."""
    import pandas as pd

    from flowsim.io import AtomicDir

    fit = fitted_values(cal, fitted)
    medians, parameters = fit.chosen, fit.parameters
    recs = runs_at(cal, [list(medians)] * cal.spec.predictive_runs, progress, run_opts,
                   progress_bar, tag="fitted", stream=8888, label="runs at the fitted values")
    runs = [[tuple(x) if x is not None else "the run lacks this output"
             for x in rec["parts"]] for rec in recs]
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
        write_fitted_values(stage, cal, fit)
        table.to_csv(stage.path("patterns.csv"), index=False)
        pd.DataFrame(fitted["history"]).to_csv(stage.path("diagnostics.csv"), index=False)
        stage.path("fitted-scenario.yaml").write_text(fitted_text)
        stage.path("summary.json").write_text(json.dumps(summary, indent=2))
    return summary


# --- writing fitted values into the scenario file, comments kept -----------------------------
def set_values_in_text(text: str, values: dict[str, float]) -> str:
    """The YAML text with the scalars at ``values``' paths replaced; comments kept."""
    for path, value in values.items():
        start, end = value_span(text, path)
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
    # the status experiments' reports quote (flowsim.inputs.editing.calibration_status),
    # as the typed `calibration:` key; the latest fit's status replaces an earlier one
    return with_calibration_status(text, status_text(cal, summary),
                                   f"calibration/{Path(cal.file).name}", header=block)


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
