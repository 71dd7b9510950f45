"""Running a whole experiment: every option x future x replication, in parallel and resumably,
then the report. The notebook entry point for experiments; ``flowsim experiment`` uses it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flowsim.progress import progress_bar
from flowsim.studies.experiment import (
    ResultsStore,
    load_experiment,
    run_task,
    scenario_for_sample,
    task_arguments,
)
from flowsim.studies.runner import run_parallel


def run_experiment(experiment: str | Path, *, jobs: int = 1, backend: str = "joblib",
                   address: str | None = None, out: str | Path | None = None,
                   report: bool = True, echo: Callable[[str], None] | None = print) -> Path:
    """Run an experiment file and return its results folder.

    Runs are stored one per line in ``OUT/runs.jsonl`` as they finish, so calling this again
    with the same ``out`` resumes where an interrupted call stopped. ``jobs`` local worker
    processes (``-1``: all cores) with ``backend="joblib"``, or an existing Dask cluster
    with ``backend="dask"`` and ``address="HOST:PORT"``; results do not depend on either.
    With ``report=True`` the comparison report (``report.html``, ``summary.csv``, PNGs) is
    written to the results folder. ``echo`` receives one-line progress messages (``None``:
    silent). Bad input raises :class:`flowsim.errors.InputError`.
    """
    say = echo or (lambda _text: None)
    exp = load_experiment(experiment)
    out = Path(out) if out else Path("results") / exp.spec.name
    store = ResultsStore(out, exp)
    done = store.done()
    todo = [k for k in exp.tasks() if k not in done]
    samples = {i: scenario_for_sample(exp.scenario_data, s, exp.file)
               for i, s in enumerate(exp.samples)}
    total = len(exp.tasks())
    say(f"{exp.spec.name}: {len(exp.options)} options x {len(exp.samples)} futures x "
        f"{exp.spec.replications} replications = {total} runs of {exp.horizon} steps"
        + (f"; {len(done)} already done, resuming" if done else ""))
    results = run_parallel(run_task, (task_arguments(exp, k, samples) for k in todo),
                           jobs=jobs, backend=backend, address=address)
    with progress_bar(len(todo), exp.spec.name, "run", quiet=echo is None) as bar:
        for record in results:
            store.append(record)
            bar.update(1)
    say(f"all {total} runs stored in {out}/runs.jsonl")
    if report:
        from flowsim.studies.report import write_report

        write_report(out)
    return out
