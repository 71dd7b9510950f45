"""Evaluating a seizure calibration: one simulation's statistics, the distance to the data
and the on-disk cache of evaluations.

:class:`Calibration` is a loaded seizure set-up (:class:`flowsim.inputs.calibration
.SeizureSetup`) with what a method needs to evaluate it: the simulator, the distance
(counts on a log scale over each row's noise, the category mix and the traced share,
000 ¶32-33; see :mod:`flowsim.calibration.fit`) and the noise runs that set the row scales.
:func:`evaluate` runs any set-up's (key, parameters, seed) jobs in parallel, caching each
record in ``evaluations.jsonl`` as it completes (:class:`Progress`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from flowsim.calibration.seizure_data import (
    SeizureRow,
    simulated_counts,
    simulated_seized_traced_share,
    simulated_traced_share,
)
from flowsim.inputs.calibration import CalibrationSetup, SeizureSetup
from flowsim.inputs.scenario import CATEGORIES, scenario_from_data
from flowsim.inputs.schema import to_plain
from flowsim.io import fingerprint
from flowsim.model.flow_model import FlowModel
from flowsim.seeds import derive_seed
from flowsim.studies.runner import run_parallel
from flowsim.studies.store import JsonLines, claim_folder

NOISE_STREAM = 555              # seed stream of the noise runs (predictive runs use 7777)
SHARE_UNIT = 0.1


@dataclass
class Calibration(SeizureSetup):
    """A seizure-data set-up ready to be fitted: it simulates, measures distance, runs its
    noise runs and writes its outputs."""

    scales: list[float] | None = None   # per-row noise scale of the counts error (prepare)

    def distance(self, sim: dict, which: list[int]) -> float:
        return distance(self.spec.statistics, self.rows, sim, which, self.scales)

    def simulator(self):
        """The function each simulation runs (the module's ``simulate``, looked up when
        called, so the fault tests can slow it down)."""
        return simulate

    def write(self, fitted: dict, out: Path, run_opts: dict, progress: Progress,
              progress_bar) -> dict:
        """Write the outputs of a finished fit into ``out``; return the summary."""
        from flowsim.calibration.outputs import write_outputs

        return write_outputs(self, fitted, out, run_opts, progress, progress_bar)

    def noise_jobs(self) -> list[tuple[str, list[float], int]]:
        """The noise runs: ``noise_runs`` seeds at the centre of the priors."""
        lo, hi = self.bounds()
        centre = self.to_theta((lo + hi) / 2)
        return [(f"noise{i}", centre, derive_seed(self.spec.seed, NOISE_STREAM, i))
                for i in range(self.spec.noise_runs)]

    def set_scales(self, counts: np.ndarray) -> None:
        """Row scales from the noise runs' counts (runs x rows); ``count_scale: none``
        keeps equal weights."""
        if self.spec.count_scale == "noise":
            sd = np.log1p(np.asarray(counts, dtype=float)).std(axis=0, ddof=1)
            self.scales = np.sqrt(sd ** 2 + self.spec.noise_floor ** 2).tolist()

    def prepare(self, progress: Progress | None = None, run_opts: dict | None = None,
                progress_bar=None) -> None:
        """Run the noise runs (cached in ``progress`` and in parallel when given; in this
        process otherwise, as the benchmark scripts do) and set the row scales."""
        if self.spec.count_scale != "noise":
            return
        jobs = self.noise_jobs()
        if progress is None:
            counts = [simulate(self.data_for(theta), seed, self.horizon, self.rows)["counts"]
                      for _, theta, seed in jobs]
        else:
            with progress_bar(len(jobs), "noise runs", "run") as bar:
                sims = evaluate(self, progress, jobs, run_opts or {}, bar)
            counts = [sims[k]["counts"] for k, _, _ in jobs]
        self.set_scales(np.array(counts))


# --- simulation and distance --------------------------------------------------------------
def simulate(scenario_data: dict, seed: int, horizon: int, rows: list[SeizureRow],
             key: Any = None) -> dict:
    """Run one simulation and return its statistics for every data row."""
    model = FlowModel(scenario_from_data(scenario_data, "<calibration>"), seed=seed)
    model.run(horizon)
    return {"key": key, "counts": simulated_counts(model, rows),
            "traced": [simulated_traced_share(model, r) if r.tracing_requests else None
                       for r in rows],
            "seized_traced": [simulated_seized_traced_share(model, r)
                              if r.traced_share is not None else None for r in rows]}


def _mix(rows: list[SeizureRow], counts: list[float], which: list[int]) -> dict:
    groups: dict[tuple, dict[str, float]] = {}
    for i in which:
        r = rows[i]
        if r.category in CATEGORIES and r.category != "ammunition" and r.place == "any":
            groups.setdefault((r.country, r.period), {})[r.category] = counts[i]
    return {k: v for k, v in groups.items() if len(v) >= 2}


def distance(statistics: list[str], rows: list[SeizureRow], sim: dict, which: list[int],
             scales: list[float] | None = None) -> float:
    """The distance of one simulation's statistics to the data rows ``which``; ``scales``
    divides each row's counts error (None: equal weights)."""
    total = 0.0
    if "counts" in statistics and which:
        err = [(math.log1p(sim["counts"][i]) - math.log1p(rows[i].count))
               / (scales[i] if scales else 1.0) for i in which]
        total += math.sqrt(sum(e * e for e in err) / len(err))
    if "category_mix" in statistics:
        obs = _mix(rows, [r.count for r in rows], which)
        got = _mix(rows, sim["counts"], which)
        errs = []
        for k, o in obs.items():
            so, ss = sum(o.values()), sum(got[k].values())
            for cat in o:
                errs.append((o[cat] / so if so else 0) - (got[k][cat] / ss if ss else 0))
        if errs:
            total += math.sqrt(sum(e * e for e in errs) / len(errs)) / SHARE_UNIT
    if "traced_share" in statistics:
        errs = []
        for i in which:
            r = rows[i]
            if r.tracing_requests:
                s = sim["traced"][i]
                errs.append((r.tracing_successes or 0) / r.tracing_requests - (s or 0.0))
        if errs:
            total += math.sqrt(sum(e * e for e in errs) / len(errs)) / SHARE_UNIT
    if "seized_traced_share" in statistics:
        got = sim.get("seized_traced") or [None] * len(rows)
        errs = [rows[i].traced_share - (got[i] or 0.0) for i in which
                if rows[i].traced_share is not None]
        if errs:
            total += math.sqrt(sum(e * e for e in errs) / len(errs)) / SHARE_UNIT
    return total


