"""flowsim: agent-based simulation of illicit small-arms and light-weapons flows on Mesa.

The public Python API, for scripts and notebooks:

    from flowsim import load_scenario, run_scenario

    result = run_scenario("scenarios/teaching.yaml", steps=24)
    result.headline("country")          # diverted, trafficked, seized, delivered
    result.tables["seizures"]           # tidy pandas tables, as `flowsim run` writes

name | what it is
--- | ---
``load_scenario`` | read and check a scenario YAML (``Scenario``)
``Scenario`` | the typed scenario (countries, borders, traffickers, controls, ...)
``FlowModel`` | the Mesa model; ``FlowModel(scenario, seed=...).run()``
``run_scenario`` | one run to tidy tables (and files, with ``out=``)
``RunResult`` | what ``run_scenario`` returns: the model, its tables, ``headline()``
``load_experiment`` | read and check an experiment YAML
``run_experiment`` | run an experiment in parallel, resumably, and write its report
``write_report`` | (re)write the comparison report of an experiment's results folder
``load_calibration`` | read and check a calibration set-up
``calibrate`` | fit parameters to data (ABC-SMC or point estimate)
``InputError`` | raised for bad input; ``str(err)`` names file, key path, expectation

(The table is Markdown: the API reference, docs/api/flowsim.md, renders it.)

The package is layered (each layer imports only the ones before it, checked by
import-linter): ``inputs`` (the file formats) -> ``model`` (the simulation) -> ``outputs``
(tables, plots, metrics of one run) -> ``studies`` (experiments, parallel runner, results
store, report) -> ``calibration`` -> ``cli``. Names not listed above are internal.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from flowsim._version import __version__

_PUBLIC = {
    "load_scenario": "flowsim.inputs.scenario",
    "Scenario": "flowsim.inputs.scenario",
    "FlowModel": "flowsim.model.flow_model",
    "run_scenario": "flowsim.outputs.run",
    "RunResult": "flowsim.outputs.run",
    "load_experiment": "flowsim.studies.experiment",
    "run_experiment": "flowsim.studies.study",
    "write_report": "flowsim.studies.report",
    "load_calibration": "flowsim.calibration.fit",
    "calibrate": "flowsim.calibration.fit",
    "InputError": "flowsim.errors",
}

__all__ = [
    "FlowModel", "InputError", "RunResult", "Scenario", "__version__", "calibrate",
    "load_calibration", "load_experiment", "load_scenario", "run_experiment", "run_scenario",
    "write_report",
]

if TYPE_CHECKING:
    from flowsim.calibration.fit import calibrate, load_calibration
    from flowsim.errors import InputError
    from flowsim.inputs.scenario import Scenario, load_scenario
    from flowsim.model.flow_model import FlowModel
    from flowsim.outputs.run import RunResult, run_scenario
    from flowsim.studies.experiment import load_experiment
    from flowsim.studies.report import write_report
    from flowsim.studies.study import run_experiment


def __getattr__(name: str):
    """Import public names on first use, so ``import flowsim`` stays light."""
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'flowsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
