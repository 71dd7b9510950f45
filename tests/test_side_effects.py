"""Importing and using flowsim changes nothing global: no matplotlib backend switch (a
notebook's inline backend survives making figures), no printing from library code (messages
go to the `flowsim` logger; the command line shows them, `--quiet` hides them)."""

from __future__ import annotations

import logging
import subprocess
import sys

from tests.conftest import ROOT, SCENARIOS

NOTEBOOK = """
import importlib.util, sys
import matplotlib
backend = ("module://matplotlib_inline.backend_inline"
           if importlib.util.find_spec("matplotlib_inline") else "svg")
matplotlib.use(backend)                 # what a Jupyter kernel does before the user's code
before = matplotlib.get_backend()
import flowsim
from flowsim.outputs.plots import plot_run          # flowsim's plotting API
result = flowsim.run_scenario({scenario!r}, steps=6, out={out!r}, plots=True)
from flowsim.studies import report, sensitivity, discovery   # every plotting module
from flowsim.calibration import plots
after = matplotlib.get_backend()
print(before, after, "matplotlib.pyplot" in sys.modules)
"""


def test_making_figures_leaves_a_notebooks_backend_alone(tmp_path):
    """Fails if any library module calls matplotlib.use (as five did) or draws through
    pyplot, which would switch or load a backend in the user's kernel."""
    code = NOTEBOOK.format(scenario=str(SCENARIOS / "teaching.yaml"), out=str(tmp_path / "r"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    before, after, pyplot = done.stdout.split()
    assert before != "agg" and after == before
    assert pyplot == "False"
    assert (tmp_path / "r" / "flows.png").stat().st_size > 1000      # figures were made


def test_library_code_logs_and_the_command_line_shows_or_hides_it(tmp_path, run_cli, capsys):
    from flowsim.inputs.experiment import load_experiment  # noqa: F401  (format is importable)
    from flowsim.studies.study import run_experiment
    from tests.conftest import tiny_experiment, write_experiment

    file = write_experiment(tmp_path, tiny_experiment(horizon=3, replications=1))
    logger = logging.getLogger("flowsim")
    # the library prints nothing itself; its messages reach the flowsim logger
    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    logger.addHandler(handler)
    old_level, old_propagate = logger.level, logger.propagate
    logger.setLevel(logging.INFO)
    try:
        run_experiment(file, out=tmp_path / "api", report=False)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate
    assert capsys.readouterr().out == ""
    assert any("runs stored" in m for m in seen)
    # the command line shows the messages, and --quiet (before or after the command) hides
    code, out, _ = run_cli("experiment", file, "--out", tmp_path / "a", "--no-report")
    assert code == 0 and "runs stored" in out
    for args in (("--quiet", "experiment", file), ("experiment", file, "-q")):
        code, out, _ = run_cli(*args, "--out", tmp_path / "b", "--no-report")
        assert code == 0 and "runs stored" not in out and "resuming" not in out
