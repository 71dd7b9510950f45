"""``flowsim synthesize``: seizure data with known true parameters, shaped like a set-up's data.

Before a calibration set-up is trusted on real returns it should recover known values from
data the model itself made. :func:`synthesize` runs the set-up's scenario with the given
true values of its free parameters (derived scenario values follow from them) and writes one
row for every row of the set-up's data (same countries, periods, places and categories, as
in a UNODC Illicit Arms Flows Questionnaire return, 000 ¶43): the simulated count with
multiplicative log-normal reporting noise, the marked share, and tracing requests and
successes where the set-up's data report tracing (000 ¶32-33). A ``.truth.json`` beside the
CSV records the true values, seed and noise. The shipped data in ``calibration/`` are made
this way by ``docs/results/make_calibration.py``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np

from flowsim._version import __version__
from flowsim.calibration.fit import load_calibration
from flowsim.calibration.seizure_data import (
    OPTIONAL,
    REQUIRED,
    simulated_counts,
    simulated_tracing,
)
from flowsim.errors import InputError, did_you_mean
from flowsim.inputs.scenario import scenario_from_data
from flowsim.model.flow_model import FlowModel


def parse_truth(items: list[str]) -> dict[str, float]:
    """``["NAME=VALUE", ...]`` -> ``{NAME: VALUE}``; raises InputError."""
    truth = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            truth[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip() or not math.isfinite(truth.get(name.strip(), 0.0)):
            raise InputError("--truth", "", f"expected NAME=VALUE with a number, got '{item}'")
    return truth


def truth_for(cal, truth: dict[str, float]) -> list[float]:
    """The free parameters' true values in the set-up's order; raises InputError."""
    by_key = {}
    for p, name in zip(cal.spec.parameters, cal.names, strict=True):
        by_key[name] = name
        if p.path:
            by_key[p.path] = name
    values: dict[str, float] = {}
    for key, v in truth.items():
        if key not in by_key:
            raise InputError("--truth", key, f"'{key}' is not a free parameter of {cal.file}"
                             f"{did_you_mean(key, by_key)}; its parameters: "
                             f"{', '.join(cal.names)}")
        values[by_key[key]] = v
    missing = [n for n in cal.names if n not in values]
    if missing:
        raise InputError("--truth", "", f"give a true value for every free parameter of "
                         f"{cal.file}; missing: {', '.join(missing)}")
    for p, name in zip(cal.spec.parameters, cal.names, strict=True):
        lo, hi = p.range
        if not lo <= values[name] <= hi:
            raise InputError("--truth", name, f"expected a value inside the prior range "
                             f"[{lo:g}, {hi:g}], got {values[name]:g}")
    return [values[n] for n in cal.names]


def synthesize(calibration: str | Path, truth: dict[str, float], *, seed: int = 1,
               out: str | Path, noise_sd: float = 0.15) -> tuple[Path, int]:
    """Write ``out`` (CSV) and ``out.truth.json``; return the CSV path and its row count."""
    if not (noise_sd >= 0 and math.isfinite(noise_sd)):
        raise InputError("--noise", "", f"expected a non-negative number, got {noise_sd}")
    cal = load_calibration(calibration)
    theta = truth_for(cal, truth)
    model = FlowModel(scenario_from_data(cal.data_for(theta), "<synthesize>"), seed=seed)
    model.run(cal.horizon)
    counts = simulated_counts(model, cal.rows)
    marked = simulated_counts(model, cal.rows, marked_only=True)
    rng = np.random.default_rng([seed, 1])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(REQUIRED + OPTIONAL), lineterminator="\n")
    writer.writeheader()
    for row, n, m in zip(cal.rows, counts, marked, strict=True):
        noisy = int(round(n * float(np.exp(rng.normal(0.0, noise_sd))))) if noise_sd else n
        rec = {"country": row.country, "period": row.period, "place": row.place,
               "category": row.category, "count": noisy,
               "marked_share": round(m / n, 3) if n else ""}
        if row.tracing_requests is not None:
            req, ok = simulated_tracing(model, row)
            if req:
                rec["tracing_requests"], rec["tracing_successes"] = req, ok
        writer.writerow(rec)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {"true_parameters": dict(zip(cal.names, theta, strict=True)),
              "scenario_values": cal.scenario_values(theta), "seed": seed,
              "noise": f"log-normal, sd {noise_sd:g}", "calibration": str(calibration),
              "steps": cal.horizon, "flowsim": __version__}
    truth_path = out.with_suffix(".truth.json")
    for path, text in ((out, buffer.getvalue()),
                       (truth_path, json.dumps(record, indent=2) + "\n")):
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text)
        tmp.replace(path)
    return out, len(cal.rows)
