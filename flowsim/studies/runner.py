"""Run many independent model runs in parallel: joblib on local cores, or an existing Dask
cluster. Each finished run is handed back as soon as it completes, so callers can store it
at once and an interrupted study loses no finished work. Every run depends only on its own
arguments (scenario data, interventions, seed), so results are identical whatever the number
of workers or the backend.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flowsim.errors import InputError
from flowsim.seeds import derive_seed  # noqa: F401  (importable from here, as before)

BACKENDS = ("joblib", "dask")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_count(jobs: int) -> tuple[int, str | None]:
    """The local workers to start for ``--jobs jobs``, and a one-line note when fewer than
    asked. ``-1`` means all available cores; more workers than cores only make the runs
    slower (they take turns on the same cores) and use more memory, so ``jobs`` is capped
    at :func:`available_cores`."""
    cores = available_cores()
    if jobs == -1:
        return cores, None
    if jobs > cores:
        return cores, (f"--jobs {jobs}: this machine has {cores} cores available, so "
                       f"{cores} workers are used (more workers than cores make the runs "
                       "slower and use more memory)")
    return jobs, None


def run_parallel(func: Callable[..., Any], arguments: Iterable[tuple], *, jobs: int = 1,
                 backend: str = "joblib", address: str | None = None) -> Iterator[Any]:
    """Yield ``func(*args)`` for every ``args``, in completion order."""
    arguments = list(arguments)
    if not arguments:
        return iter(())
    if backend == "joblib":
        return _joblib(func, arguments, jobs)
    if backend == "dask":
        return _dask(func, arguments, address)
    raise InputError("--backend", "", f"expected one of {', '.join(BACKENDS)}, got '{backend}'")


def _joblib(func, arguments: list[tuple], jobs: int) -> Iterator[Any]:
    jobs, _ = worker_count(jobs)
    if jobs == 1:
        return (func(*args) for args in arguments)
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered",
                        batch_size=1)
    return iter(parallel(delayed(func)(*args) for args in arguments))


def _dask(func, arguments: list[tuple], address: str | None) -> Iterator[Any]:
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise InputError("--backend dask", "", "the Dask backend needs the optional extra: "
                         "pip install 'flowsim[dask]'") from None
    if not address:
        raise InputError("--backend dask", "", "expected --address HOST:PORT of a running "
                         "Dask scheduler")
    try:
        client = Client(address, timeout=10)
    except (OSError, TimeoutError) as exc:
        raise InputError("--address", "", f"cannot reach a Dask scheduler at {address}: "
                         f"{exc}") from None

    def results() -> Iterator[Any]:
        try:
            futures = [client.submit(func, *args, pure=False) for args in arguments]
            for future in as_completed(futures):
                yield future.result()
        finally:
            client.close()

    return results()
