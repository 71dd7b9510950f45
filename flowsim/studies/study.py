"""Running a whole experiment: every option x future x replication, in parallel and resumably,
then the report. The notebook entry point for experiments; ``flowsim experiment`` uses it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flowsim import log
from flowsim.progress import progress_bar
from flowsim.studies.experiment import (
    Experiment,
    ResultsStore,
    load_experiment,
    run_task,
    scenario_for_sample,
    task_arguments,
)
from flowsim.studies.runner import run_parallel

CHUNK = 512      # tasks handed to the runner at once: bounds the scenario copies in memory


def run_experiment(experiment: str | Path, *, jobs: int = 1, backend: str = "joblib",
                   address: str | None = None, out: str | Path | None = None,
                   report: bool = True, echo: Callable[[str], None] | None = log.info,
                   replications: int | None = None, futures: int | None = None) -> Path:
    """Run an experiment file and return its results folder.

    Runs are stored one per line in ``OUT/runs.jsonl`` as they finish, so calling this again
    with the same ``out`` resumes where an interrupted call stopped. ``jobs`` local worker
    processes (``-1``: all cores) with ``backend="joblib"``, or an existing Dask cluster
    with ``backend="dask"`` and ``address="HOST:PORT"``; results do not depend on either.
    With ``report=True`` the comparison report (``report.html``, ``summary.csv``, PNGs) is
    written to the results folder. ``echo`` receives one-line progress messages (``None``:
    silent). ``replications``/``futures`` override the file's numbers for a quick look (the
    default folder is then ``results/<name>-quick`` and the report says so). Bad input
    raises :class:`flowsim.errors.InputError`.
    """
    exp = load_experiment(experiment, replications=replications, futures=futures)
    out = Path(out) if out else Path("results") / (exp.spec.name
                                                   + ("-quick" if exp.quick else ""))
    say = echo or (lambda _text: None)
    say(f"{exp.spec.name}: {len(exp.options)} options x {len(exp.samples)} futures x "
        f"{exp.spec.replications} replications = {len(exp.tasks())} runs of {exp.horizon} "
        "steps")
    run_stored(exp, out, jobs=jobs, backend=backend, address=address, echo=echo)
    if report:
        from flowsim.studies.report import write_report

        write_report(out)
    return out


def run_stored(exp: Experiment, out: Path, *, jobs: int = 1, backend: str = "joblib",
               address: str | None = None, echo: Callable[[str], None] | None = log.info,
               task: Callable[..., dict] | None = None) -> ResultsStore:
    """Run every task of a loaded experiment not yet in ``out/runs.jsonl``, storing each as it
    finishes (resumable); ``task`` runs one (option, sample, replication) (default: this
    module's ``run_task``, looked up at call time)."""
    say = echo or (lambda _text: None)
    task = task or run_task
    store = ResultsStore(out, exp)
    done = store.done()
    todo = [k for k in exp.tasks() if k not in done]
    total = len(exp.tasks())
    if done:
        say(f"{len(done)} already done (of {total} runs), resuming")
    with progress_bar(len(todo), exp.spec.name, "run", quiet=echo is None) as bar:
        for start in range(0, len(todo), CHUNK):
            chunk = todo[start:start + CHUNK]
            samples = {i: scenario_for_sample(exp.scenario_data, exp.samples[i], exp.file)
                       for i in sorted({k[1] for k in chunk})}
            results = run_parallel(task, (task_arguments(exp, k, samples) for k in chunk),
                                   jobs=jobs, backend=backend, address=address)
            for record in results:
                store.append(record)
                bar.update(1)
    say(f"all {total} runs stored in {out}/runs.jsonl")
    return store
