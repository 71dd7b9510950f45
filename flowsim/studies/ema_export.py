"""Export an experiment's results in EMA Workbench's ``save_results`` format.

The archive holds what ``ema_workbench.perform_experiments`` returns: an experiments table
(one row per run: the sampled value of each uncertain parameter, the replication, and
EMA's ``scenario`` = the sampled future, ``policy`` = the option, ``model`` =
``flowsim``) and one outcome array per outcome (the experiment's outcomes as scalars, plus
the per-step series of diverted, delivered and seized weapons (at borders, inland) as
``<name>_series`` arrays of shape runs x steps). ``ema_workbench.load_results(path)`` reads
it back, so EMA's analyses (PRIM, CART, feature scoring, dimensional stacking, plotting)
apply directly. Written by EMA's own ``save_results``, atomically. The reference is
``docs/exploratory.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.errors import InputError
from flowsim.studies.report import load_results

MODEL_NAME = "flowsim"


def ema_results(results_dir: str | Path) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """(experiments, outcomes) as ``ema_workbench.perform_experiments`` returns them."""
    manifest, runs, series = load_results(results_dir)
    order = {o: i for i, o in enumerate(manifest["options"])}
    runs = runs.assign(_o=runs["option"].map(order)).sort_values(
        ["_o", "sample", "replication"], kind="stable").reset_index(drop=True)
    samples = manifest.get("samples") or [{}]
    params = pd.DataFrame([samples[s] for s in runs["sample"]]).astype(float)
    experiments = pd.concat([params.reset_index(drop=True), pd.DataFrame({
        "replication": runs["replication"].astype(int),
        "scenario": runs["sample"].astype(str),
        "policy": runs["option"].astype(str),
        "model": MODEL_NAME})], axis=1)
    outcomes: dict[str, np.ndarray] = {
        name: runs[name].to_numpy(dtype=float) for name in manifest["outcomes"]}
    keys = list(zip(runs["option"], runs["sample"], runs["replication"], strict=True))
    for name in next(iter(series.values()), {}):
        rows = [series[k][name] for k in keys]
        if len({len(r) for r in rows}) == 1:
            outcomes[f"{name}_series"] = np.asarray(rows, dtype=float)
    return experiments, outcomes


def export_ema(results_dir: str | Path, output: str | Path) -> tuple[Path, int]:
    """Write ``output`` (a .tar.gz) with ``ema_workbench.save_results``; (path, runs)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # optional evaluators (ipyparallel) missing
        from ema_workbench import ArrayOutcome, ScalarOutcome, save_results

    output = Path(output)
    if not output.name.endswith(".tar.gz"):
        raise InputError(str(output), "", "expected an output file name ending in .tar.gz")
    experiments, outcomes = ema_results(results_dir)
    for name, values in outcomes.items():     # EMA saves each outcome by its declared type
        (ScalarOutcome if values.ndim == 1 else ArrayOutcome)(name)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".part")
    try:
        save_results((experiments, outcomes), str(tmp))
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    return output, len(experiments)
