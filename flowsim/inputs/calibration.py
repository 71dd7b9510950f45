"""The calibration set-up formats: free parameters, priors, data and method settings.

A calibration set-up (``calibration/*.yaml``) names a scenario, the data to match and the
free parameters with uniform or log-uniform priors. The data are either a seizure CSV
(``data:``, :mod:`flowsim.inputs.seizures`; 000 ¶32-33, ¶43) or a seed-patterns file
(``patterns:``, :mod:`flowsim.inputs.patterns`; 000 ¶32-35, 001 ¶36, 004 ¶25). Both kinds
share one base (:class:`CalibrationBase`: scenario, horizon, free parameters, derived
values, method and its settings, seed); :class:`CalibrationSpec` adds the seizure data and
the distance's settings, :class:`PatternCalibrationSpec` the patterns file. Reading and
checking a set-up imports nothing from the model: the methods that run it are
:mod:`flowsim.calibration`. The method's defaults (particles, tolerance quantile, noise
floor) are assumptions; the seeds give no figure for them.
"""

from __future__ import annotations

import ast
import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from flowsim.errors import InputError, did_you_mean
from flowsim.inputs.editing import (
    check_path_range,
    load_scenario_beside,
    scenario_for_sample,
    value_span,
)
from flowsim.inputs.patterns import check_countries, load_patterns
from flowsim.inputs.scenario import Scenario
from flowsim.inputs.schema import (
    MAX_STEPS,
    build,
    check_kind,
    dump_yaml,
    load_yaml,
    param,
    probability,
)
from flowsim.inputs.seizures import load_seizures

STATISTICS = ("counts", "category_mix", "traced_share", "seized_traced_share")
COUNT_SCALES = ("noise", "none")


@dataclass(kw_only=True)
class FreeParameter:
    """A scenario value to estimate, with its prior."""

    path: str | None = param(None, "Dotted path into the scenario, lists selected by id, "
                             "that this parameter sets; omit it for a parameter used only in "
                             "`derived` expressions (then give a `name`).")
    name: str | None = param(None, "Name used in outputs and in `derived` expressions "
                             "(default: the path).")
    prior: str = param("uniform", "Prior distribution over the range.",
                       choices=("uniform", "loguniform"))
    range: list[float] = param(doc="[low, high].")


@dataclass(kw_only=True)
class AbcSettings:
    """ABC-SMC settings."""

    particles: int = param(40, "Particles per generation.", lo=4, hi=100_000)
    generations: int = param(4, "Generations after the prior one.", lo=0, hi=100)
    quantile: float = probability(0.5, "Tolerance = this quantile of the last distances.")
    max_simulations: int = param(2000, "Budget of simulations per generation.", lo=1)
    min_acceptance: float = probability(0.02, "Stop when a generation's acceptance rate "
                                        "falls below this.")
    max_total_simulations: int | None = param(None, "Stop after the generation in which the "
                                              "total number of simulations reaches this "
                                              "(none: no total budget).", lo=1)


@dataclass(kw_only=True)
class PointSettings:
    """Differential-evolution settings for the fast point estimate."""

    popsize: int = param(6, "Population size multiplier (per free parameter).", lo=2)
    maxiter: int = param(8, "Generations of differential evolution.", lo=1)
    replications: int = param(2, "Seeds per candidate (the same for all candidates).", lo=1)


@dataclass(kw_only=True)
class CalibrationBase:
    """What every calibration set-up has, whatever its data."""

    name: str = param(doc="Short name; outputs go to calibration-results/<name>-<method>/ by "
                      "default (`--out DIR` chooses another folder).")
    description: str = param("", "What is fitted to what.")
    scenario: str = param(doc="Scenario file, relative to this file.")
    horizon: int | None = param(None, "Steps per simulation (default: the last data step "
                                "for seizure data, the scenario's steps for patterns).",
                                lo=1, hi=MAX_STEPS)
    parameters: list[FreeParameter] = param(doc="Free parameters.")
    derived: dict[str, str] = param(factory=dict, doc="Scenario values computed from the free "
                                    "parameters: dotted path -> arithmetic expression in the "
                                    "parameters' names (+ - * / ** and parentheses), e.g. "
                                    "`mechanisms.theft: leakage * theft_share`. Lets a set-up "
                                    "estimate what its data identify (a total rate and a "
                                    "split) rather than each rate.")
    method: str = param("abc", "abc (posterior) or point (fast estimate).",
                        choices=("abc", "point"))
    seed: int = param(1, "Master seed.", lo=0)
    abc: AbcSettings = param(factory=AbcSettings, doc="ABC-SMC settings.")
    point: PointSettings = param(factory=PointSettings, doc="Point-estimate settings.")
    predictive_runs: int = param(20, "Posterior predictive simulations for the fit report.",
                                 lo=1)


