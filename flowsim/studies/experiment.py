"""Running policy experiments: one run per (option, future, replication) and the store.

The experiment *format* (options, baseline, uncertain parameters sampled by Latin
hypercube, common random numbers) is :mod:`flowsim.inputs.experiment`; its names are
re-exported here so ``from flowsim.studies.experiment import load_experiment`` keeps
working. This module runs one task (:func:`run_task`: national totals, series, route-level
outcomes and harm, 000 ¶31, ¶113) and keeps the append-only results store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flowsim._version import __version__
from flowsim.inputs.editing import (  # noqa: F401  (re-exported: old import paths)
    NOT_CALIBRATED,
    calibration_status,
    check_path_range,
    load_scenario_beside,
    scenario_for_sample,
    set_path,
)
from flowsim.inputs.experiment import (  # noqa: F401  (re-exported: old import paths)
    BASELINE,
    Experiment,
    ExperimentSpec,
    Option,
    UncertainParameter,
    Uncertainty,
    experiments_reference,
    load_experiment,
)
from flowsim.inputs.interventions import Intervention
from flowsim.inputs.scenario import scenario_from_data
from flowsim.inputs.schema import to_plain
from flowsim.model.flow_model import FlowModel
from flowsim.model.harm import run_with_harm
from flowsim.outputs.metrics import route_totals, run_totals, series
from flowsim.studies.store import JsonLines, claim_folder, read_json_lines

SERIES = ("diverted", "delivered", "seized_border", "seized_inland")


# --- one run -------------------------------------------------------------------------------
def run_task(scenario_data: dict, interventions: list[Intervention], seed: int, horizon: int,
             key: tuple[str, int, int]) -> dict:
    """Run one (option, sample, replication); return its record for the results store:
    national totals, series, route-level outcomes (weapons passed and seized per crossing,
    border and directed country pair) and harm (deaths and injuries by end-user kind and
    victims' sex and age group)."""
    scenario = scenario_from_data(scenario_data, "<experiment>")
    model = FlowModel(scenario, seed=seed, interventions=interventions)
    harm = run_with_harm(model, horizon)
    option, sample, rep = key
    return {"option": option, "sample": sample, "replication": rep, "seed": seed,
            "totals": run_totals(model),
            "series": {name: series(model, name).tolist() for name in SERIES},
            "routes": route_totals(model), "harm": harm.totals()}


def task_arguments(exp: Experiment, key: tuple[str, int, int],
                   sample_data: dict[int, dict]) -> tuple:
    option, sample, rep = key
    return (sample_data[sample], exp.options[option], exp.run_seed(sample, rep), exp.horizon,
            key)


# --- the results store ---------------------------------------------------------------------
class ResultsStore:
    """``runs.jsonl`` (one finished run per line, appended and synced as each completes)
    and ``manifest.json`` (what experiment the runs belong to)."""

    def __init__(self, out: str | Path, exp: Experiment):
        self.dir = Path(out)
        claim_folder(self.dir, {
            "name": exp.spec.name, "fingerprint": exp.fingerprint(),
            "experiment_file": exp.file, "horizon": exp.horizon,
            "replications": exp.spec.replications, "samples": exp.samples,
            "outcomes": exp.spec.outcomes, "options": list(exp.options), "costs": exp.costs(),
            "steps_per_year": exp.scenario.simulation.steps_per_year, "quick": exp.quick,
            "step_length": exp.scenario.simulation.step_length, "spec": to_plain(exp.spec),
            "crossings": exp.crossings(), "targeted_crossings": exp.targeted_crossings(),
            "assumptions": exp.assumptions(), "flowsim_version": __version__,
            "created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")})
        self.runs = JsonLines(self.dir / "runs.jsonl")

    def done(self) -> set[tuple[str, int, int]]:
        return {(r["option"], r["sample"], r["replication"]) for r in self.runs.read()}

    def append(self, record: dict) -> None:
        self.runs.append(record)


def read_runs(results_dir: str | Path) -> list[dict]:
    return read_json_lines(Path(results_dir) / "runs.jsonl")


