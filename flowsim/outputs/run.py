"""One run of a scenario, from a file or a loaded :class:`~flowsim.inputs.scenario.Scenario`
to its tidy tables (and, on request, the files ``flowsim run`` writes).

This is the notebook entry point for single runs; ``flowsim run`` uses it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flowsim.inputs.interventions import Intervention
from flowsim.inputs.scenario import Scenario, load_scenario
from flowsim.model.flow_model import FlowModel
from flowsim.outputs.tables import all_tables, headline, write_run


@dataclass
class RunResult:
    """A finished run: the model (with its ledger and data collector) and its tables.

    ``tables`` maps a table name (``flows``, ``stocks``, ``seizures``, ``borders``,
    ``tracing``, ``prices``, ``end_users``, ``summary``) to a tidy ``pandas.DataFrame``
    with the columns docs/getting-started.md ("Outputs") lists.
    """

    model: FlowModel
    tables: dict[str, pd.DataFrame]
    out: Path | None = None

    def headline(self, by: str = "country") -> pd.DataFrame:
        """Weapons diverted, trafficked, seized and delivered, by ``country`` or
        ``mechanism`` (ammunition excluded), with a TOTAL row."""
        return headline(self.tables, by)


def run_scenario(scenario: str | Path | Scenario, *, seed: int | None = None,
                 steps: int | None = None, interventions: list[Intervention] | None = None,
                 out: str | Path | None = None, plots: bool = True,
                 progress=None) -> RunResult:
    """Run a scenario once and return its tables.

    ``scenario`` is a YAML path or a loaded :class:`Scenario` (which is not modified).
    ``seed`` and ``steps`` override the scenario's ``simulation`` block. ``interventions``
    are applied on top of the scenario's own. With ``out``, the CSV tables, plots (unless
    ``plots=False``) and ``run.json`` are written there atomically, as ``flowsim run`` does.
    ``progress``, if given, is called with 1 after every step (e.g. a tqdm bar's
    ``update``). Bad input raises :class:`flowsim.errors.InputError`.
    """
    if not isinstance(scenario, Scenario):
        file = str(scenario)
        scenario = load_scenario(scenario)
    else:
        file = ""
    if steps is not None:
        import copy

        from flowsim.inputs.scenario import Simulation
        from flowsim.inputs.schema import check_field

        steps = check_field(Simulation, "steps", steps, "run_scenario(steps=...)", "steps")

        scenario = copy.deepcopy(scenario)
        scenario.simulation.steps = steps
    model = FlowModel(scenario, seed=seed, interventions=interventions)
    model.run(progress=progress)
    if out is not None:
        tables = write_run(model, out, file, plots=plots)
        return RunResult(model, tables, Path(out))
    return RunResult(model, all_tables(model))