@dataclass(kw_only=True)
class CalibrationSpec(CalibrationBase):
    """A flowsim calibration set-up whose data are observed seizures."""

    data: str = param(doc="Seizure CSV, relative to this file (format: docs/calibration.md).")
    start_year: int | None = param(None, "Calendar year of step 1, for year periods.")
    statistics: list[str] = param(factory=lambda: list(STATISTICS),
                                  doc="Summary statistics matched.",
                                  choices=STATISTICS)
    holdout_periods: list[str] = param(factory=list, doc="Periods (as written in the data) "
                                       "held out for validation, not fitted.")
    count_scale: str = param("noise", "How each row's `counts` error is scaled: `noise` "
                             "divides it by the row's simulation noise (see Distance), "
                             "`none` weighs every row alike.", choices=COUNT_SCALES)
    noise_runs: int = param(16, "Simulations at the priors' centre that measure each row's "
                            "noise (`count_scale: noise`).", lo=2, hi=10_000)
    noise_floor: float = param(0.15, "Reporting error of a return on the log scale, added "
                               "to each row's simulation noise (assumption: the seeds give "
                               "no figure; it is also `flowsim synthesize`'s default noise).",
                               lo=0.01, hi=10)


@dataclass(kw_only=True)
class PatternCalibrationSpec(CalibrationBase):
    """A calibration set-up whose data are seed patterns."""

    patterns: str = param(doc="Patterns file, relative to this file (docs/patterns.md).")
    method: str = param("point", "abc (posterior) or point (fast estimate).",
                        choices=("abc", "point"))
    predictive_runs: int = param(8, "Runs at the fitted values for the pattern report.",
                                 lo=1)


@dataclass
class CalibrationSetup:
    """A loaded, checked calibration set-up (either kind) and the parameter arithmetic
    every method shares: names, prior-scale bounds, the scenario values a parameter vector
    sets. ``rows`` are the data: seizure rows or the patterns that apply."""

    spec: CalibrationBase
    file: str
    scenario_data: dict
    scenario: Scenario
    rows: list
    fit: list[int]          # indices of fitting rows
    holdout: list[int]      # indices of held-out rows
    scenario_path: Path = Path()

    @property
    def names(self) -> list[str]:
        """The free parameters' names (their paths unless named)."""
        return [p.name or p.path for p in self.spec.parameters]

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds in the prior's own scale (log for log-uniform)."""
        lo = [math.log(p.range[0]) if p.prior == "loguniform" else p.range[0]
              for p in self.spec.parameters]
        hi = [math.log(p.range[1]) if p.prior == "loguniform" else p.range[1]
              for p in self.spec.parameters]
        return np.array(lo), np.array(hi)

    def to_theta(self, z: np.ndarray) -> list[float]:
        return [float(math.exp(v)) if p.prior == "loguniform" else float(v)
                for p, v in zip(self.spec.parameters, z, strict=True)]

    def to_z(self, theta: list[float]) -> np.ndarray:
        return np.array([math.log(v) if p.prior == "loguniform" else v
                         for p, v in zip(self.spec.parameters, theta, strict=True)])

    def scenario_values(self, theta: list[float]) -> dict[str, float]:
        """Scenario path -> value set by these parameter values (derived ones included)."""
        named = dict(zip(self.names, theta, strict=True))
        values = {p.path: v for p, v in zip(self.spec.parameters, theta, strict=True)
                  if p.path}
        for path, expression in self.spec.derived.items():
            values[path] = evaluate_expression(expression, named)
        return values

    def data_for(self, theta: list[float]) -> dict:
        return scenario_for_sample(self.scenario_data, self.scenario_values(theta), self.file)



