"""flowsim as an EMA Workbench model, for EMA's sampling, scenario discovery and optimisation.

:func:`ema_model` turns an experiment file into an ``ema_workbench.ReplicatorModel``:

* **uncertainties**: the experiment's uncertain parameters (``uncertain:``, or the
  ``sensitivity:`` block's), as ``RealParameter`` over their ranges;
* **levers**: the strength of every intervention of every option (``RealParameter`` in
  [0, 1]; 0 leaves it out), so a policy is a portfolio of the experiment's interventions,
  each at a chosen strength, on top of the baseline's;
* **outcomes**: the experiment's outcomes as ``ScalarOutcome``, the mean over the
  replications (MINIMIZE for what reaches or
  circulates among end users, MAXIMIZE for enforcement outcomes), plus ``cost_usd``
  (MINIMIZE): the cost within the horizon of the interventions with a strength above 0;
* **replications**: one per experiment replication, each with its own seed
  (``SeedSequence([seed, replication])``), the same in every scenario and policy (common
  random numbers).

EMA needs names that are Python identifiers: a parameter path such as
``countries.KAR.stockpiles.kar-army.security`` becomes
``countries_KAR_stockpiles_kar_army_security``; ``FlowsimFunction.paths`` maps back.
The simulation is ``flowsim.studies.experiment.run_task``, the one experiments use, so
results agree with ``flowsim experiment`` for the same values and seed. Example:
``docs/exploratory.md``.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path

import numpy as np

from flowsim.seeds import derive_seed
from flowsim.studies.discovery import LOWER_IS_BETTER
from flowsim.studies.experiment import (
    BASELINE,
    Experiment,
    load_experiment,
    run_task,
    scenario_for_sample,
)
from flowsim.studies.sensitivity import SensitivitySpec

with warnings.catch_warnings():
    warnings.simplefilter("ignore")          # optional evaluators (ipyparallel) not installed
    from ema_workbench import RealParameter, ReplicatorModel, ScalarOutcome

COST = "cost_usd"


def identifier(text: str, taken: set[str]) -> str:
    """A Python identifier for ``text``, unique among ``taken`` (which it joins)."""
    name = re.sub(r"\W+", "_", text).strip("_") or "p"
    if name[0].isdigit():
        name = f"p_{name}"
    base, k = name, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


class FlowsimFunction:
    """The callable EMA runs: keyword arguments in, outcome values out (picklable, so EMA's
    multiprocessing evaluator can ship it to workers)."""

    def __init__(self, exp: Experiment):
        taken: set[str] = set()
        self.file = exp.file
        self.scenario_data = exp.scenario_data
        self.horizon = exp.horizon
        self.steps_per_year = exp.scenario.simulation.steps_per_year
        self.outcomes = list(exp.spec.outcomes)
        self.baseline = list(exp.baseline)
        self.ranges = {identifier(p.path, taken): (p.path, tuple(p.range))
                       for p in uncertain_parameters(exp)}
        self.paths = {name: path for name, (path, _) in self.ranges.items()}
        self.levers = {}
        for option in exp.options:
            if option == BASELINE:
                continue
            for iv in exp.own(option):
                self.levers[identifier(f"{option}_{iv.label}", taken)] = iv

    def __call__(self, seed: int, **values: float) -> dict[str, float]:
        sample = {self.paths[k]: float(v) for k, v in values.items() if k in self.paths}
        data = scenario_for_sample(self.scenario_data, sample, self.file)
        chosen = [dataclasses.replace(iv, strength=float(values.get(name, iv.strength)))
                  for name, iv in self.levers.items() if values.get(name, iv.strength) > 0]
        record = run_task(data, self.baseline + chosen, int(seed), self.horizon,
                          ("ema", 0, 0))
        out = {name: float(record["totals"][name]) for name in self.outcomes}
        out[COST] = float(sum(iv.total_cost(self.horizon, self.steps_per_year)
                              for iv in chosen))
        return out


def uncertain_parameters(exp: Experiment) -> list:
    if exp.spec.uncertain is not None and exp.spec.uncertain.parameters:
        return list(exp.spec.uncertain.parameters)
    from flowsim.inputs.schema import build

    return build(SensitivitySpec, exp.spec.sensitivity or {}, exp.file,
                 "sensitivity").parameters


def ema_model(experiment: str | Path, *, replications: int | None = None,
              name: str = "flowsim") -> ReplicatorModel:
    """An ``ema_workbench.ReplicatorModel`` of an experiment file (see the module doc)."""
    exp = load_experiment(experiment)
    function = FlowsimFunction(exp)
    model = ReplicatorModel(name, function=function)
    model.uncertainties = [RealParameter(k, float(lo), float(hi))
                           for k, (_, (lo, hi)) in function.ranges.items()]
    model.levers = [RealParameter(k, 0.0, 1.0) for k in function.levers]
    model.outcomes = [ScalarOutcome(o, kind=ScalarOutcome.MINIMIZE if o in LOWER_IS_BETTER
                                    else ScalarOutcome.MAXIMIZE, function=np.mean)
                      for o in function.outcomes]
    model.outcomes += [ScalarOutcome(COST, kind=ScalarOutcome.MINIMIZE, function=np.mean)]
    reps = replications or exp.spec.replications
    model.replications = [{"seed": derive_seed(exp.spec.seed, r)} for r in range(reps)]
    return model
