"""Faults survived, nothing lost (issue 10): studies killed with SIGKILL resume without
repeating or losing a finished simulation, a Dask worker killed mid-experiment changes no
result, and a full or read-only output folder gives a clear error and no half-written file.

The kills are real: the command runs in a subprocess (a simulation function blocks for good
after a given number of calls, so the kill lands mid-study on a fast or a loaded machine)
and receives SIGKILL, which no handler can catch.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowsim.calibration import evaluation as calibration_module
from flowsim.studies import experiment as experiment_module
from flowsim.studies import study as study_module
from flowsim.studies.store import read_json_lines
from tests.conftest import ROOT, SCENARIOS
from tests.test_calibration import setup as calibration_setup
from tests.test_experiments import records, write_experiment

TASKS = 12          # tests.test_experiments.EXPERIMENT: 3 options x 1 future x 2 replications x 2


def launch_gated(args: list, target: str, calls: int) -> subprocess.Popen:
    """Start ``flowsim ARGS`` in its own process group, with ``module.function`` (target)
    running its first ``calls`` calls and blocking for good on the next one, so the kill
    lands mid-study however fast or loaded the machine is (no sleeps)."""
    module, name = target.rsplit(".", 1)
    code = "\n".join([
        "import importlib, sys, threading",
        f"m = importlib.import_module({module!r})",
        f"real, done = getattr(m, {name!r}), []",
        "def gated(*args, **kwargs):",
        f"    if len(done) == {calls}:",
        "        threading.Event().wait()",
        "    done.append(1)",
        "    return real(*args, **kwargs)",
        f"setattr(m, {name!r}, gated)",
        "from flowsim.cli import main",
        "sys.exit(main(sys.argv[1:]))"])
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def kill_when(proc: subprocess.Popen, ready, timeout: float = 90.0) -> None:
    """SIGKILL ``proc``'s process group as soon as ``ready()`` holds (polled: the state
    is in files another process writes)."""
    end = time.monotonic() + timeout
    try:
        while not ready():
            if proc.poll() is not None:
                pytest.fail(f"finished before it could be killed: {proc.stderr.read()!r}")
            if time.monotonic() > end:
                pytest.fail("the study made no progress")
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def count_calls(monkeypatch, module, name: str) -> dict:
    calls, real = {"n": 0}, getattr(module, name)

    def counting(*args, **kwargs):
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def test_experiment_killed_with_sigkill_resumes_without_repeating_or_losing_runs(
        tmp_path, run_cli, monkeypatch):
    file = write_experiment(tmp_path)
    assert run_cli("experiment", file, "--out", tmp_path / "full", "--no-report")[0] == 0
    part = tmp_path / "part"
    proc = launch_gated(["experiment", file, "--out", part, "--no-report"],
                        "flowsim.studies.study.run_task", 4)
    kill_when(proc, lambda: len(read_json_lines(part / "runs.jsonl")) >= 4)
    kept = len(read_json_lines(part / "runs.jsonl"))
    assert kept == 4
    calls = count_calls(monkeypatch, study_module, "run_task")
    code, out, err = run_cli("experiment", file, "--out", part, "--no-report")
    assert code == 0, err
    assert f"{kept} already done" in out and calls["n"] == TASKS - kept   # none run twice
    assert records(part) == records(tmp_path / "full")                  # none lost


def test_dask_worker_killed_mid_experiment_changes_no_result(tmp_path, run_cli):
    import logging

    from dask.distributed import Client, LocalCluster

    file = write_experiment(tmp_path)
    assert run_cli("experiment", file, "--out", tmp_path / "joblib", "--no-report")[0] == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        victim = next(iter(client.run(os.getpid).values()))
        # the experiment runs in its own process, as `flowsim experiment` does (its Dask
        # client then has its own event loop, not one another test left behind); it kills
        # the worker right after storing its first run, while both workers are busy
        code = "\n".join([
            "import os, signal, sys",
            "from flowsim.studies import experiment as m",
            "real, killed = m.ResultsStore.append, []",
            "def append_then_kill(self, record):",
            "    real(self, record)",
            "    if not killed:",
            f"        os.kill({victim}, signal.SIGKILL)",
            "        killed.append(1)",
            "m.ResultsStore.append = append_then_kill",
            "from flowsim.cli import main",
            "sys.exit(main(sys.argv[1:]))"])
        done = subprocess.run(
            [sys.executable, "-c", code, "experiment", str(file), "--out",
             str(tmp_path / "dask"), "--backend", "dask", "--address",
             cluster.scheduler_address, "--no-report"],
            cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert victim not in client.run(os.getpid).values()       # killed, and replaced
    assert len(read_json_lines(tmp_path / "dask" / "runs.jsonl")) == TASKS
    assert records(tmp_path / "dask") == records(tmp_path / "joblib")


def test_calibration_killed_with_sigkill_mid_generation_gives_the_same_posterior(
        tmp_path, run_cli, monkeypatch):
    file = calibration_setup(tmp_path, abc={"particles": 4, "generations": 1,
                                            "max_simulations": 16}, predictive_runs=2)
    assert run_cli("calibrate", file, "--out", tmp_path / "one")[0] == 0
    total = len(read_json_lines(tmp_path / "one" / "evaluations.jsonl"))
    keys = [rec["key"] for rec in read_json_lines(tmp_path / "one" / "evaluations.jsonl")]
    before_gen1 = sum(1 for k in keys if k.startswith("noise") or k.startswith("g0"))
    part = tmp_path / "part"
    proc = launch_gated(["calibrate", file, "--out", part], "flowsim.calibration.fit.simulate",
                        before_gen1 + 3)           # 3 simulations into generation 1

    def inside_generation_1() -> bool:
        return ((part / "generation-0.json").exists()
                and len(read_json_lines(part / "evaluations.jsonl")) >= before_gen1 + 3)

    kill_when(proc, inside_generation_1)
    assert not (part / "generation-1.json").exists()          # killed mid-generation
    kept = len(read_json_lines(part / "evaluations.jsonl"))
    calls = count_calls(monkeypatch, calibration_module, "simulate")
    code, out, err = run_cli("calibrate", file, "--out", part)
    assert code == 0, err
    assert f"{kept} simulations already done" in out
    assert calls["n"] == total - kept                                  # none run twice
    assert len(read_json_lines(part / "evaluations.jsonl")) == total  # none lost
    assert (part / "posterior.csv").read_text() == (tmp_path / "one" / "posterior.csv"
                                                     ).read_text()


# --- full and read-only output folders -------------------------------------------------------
@contextlib.contextmanager
def broken_folder(monkeypatch, folder: Path, code: int):
    """Writes under ``folder`` fail as on a full (ENOSPC: files open, writing fails) or
    read-only (EROFS: nothing can be created, renamed or opened for writing) file system."""
    folder = folder.resolve()
    real_open, real_mkdir, real_replace = builtins.open, os.mkdir, os.replace

    def inside(path) -> bool:
        try:
            return Path(os.fspath(path)).resolve().is_relative_to(folder)
        except TypeError:            # a file descriptor
            return False

    def failure(path):
        return OSError(code, os.strerror(code), os.fspath(path))

    class Full(io.RawIOBase):
        def __init__(self, f):
            self.f = f

        def writable(self):
            return True

        def write(self, data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def close(self):
            self.f.close()
            super().close()

    def fake_open(file, mode="r", *args, **kwargs):
        if inside(file) and set(mode) & set("wax+"):
            if code == errno.EROFS:
                raise failure(file)
            f = real_open(file, mode, *args, **kwargs)
            return io.TextIOWrapper(io.BufferedWriter(Full(f))) if "b" not in mode \
                else io.BufferedWriter(Full(f))
        return real_open(file, mode, *args, **kwargs)

    def fake_mkdir(path, *args, **kwargs):
        if code == errno.EROFS and inside(path):
            raise failure(path)
        return real_mkdir(path, *args, **kwargs)

    def fake_replace(src, dst, *args, **kwargs):
        if code == errno.EROFS and inside(dst):
            raise failure(dst)
        return real_replace(src, dst, *args, **kwargs)

    for target, name, fake in ((builtins, "open", fake_open), (io, "open", fake_open),
                               (os, "mkdir", fake_mkdir), (os, "replace", fake_replace)):
        monkeypatch.setattr(target, name, fake)
    yield
    monkeypatch.undo()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()} if folder.exists() else {}


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS], ids=["full", "read-only"])
@pytest.mark.parametrize("previous", [False, True], ids=["empty", "with-results"])
def test_full_or_read_only_output_folder_is_a_clear_error_and_writes_nothing(
        tmp_path, run_cli, monkeypatch, code, previous):
    out = tmp_path / "out"
    args = ("run", SCENARIOS / "teaching.yaml", "--steps", 3, "--out", out, "--no-plots")
    if previous:
        assert run_cli(*args)[0] == 0
    else:
        out.mkdir()
    before = snapshot(out)
    with broken_folder(monkeypatch, out, code):
        status, _, err = run_cli(*args)
    assert status == 2 and "Traceback" not in err
    assert err.startswith(f"error: cannot read or write {out}") and os.strerror(code) in err
    assert snapshot(out) == before and not list(out.glob(".staging-*"))


def test_experiment_on_a_full_disk_stops_clearly_and_resumes_without_loss(tmp_path, run_cli,
                                                                          monkeypatch):
    file = write_experiment(tmp_path)
    assert run_cli("experiment", file, "--out", tmp_path / "full", "--no-report")[0] == 0
    out = tmp_path / "part"
    real_append, stored = experiment_module.ResultsStore.append, []

    def fill_disk_after_three(self, record):
        if len(stored) == 3:
            broken = contextlib.ExitStack()
            broken.enter_context(broken_folder(monkeypatch, out, errno.ENOSPC))
        real_append(self, record)
        stored.append(record)

    monkeypatch.setattr(experiment_module.ResultsStore, "append", fill_disk_after_three)
    status, _, err = run_cli("experiment", file, "--out", out, "--no-report")
    assert status == 2 and "Traceback" not in err
    assert err.startswith(f"error: cannot read or write {out / 'runs.jsonl'}: "
                          f"{os.strerror(errno.ENOSPC)}")
    monkeypatch.undo()
    assert len(read_json_lines(out / "runs.jsonl")) == 3
    assert run_cli("experiment", file, "--out", out, "--no-report")[0] == 0
    assert records(out) == records(tmp_path / "full")