@dataclass
class SeizureSetup(CalibrationSetup):
    """A set-up whose data are seizure rows (:class:`CalibrationSpec`)."""

    spec: CalibrationSpec

    @property
    def horizon(self) -> int:
        return self.spec.horizon or max(r.last_step for r in self.rows)


@dataclass
class PatternSetup(CalibrationSetup):
    """A set-up whose data are the seed patterns that apply (:class:`PatternCalibrationSpec`)."""

    spec: PatternCalibrationSpec

    @property
    def horizon(self) -> int:
        return self.spec.horizon or self.scenario.simulation.steps


_OPERATORS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
              ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
              ast.Pow: lambda a, b: a ** b}
_ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load,
                  ast.USub, ast.UAdd, *_OPERATORS)


def expression_names(expression: str) -> set[str]:
    """Names an arithmetic expression uses; ValueError if it is not plain arithmetic."""
    tree = ast.parse(expression, mode="eval")
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif not isinstance(node, _ALLOWED_NODES):
            raise ValueError(f"'{ast.unparse(node)}' is not allowed (only numbers, parameter "
                             "names, + - * / ** and parentheses)")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise ValueError(f"'{node.value!r}' is not a number")
    return names


def evaluate_expression(expression: str, values: dict[str, float]) -> float:
    """Value of an arithmetic expression (see :func:`expression_names`) in ``values``."""
    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.UnaryOp):
            return -ev(node.operand) if isinstance(node.op, ast.USub) else ev(node.operand)
        return _OPERATORS[type(node.op)](ev(node.left), ev(node.right))

    return float(ev(ast.parse(expression, mode="eval")))


def check_parameters(parameters: list[FreeParameter], scenario_data: dict, file: str,
                     derived: dict[str, str] | None = None) -> None:
    """Each free parameter has a path or a name, once; its range is [low, high] (low > 0 for
    log-uniform) and both ends give a valid scenario; so do the ``derived`` expressions'
    extremes over the parameters' ranges; raises InputError."""
    seen: set[str] = set()
    for i, p in enumerate(parameters):
        where = f"parameters[{i}]"
        if not (p.path or p.name):
            raise InputError(file, where, "expected a path (the scenario value it sets) or a "
                             "name (for a parameter used in derived expressions)")
        label = p.name or p.path
        if label in seen:
            raise InputError(file, where, f"duplicate parameter '{label}'")
        seen.add(label)
        if len(p.range) != 2 or not p.range[0] < p.range[1]:
            raise InputError(file, f"{where}.range", f"expected [low, high] with low < high, "
                             f"got {p.range}")
        if p.prior == "loguniform" and p.range[0] <= 0:
            raise InputError(file, f"{where}.range", "a loguniform prior needs low > 0")
        if p.path:
            check_path_range(scenario_data, p.path, p.range, file, f"{where}.path")
    by_name = {p.name or p.path: p for p in parameters}
    for path, expression in (derived or {}).items():
        where = f"derived.{path}"
        try:
            names = expression_names(expression)
        except (SyntaxError, ValueError) as exc:
            raise InputError(file, where, f"expected an arithmetic expression in the "
                             f"parameters' names, got '{expression}': {exc}") from None
        for n in sorted(names - set(by_name)):
            raise InputError(file, where, f"unknown parameter '{n}'"
                             f"{did_you_mean(n, by_name)}; parameters: "
                             f"{', '.join(by_name)}")
        corners = itertools.product(*[by_name[n].range for n in sorted(names)])
        values = sorted({evaluate_expression(expression, dict(zip(sorted(names), c,
                                                                   strict=True)))
                         for c in corners})
        check_path_range(scenario_data, path, [values[0], values[-1]], file, where)


def setup_copy(setup: str | Path, out: str | Path, **changes: Any) -> Path:
    """Write ``out``: the calibration set-up ``setup`` with top-level keys replaced by
    ``changes`` (e.g. ``seed=4`` or ``data="other.csv"``) and its file paths (scenario, data,
    patterns) made absolute, so the copy works from any folder; return ``out``."""
    setup = Path(setup)
    spec = {**load_yaml(setup), **changes}
    for key in ("scenario", "data", "patterns"):
        if key in spec:
            spec[key] = str((setup.parent / spec[key]).resolve())
    out = Path(out)
    out.write_text(dump_yaml(spec))
    return out


