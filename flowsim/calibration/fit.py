"""Calibration against seizure data: ABC-SMC, or a fast point estimate for workshops.

A calibration set-up (``calibration/*.yaml``) names a scenario, a seizure CSV
(:mod:`flowsim.calibration.seizure_data`), free parameters with uniform or log-uniform priors, the
summary statistics to match and the periods held out for validation.

**Distance.** Sum of the root-mean-square errors of the chosen statistics over the fitting
rows: ``counts`` compares each row's seizures on a log scale, ``log(1+sim) - log(1+obs)``,
divided by the row's noise scale (``count_scale: noise``, the default): the spread of that
row's log count over ``noise_runs`` simulations at the centre of the priors (seeds differ,
parameters do not), combined with an assumed reporting error ``noise_floor``,
``sqrt(sd^2 + floor^2)``. A national total of hundreds of seizures then weighs more than a
border post's handful, whose count moves by chance more than with any parameter; with equal
weights (``count_scale: none``) those noisy rows drown the informative ones and the
posterior stays wide. The noise runs are the first simulations of a calibration, cached
like the others, and their scales are written to ``noise-scales.csv``;
``category_mix`` compares, per country and period, the share of each weapon category
among seized weapons, in units of 0.1; ``traced_share`` compares tracing success
(successes / requests, 000 ¶33) in units of 0.1; ``seized_traced_share`` compares, on rows
with a ``traced_share`` (SDG indicator 16.4.2), successes per weapon seized in that country
and period (``tracing.csv``'s traced share) in units of 0.1.

**ABC-SMC** (Beaumont et al. 2009, with adaptive tolerances; the engine is
:mod:`flowsim.calibration.abc_smc`, checked against an exact posterior by
:mod:`flowsim.calibration.toy`): generation 0 draws particles from the prior; each later
generation's tolerance is a quantile of the previous distances, and proposals are previous
particles (drawn by weight) moved by a Gaussian kernel with twice their weighted covariance,
in the prior's own scale (log for log-uniform), accepted if their distance is within
tolerance. Proposals are drawn in the main process from seeds fixed by (seed, generation,
batch) and evaluated in parallel with the experiment runner (joblib or Dask), so results do
not depend on the number of workers. Every evaluation is appended to ``evaluations.jsonl``
as it completes and each finished generation is saved, so an interrupted calibration
resumes without repeating work. The summary reports, per parameter, the posterior-to-prior
90% width ratio and the posterior correlations, with warnings in words when a parameter is
not identified or two are confounded (:mod:`flowsim.calibration.posterior`).

**Derived parameters.** A free parameter may set a scenario value (``path``) or only carry
a ``name`` used in ``derived`` expressions, so a set-up can estimate what its data identify:
a total stockpile leakage and a theft/insider split rather than each rate, when seizures
respond to the sum.

**Point mode** minimises the same distance with ``scipy.optimize.differential_evolution``
over the prior ranges, every candidate run with the same seeds (common random numbers);
its evaluations are cached the same way. It reports a point: the estimate, its distance
(the mean over those seeds) and the spread over them; no posterior.

**Coverage.** Predictive runs (posterior draws, or the point with new seeds) give a 90%
band per data row; when fewer than 70% of fitting or held-out observations fall inside it,
the command says so and ``fit.png`` is marked.
"""

from __future__ import annotations

from pathlib import Path

from flowsim import log
from flowsim.calibration.evaluation import (  # noqa: F401  (re-exported: old import paths)
    NOISE_STREAM,
    SHARE_UNIT,
    Calibration,
    Progress,
    distance,
    evaluate,
    runs_at,
    simulate,
)
from flowsim.calibration.methods import run_abc, run_point
from flowsim.calibration.outputs import (  # noqa: F401  (re-exported: old import paths)
    VALIDATION,
    calibration_reference,
    write_outputs,
)
from flowsim.calibration.posterior import weighted_quantile  # noqa: F401  (re-exported)
from flowsim.inputs.calibration import (  # noqa: F401  (re-exported: old import paths)
    COUNT_SCALES,
    STATISTICS,
    AbcSettings,
    CalibrationSetup,
    CalibrationSpec,
    FreeParameter,
    PointSettings,
    check_parameters,
    evaluate_expression,
    expression_names,
    load_setup,
    setup_copy,
)


def load_calibration(path: str | Path) -> CalibrationSetup:
    """Read and check a calibration set-up, its scenario and its data, ready to fit: a
    :class:`Calibration` (seizure data) or a
    :class:`flowsim.calibration.pattern_targets.PatternCalibration` (seed patterns); raises
    InputError. To check a set-up without the model, use
    :func:`flowsim.inputs.calibration.load_setup`."""
    from flowsim.calibration.pattern_targets import PatternCalibration

    return load_setup(path, Calibration, PatternCalibration)


def default_out(cal: Calibration) -> Path:
    """``calibration-results/<name>-<method>``: the ABC and the point fit of one set-up
    keep their own folders, so running both (as the README does) needs no ``--out``."""
    return Path("calibration-results") / f"{cal.spec.name}-{cal.spec.method}"


def calibrate(calibration: str | Path, *, method: str | None = None, jobs: int = 1,
              backend: str = "joblib", address: str | None = None,
              out: str | Path | None = None, echo=log.info) -> dict:
    """Fit a calibration set-up's free parameters to its data; return the summary.

    ``method`` (``"abc"`` or ``"point"``) overrides the set-up's. Simulations are cached in
    ``OUT`` (default ``calibration-results/<name>-<method>``) as they finish, so calling this again
    with the same ``out`` resumes. Writes ``summary.json``, ``fitted-scenario.yaml``,
    ``fit.csv``, the plots and ``posterior.csv`` (ABC) or ``estimate.csv`` (point) there;
    returns the contents of ``summary.json`` (ABC: per-parameter median, 5%/95%, width
    ratio, and correlations; point: the estimate, its distance and the replications'
    spread; both: coverage and ``warnings``). ``echo`` receives one-line messages
    (``None``: silent).
    """
    from flowsim.progress import progress_bar

    say = echo or (lambda _text: None)
    cal = load_calibration(calibration)
    if method:
        cal.spec.method = method
    out = Path(out) if out else default_out(cal)
    progress = Progress(out, cal)
    run_opts = {"jobs": jobs, "backend": backend, "address": address}
    say(f"{cal.spec.name}: {cal.spec.method} on {len(cal.spec.parameters)} parameters, "
        f"{len(cal.fit)} fitting and {len(cal.holdout)} held-out data rows, "
        f"{cal.horizon} steps per simulation"
        + (f"; {len(progress.cache)} simulations already done, resuming"
           if progress.cache else ""))

    def bar(total, desc, unit="it"):
        return progress_bar(total, desc, unit, quiet=echo is None)

    cal.prepare(progress, run_opts, bar)
    run = run_abc if cal.spec.method == "abc" else run_point
    fitted = run(cal, progress, run_opts, bar)
    summary = cal.write(fitted, out, run_opts, progress, bar)
    summary["out"] = str(out)
    return summary