# --- on-disk progress ---------------------------------------------------------------------
class Progress:
    """Evaluations (appended as they complete) and finished generations of one calibration."""

    def __init__(self, out: Path, cal: CalibrationSetup):
        self.dir = out
        claim_folder(out, {"name": cal.spec.name, "fingerprint": fingerprint(
            {"spec": to_plain(cal.spec), "scenario": cal.scenario_data,
             "rows": [r.__dict__ for r in cal.rows]})})
        self.evaluations = JsonLines(out / "evaluations.jsonl")
        self.cache: dict[str, dict] = {rec["key"]: rec for rec in self.evaluations.read()}

    def append(self, rec: dict) -> None:
        self.cache[rec["key"]] = rec
        self.evaluations.append(rec)

    def generation_path(self, g: int) -> Path:
        return self.dir / f"generation-{g}.json"


def evaluate(cal: CalibrationSetup, progress: Progress, jobs: list[tuple[str, list[float], int]],
             run_opts: dict, bar=None) -> dict[str, dict]:
    """Simulate (key, theta, seed) jobs not yet in the cache, in parallel; return all. A
    record is the simulator's statistics (whatever the set-up's kind names them: seizure
    ``counts`` and ``traced``, or pattern ``values`` and ``parts``) with the key, the
    parameters and the distance to the fitting rows."""
    todo = [j for j in jobs if j[0] not in progress.cache]
    args = [(cal.data_for(theta), seed, cal.horizon, cal.rows, key) for key, theta, seed in todo]
    thetas = {key: theta for key, theta, _ in todo}
    for sim in run_parallel(cal.simulator(), args, **run_opts):
        stats = {k: v for k, v in sim.items() if k != "key"}
        rec = {"key": sim["key"], "theta": thetas[sim["key"]], **stats,
               "distance": cal.distance(sim, cal.fit)}
        progress.append(rec)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.update(len(jobs) - len(todo))
    return {key: progress.cache[key] for key, _, _ in jobs}


def runs_at(cal: CalibrationSetup, thetas: list[list[float]], progress: Progress, run_opts: dict,
            progress_bar, tag: str = "pred", stream: int = 7777,
            label: str = "predictive runs") -> list[dict]:
    """Cached records of one simulation per parameter vector, keyed ``TAG<i>`` with seeds
    from the set-up's seed and ``stream`` (so predictive runs and other runs never share)."""
    jobs = [(f"{tag}{i}", theta, derive_seed(cal.spec.seed, stream, i))
            for i, theta in enumerate(thetas)]
    with progress_bar(len(jobs), label, "run") as bar:
        sims = evaluate(cal, progress, jobs, run_opts, bar)
    return [sims[k] for k, _, _ in jobs]