def is_pattern_setup(data: object) -> bool:
    """A set-up with ``patterns:`` (and a scenario) has seed patterns as its data."""
    return isinstance(data, dict) and "patterns" in data and "scenario" in data


def load_setup(path: str | Path, seizure_cls: type[SeizureSetup] = SeizureSetup,
               pattern_cls: type[PatternSetup] = PatternSetup) -> CalibrationSetup:
    """Read and check a calibration set-up of either kind, its scenario and its data (the
    seizure CSV, or the patterns that apply to the scenario); raises InputError. The
    calibration layer passes its own subclasses, which add the methods that simulate."""
    path = Path(path)
    file = str(path)
    raw = load_yaml(path)
    check_kind(raw, "calibration", file)
    pattern = is_pattern_setup(raw)
    spec = build(PatternCalibrationSpec if pattern else CalibrationSpec, raw, file)
    if not spec.parameters:
        raise InputError(file, "parameters", "expected at least one free parameter")
    scenario_data, scenario = load_scenario_beside(path, spec.scenario)
    check_parameters(spec.parameters, scenario_data, file, spec.derived)
    scenario_path = path.parent / spec.scenario
    if pattern:
        rows = _applicable_patterns(path, spec, scenario)
        _check_written(scenario_path, spec, file)
        # only `fit` patterns enter the distance; `validate` ones are judged at the fitted
        # values (held out), `consistency` ones are reported as such
        fit = [i for i, p in enumerate(rows) if p.role == "fit"]
        holdout = [i for i, p in enumerate(rows) if p.role == "validate"]
        return pattern_cls(spec, file, scenario_data, scenario, rows, fit, holdout,
                           scenario_path)
    rows = load_seizures(path.parent / spec.data, scenario, spec.start_year, spec.horizon)
    periods = {r.period for r in rows}
    for i, period in enumerate(spec.holdout_periods):
        if period not in periods:
            raise InputError(file, f"holdout_periods[{i}]", f"period '{period}' does not occur "
                             f"in the data{did_you_mean(period, periods)}")
    holdout = [i for i, r in enumerate(rows) if r.period in spec.holdout_periods]
    fit = [i for i in range(len(rows)) if i not in set(holdout)]
    if not fit:
        raise InputError(file, "holdout_periods", "every data row is held out; nothing to fit")
    return seizure_cls(spec, file, scenario_data, scenario, rows, fit, holdout, scenario_path)


def _check_written(scenario_path: Path, spec: PatternCalibrationSpec, file: str) -> None:
    """A patterns fit writes its values into the scenario file in place (comments kept):
    every fitted path must be written there already, checked before any simulation."""
    root = yaml.compose(scenario_path.read_text(encoding="utf-8"))      # once, for every path
    paths = [(f"parameters[{i}].path", p.path) for i, p in enumerate(spec.parameters)
             if p.path] + [(f"derived.{k}", k) for k in spec.derived]
    for where, dotted in paths:
        try:
            value_span(root, dotted)
        except InputError as exc:
            raise InputError(file, where, f"'{dotted}': {exc.message} (the scenario file "
                             f"{scenario_path.name})") from None


def _applicable_patterns(path: Path, spec: PatternCalibrationSpec, scenario: Scenario) -> list:
    """The patterns of the set-up's patterns file that apply to its scenario."""
    file = str(path)
    patterns_file = path.parent / spec.patterns
    if not patterns_file.exists():
        raise InputError(file, "patterns", f"patterns file '{spec.patterns}' not found "
                         f"(looked for {patterns_file})")
    patterns = load_patterns(patterns_file)
    check_countries(patterns, scenario.name, {c.id for c in scenario.countries},
                    str(patterns_file))
    rows = [p for p in patterns.patterns if scenario.name in p.applies_to]
    if not any(p.role == "fit" for p in rows):
        raise InputError(file, "patterns", f"no pattern with role 'fit' in {spec.patterns} "
                         f"applies to scenario '{scenario.name}' (only fit patterns are "
                         "fitted; validate and consistency ones are never used for fitting)")
    return rows
