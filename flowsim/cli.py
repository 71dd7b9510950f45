"""The ``flowsim`` command line.

Bad input prints one paragraph naming the file, the key path and what was expected, and
exits with code 2 — never a traceback. An interrupted command exits with code 130 and
leaves no half-written outputs.
"""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path

from flowsim import log
from flowsim.errors import InputError

EXIT_INPUT = 2
EXIT_INTERRUPTED = 130
#: What an interrupted command has kept: studies store each finished run and resume; a
#: single run keeps nothing (it is not resumable) and leaves its output folder as it was.
INTERRUPTED_STUDY = ("finished runs are kept and no partial output was written; run the "
                     "same command again to resume")
INTERRUPTED = {
    "run": "the run was not saved: no output was written (the output folder is as it was); "
           "run the same command again to start it over",
    "validate": "nothing was written",
    "new-scenario": "nothing was written",
    "schema": "nothing was written",
    "report": "the report was not written (a report is written whole or not at all); run "
              "the same command again",
    "discover": "nothing was written; run the same command again",
    "export": "the archive was not written; run the same command again",
    "patterns": "the patterns table was not written (it is written whole or not at all); run "
                "the same command again",
    "app": "the app stopped; participants' runs live only in their browser sessions",
}


def _validate_one(path: str) -> str:
    """Check one scenario, experiment, calibration or seed-patterns file; a one-line
    summary if valid."""
    from flowsim.inputs.scenario import scenario_from_data
    from flowsim.inputs.schema import input_kind, load_yaml

    data = load_yaml(path)
    kind = input_kind(data)
    if kind == "patterns":
        from flowsim.inputs.patterns import patterns_from_data

        spec = patterns_from_data(data, path)
        return f"seed patterns, {len(spec.patterns)} patterns"
    if kind == "experiment":
        from flowsim.inputs.experiment import load_experiment

        exp = load_experiment(path)
        text = (f"experiment '{exp.spec.name}' on '{exp.scenario.name}': `flowsim experiment` "
                f"runs {len(exp.options)} options x {len(exp.samples)} futures x "
                f"{exp.spec.replications} replications = {len(exp.tasks())} runs of "
                f"{exp.horizon} steps")
        if exp.spec.sensitivity is not None:
            from flowsim.studies.sensitivity import load_sensitivity

            sa = load_sensitivity(path)
            d, reps = sa.design, sa.spec.replications
            text += (f"; `flowsim sensitivity` runs {d.method} on {d.problem['num_vars']} "
                     f"parameters, {d.run_formula()} futures x {len(sa.options)} options x "
                     f"{reps} replication{'s' if reps > 1 else ''} = {len(sa.tasks())} runs "
                     f"of {sa.horizon} steps")
        return text
    if kind == "calibration":
        from flowsim.inputs.calibration import load_setup

        cal = load_setup(path)
        return (f"calibration '{cal.spec.name}' of '{cal.scenario.name}': "
                f"{len(cal.spec.parameters)} free parameters, {len(cal.rows)} data rows "
                f"({len(cal.holdout)} held out); `flowsim calibrate` runs "
                + _calibration_runs(cal))
    s = scenario_from_data(data, str(path))
    n_sp = sum(len(c.stockpiles) for c in s.countries)
    n_tr = sum(t.count for t in s.traffickers)
    return (f"'{s.name}', {len(s.countries)} countries, {len(s.borders)} borders, "
            f"{n_sp} stockpiles, {n_tr} traffickers, {s.simulation.steps} "
            f"{s.simulation.step_length} steps")


def _calibration_runs(cal) -> str:
    """What ``flowsim calibrate`` will simulate for a set-up, in words."""
    s = cal.spec
    horizon = getattr(cal, "horizon", None)
    steps = f" of {horizon} steps" if horizon else ""
    extra = [f"{n} {what}" for n, what in ((getattr(s, "noise_runs", 0), "noise runs"),
                                            (getattr(s, "predictive_runs", 0),
                                             "predictive runs")) if n]
    if s.method == "abc":
        a = s.abc
        total = (f", {a.max_total_simulations} in all" if a.max_total_simulations else "")
        main = (f"ABC-SMC: {a.particles} particles, the prior generation and up to "
                f"{a.generations} more, at most {a.max_simulations} simulations each{total}")
    else:
        p, d = s.point, len(s.parameters)
        main = (f"a point estimate: differential evolution, at most "
                f"{(p.maxiter + 1) * p.popsize * d} candidates x {p.replications} seeds")
    return main + (f", plus {' and '.join(extra)}" if extra else "") + f"{steps} (--method " \
        f"{'point' if s.method == 'abc' else 'abc'} runs the other method)"


def cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.scenarios:
        try:
            summary = _validate_one(path)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"ok: {path}: {summary}")
    return EXIT_INPUT if failed else 0


def cmd_run(args: argparse.Namespace) -> int:
    from flowsim.inputs.scenario import load_scenario
    from flowsim.outputs.run import run_scenario
    from flowsim.progress import progress_bar

    scenario = load_scenario(args.scenario)
    if args.steps is not None:
        scenario.simulation.steps = args.steps
    out = Path(args.out) if args.out else Path("out") / scenario.name
    earlier = _earlier_run(out)
    try:
        with progress_bar(scenario.simulation.steps, f"run {scenario.name}", "step") as bar:
            result = run_scenario(scenario, seed=args.seed, out=out, plots=not args.no_plots,
                                  progress=bar.update)
    except OSError as exc:          # e.g. a full disk: say which folder could not be written
        exc.filename = exc.filename or str(out)
        raise
    model, tables = result.model, result.tables
    print(f"\n{scenario.name}: {model.steps} {scenario.simulation.step_length} steps, "
          f"seed {model.seed}. Weapons (ammunition excluded):\n")
    print("By country")
    print(result.headline("country").to_string())
    print("\nBy diversion mechanism")
    print(result.headline("mechanism").to_string())
    tr = tables["tracing"]
    if len(tr) and tr["seized"].sum():
        share = tr["successes"].sum() / tr["seized"].sum()
        print(f"\nTraced share of seized weapons (SDG 16.4.2 idea): {share:.1%} "
              f"({tr['requests'].sum()} tracing requests, {tr['successes'].sum()} traced)")
    print(f"\nOutputs written to {out}/ (tables as CSV, plots as PNG; every column: "
          "docs/outputs.md)")
    if earlier:
        print(f"(replaced the earlier run in {out}/ ({earlier}): its tables and plots were "
              "overwritten or removed; use --out DIR to keep runs apart)")
    return 0


def _earlier_run(out: Path) -> str | None:
    """What an earlier ``flowsim run`` left in ``out`` (seed, steps), or None."""
    import json

    try:
        meta = json.loads((out / "run.json").read_text())
        return f"seed {meta['seed']}, {meta['steps']} steps"
    except (OSError, ValueError, KeyError, TypeError):
        return None


def cmd_new_scenario(args: argparse.Namespace) -> int:
    import os
    import tempfile

    from flowsim.inputs.realdata import parse_countries, scenario_skeleton
    from flowsim.inputs.scenario import scenario_from_text

    codes = parse_countries(args.countries)
    out = Path(args.out)
    name = args.name or out.stem
    text = scenario_skeleton(codes, name=name, holdings_path=args.holdings)
    scenario_from_text(text, str(out))          # the skeleton must be a valid scenario
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".new-scenario-", dir=out.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, out)                        # whole file or nothing
    print(f"wrote {out}: {len(codes)} countries ({', '.join(codes)}); civilian holdings "
          f"from the Small Arms Survey (2017); edit every PLACEHOLDER before use")
    return 0


def cmd_experiment(args: argparse.Namespace) -> int:
    from flowsim.inputs.experiment import QUICK
    from flowsim.studies.study import run_experiment

    reps, futures = args.replications, args.futures
    if args.quick:
        reps = QUICK["replications"] if reps is None else reps
        futures = QUICK["futures"] if futures is None else futures
    out = run_experiment(args.experiment, jobs=args.jobs, backend=args.backend,
                         address=args.address, out=args.out, report=False,
                         echo=log.info, replications=reps, futures=futures)
    if not args.no_report:
        return _print_report(out)
    return 0


def _print_report(results_dir: Path) -> int:
    from flowsim.studies.report import write_report

    shown, where = write_report(results_dir)
    print()
    print(shown.to_string(index=False))
    print(f"\nReport: {where}/report.html (tables, plots); summary.csv, *.png beside it")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    return _print_report(Path(args.results))


def cmd_calibrate(args: argparse.Namespace) -> int:
    from flowsim.calibration.fit import calibrate

    summary = calibrate(args.calibration, method=args.method, jobs=args.jobs,
                        backend=args.backend, address=args.address, out=args.out,
                        echo=log.info)
    print_calibration_summary(summary)
    return 0


def print_pattern_fit_summary(summary: dict) -> None:
    """A fit to seed patterns: the fitted values and which patterns hold there."""
    point = summary["method"] == "point"
    print("\nparameter                                 " + ("point estimate" if point else
                                                          "median        5%       95%"))
    for name, v in summary["parameters"].items():
        print(f"{name:<40} " + (f"{v['estimate']:>14.4g}" if point else
                                f"{v['median']:>10.4g} {v['p05']:>9.4g} {v['p95']:>9.4g}"))
    hold, miss = summary["patterns_hold"], summary["patterns_miss"]
    print(f"\ndistance to the patterns at the fitted values: {summary['distance_fit']:.3f}")
    (vk, vn), (fk, fn), (ck, cn) = (summary["validation"], summary["fitted_held"],
                                    summary["consistency"])
    print(f"at the fitted values: validation {vk} of {vn} held-out seed patterns hold; "
          f"fitted {fk} of {fn} hold; consistency {ck} of {cn} checks hold"
          + (f"; missing: {', '.join(miss)}" if miss else ""))
    if not hold and not miss:
        print("no applicable pattern could be judged")
    if summary["patterns_not_applicable"]:
        print(f"not applicable: {', '.join(summary['patterns_not_applicable'])}")
    files = "estimate.csv" if point else "posterior.csv"
    print(f"\nOutputs in {summary['out']}/: {files}, patterns.csv, fitted-scenario.yaml, "
          "diagnostics.csv, summary.json")


def print_calibration_summary(summary: dict) -> None:
    if "patterns_hold" in summary:
        print_pattern_fit_summary(summary)
        return
    out = summary["out"]
    if summary["method"] == "point":
        print("\nparameter                                 point estimate")
        for name, v in summary["parameters"].items():
            print(f"{name:<40} {v['estimate']:>14.4g}")
        reps = summary["distance_fit_replications"]
        print(f"\ndistance to data at the estimate: fit {summary['distance_fit']:.3f} (mean of "
              f"{len(reps['values'])} replications, range {reps['min']:.3f}-{reps['max']:.3f})"
              + (f", held out {summary['distance_holdout']:.3f}"
                 if summary["distance_holdout"] is not None else ""))
        files = "estimate.csv, fitted-scenario.yaml"
    else:
        print("\nparameter                                   median        5%       95%  "
              "width vs prior")
        for name, v in summary["parameters"].items():
            print(f"{name:<40} {v['median']:>10.4g} {v['p05']:>9.4g} {v['p95']:>9.4g}  "
                  f"{v['width_ratio']:>13.0%}")
        names = list(summary["correlation"])
        if len(names) > 1:
            print("\nposterior correlations (prior scale)")
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    print(f"  {a} ~ {b}: {summary['correlation'][a][b]:+.2f}")
        print(f"\ndistance to data (predictive runs): fit {summary['distance_fit']:.3f}"
              + (f", held out {summary['distance_holdout']:.3f}"
                 if summary["distance_holdout"] is not None else ""))
        files = "posterior.csv, posterior.png, fitted-scenario.yaml"
    print(f"observed seizures inside the simulated 90% band: fit "
          f"{summary['coverage_fit']:.0%}" + (f", held out {summary['coverage_holdout']:.0%}"
                                               if summary["coverage_holdout"] is not None
                                               else ""))
    for warning in summary["warnings"]:
        print(f"WARNING: {warning}")
    print(f"\nOutputs in {out}/: {files}, fit.csv, fit.png, diagnostics.csv, "
          "diagnostics.png, summary.json")


def cmd_synthesize(args: argparse.Namespace) -> int:
    from flowsim.calibration.synthesize import parse_truth, synthesize

    truth = parse_truth(args.truth)
    out, rows = synthesize(args.calibration, truth, seed=args.seed, out=args.out,
                           noise_sd=args.noise)
    print(f"wrote {out} ({rows} rows) and {out.with_suffix('.truth.json')}")
    return 0


def cmd_patterns(args: argparse.Namespace) -> int:
    from flowsim.inputs.scenario import load_scenario
    from flowsim.studies.patterns import (
        MISSES,
        check_patterns,
        counts_line,
        format_table,
        undeclared_gaps,
    )

    out = Path(args.out) if args.out else Path("out") / load_scenario(args.scenario).name
    table = check_patterns(args.scenario, args.patterns, replications=args.replications,
                           steps=args.steps, jobs=args.jobs, out=out)
    print(format_table(table))
    print(f"\n{counts_line(table)} ({args.replications} replications); {out}/patterns.csv")
    gaps = undeclared_gaps(table)
    if gaps:
        print(f"declared applicable but not applicable: {', '.join(gaps)}")
    missed = table[table["status"] == MISSES]
    inputs = missed.loc[missed["role"] == "consistency", "pattern"].tolist()
    if inputs:
        print(f"consistency checks that miss (an input does not give what its seed figure "
              f"implies on this basis): {', '.join(inputs)}")
    if args.record:
        from flowsim.studies.patterns import record_status

        print(f"{args.scenario}: calibration.status = "
              f"{record_status(args.scenario, table, args.replications)}")
    if not args.strict:
        return 0
    return 1 if (missed["role"] != "consistency").any() or gaps else 0


def cmd_schema(args: argparse.Namespace) -> int:

    if args.format == "calibration":
        from flowsim.calibration.fit import calibration_reference

        print(calibration_reference())
    elif args.format == "experiment":
        from flowsim.inputs.experiment import experiments_reference

        print(experiments_reference())
    elif args.format == "outputs":
        from flowsim.outputs.schema import outputs_reference

        print(outputs_reference())
    else:
        from flowsim.inputs.scenario import scenario_reference

        print(scenario_reference())
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from flowsim.studies.sensitivity import display, run_sensitivity

    out, table = run_sensitivity(args.experiment, method=args.method, samples=args.samples,
                                 second_order=args.second_order or None, jobs=args.jobs,
                                 backend=args.backend, address=args.address, out=args.out,
                                 report=not args.no_report,
                                 echo=log.info)
    method = "sobol" if "ST" in table else "morris"
    print("\nParameters ranked by " + ("total Sobol index ST" if method == "sobol" else "mu*")
          + " (± half-width of the 95% interval)\n")
    print(display(table, method))
    print(f"\nOutputs in {out}/sensitivity/ (indices.csv, sensitivity.png)"
          + ("" if args.no_report else f"; report: {out}/report/report.html"))
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    from flowsim.studies.discovery import discover

    result = discover(args.results, option=args.option, outcome=args.outcome, when=args.when,
                      boxes=args.boxes)
    print(result.text())
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from flowsim.studies.ema_export import export_ema

    existed = Path(args.output).is_file()
    path, n = export_ema(args.results, args.output)
    print(f"wrote {n} experiments to {path} (EMA Workbench format: "
          "ema_workbench.load_results)" + (f"; replaced the earlier {path}" if existed else ""))
    return 0


#: Solara loads the workshop page by module name; the command line does not import the app
#: (``flowsim.cli`` and ``flowsim.app`` are independent top layers).
APP_MODULE = "flowsim.app.page"


def cmd_app(args: argparse.Namespace) -> int:
    """Serve the workshop app until Ctrl-C; the scenario is checked first (exit 2)."""
    import os

    from flowsim.inputs.scenario import load_scenario

    if args.scenario:
        load_scenario(args.scenario)
        os.environ["FLOWSIM_APP_SCENARIO"] = os.path.abspath(args.scenario)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: binding to {args.host} makes the app reachable by anyone on this "
              "network; every participant gets their own model, but there is no login. Use "
              "it on a classroom network you trust and stop it (Ctrl-C) afterwards.",
              file=sys.stderr)
    _check_port_free(args.host, args.port)
    # no "This website runs on Solara" badge over the levers (solara.server.settings)
    os.environ.update(SOLARA_APP=APP_MODULE, SERVER_NAME=args.host,
                      SERVER_PORT=str(args.port), SOLARA_THEME_SHOW_BANNER="False")
    import warnings

    import uvicorn

    # Solara warns on every page load over plain http at an address other than "localhost"
    # (e.g. 127.0.0.1, a classroom IP) that it cannot set a SameSite=None cookie and falls
    # back to SameSite=Lax. Lax is right for the workshop app, which is opened directly,
    # not embedded in another site's iframe: the warning is noise for participants.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https",
                            category=UserWarning)
    shown = "localhost" if args.host in ("127.0.0.1", "::1") else args.host
    print(f"flowsim workshop app: http://{shown}:{args.port}/  (Ctrl-C to stop)", flush=True)
    uvicorn.run("solara.server.starlette:app", host=args.host, port=args.port,
                log_level="warning")
    return 0


def _check_port_free(host: str, port: int) -> None:
    """Refuse a port another program listens on, before the app prints its address."""
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        why = ("the port is in use (another program, or another flowsim app, listens there)"
               if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc))
        other = port + 1 if port < 65535 else port - 1
        raise InputError(f"--port {port}", "", f"cannot serve the app on {host}:{port}: "
                         f"{why}; stop that program or choose another port with --port N "
                         f"(e.g. --port {other})") from None


def _check_numbers(args: argparse.Namespace) -> str | None:
    """Range checks argparse does not do; a message for the first bad option, else None."""
    from flowsim.inputs.scenario import Simulation
    from flowsim.inputs.schema import check_field

    steps, seed, jobs = (getattr(args, k, None) for k in ("steps", "seed", "jobs"))
    if getattr(args, "samples", None) is not None and args.samples < 2:
        return f"--samples: expected a whole number of at least 2, got {args.samples}"
    for option, value in (("steps", steps), ("seed", seed)):
        if value is not None:       # the same range as the scenario's simulation block
            try:
                check_field(Simulation, option, value, f"--{option}", "")
            except InputError as exc:
                return exc.message and f"--{option}: {exc.message}"
    port = getattr(args, "port", None)
    if port is not None and not 1 <= port <= 65535:
        return f"--port: expected a port number from 1 to 65535, got {port}"
    if jobs is not None and (jobs == 0 or jobs < -1):
        return f"--jobs: expected a number of workers of at least 1 (or -1 for all cores), " \
               f"got {jobs}"
    return None


def add_jobs(parser: argparse.ArgumentParser) -> None:
    """The ``--jobs`` option of every command that runs simulations in parallel; ``main``
    caps it at the available cores (:func:`flowsim.studies.runner.worker_count`)."""
    parser.add_argument("--jobs", type=int, default=1, help="local worker processes "
                        "(default 1; -1 = all cores; at most the cores available)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flowsim", description="Agent-based simulation of illicit "
                                "small-arms and light-weapons flows.")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check scenario, experiment and calibration files "
                       "and report problems")
    v.add_argument("scenarios", nargs="+", metavar="FILE")
    v.set_defaults(func=cmd_validate)

    r = sub.add_parser("run", help="run one scenario and write tables and plots")
    r.add_argument("scenario", metavar="SCENARIO")
    r.add_argument("--seed", type=int, default=None, help="random seed (default: the "
                   "scenario's simulation.seed)")
    r.add_argument("--steps", type=int, default=None, help="number of steps (default: the "
                   "scenario's simulation.steps)")
    r.add_argument("--out", default=None, help="output folder (default: out/<scenario name>)")
    r.add_argument("--no-plots", action="store_true", help="write tables only")
    r.set_defaults(func=cmd_run)

    ns = sub.add_parser("new-scenario", help="write a scenario skeleton for real countries "
                        "(ISO3 codes; civilian holdings from the Small Arms Survey)")
    ns.add_argument("--countries", required=True, metavar="ISO3,ISO3,...",
                    help="ISO 3166-1 alpha-3 codes, e.g. USA,MEX,GTM; borders chain them "
                    "in this order (placeholders to edit)")
    ns.add_argument("--out", required=True, metavar="FILE", help="scenario YAML to write")
    ns.add_argument("--name", default=None, help="scenario name (default: the file's stem)")
    ns.add_argument("--holdings", default=None, metavar="CSV", help="civilian holdings table "
                    "(default calibration/data/civilian-firearms-2017.csv)")
    ns.set_defaults(func=cmd_new_scenario)

    s = sub.add_parser("schema", help="print a format reference (Markdown)")
    s.add_argument("format", nargs="?",
                   choices=("scenario", "experiment", "calibration", "outputs"),
                   default="scenario")
    s.set_defaults(func=cmd_schema)

    e = sub.add_parser("experiment", help="run a policy experiment (options x futures x "
                       "replications) in parallel, then report")
    e.add_argument("experiment", metavar="EXPERIMENT")
    add_jobs(e)
    e.add_argument("--out", default=None, help="results folder (default results/<name>); "
                   "re-running resumes where it stopped")
    e.add_argument("--backend", choices=("joblib", "dask"), default="joblib")
    e.add_argument("--address", default=None, help="Dask scheduler HOST:PORT (--backend dask)")
    e.add_argument("--no-report", action="store_true", help="store runs only")
    e.add_argument("--quick", action="store_true", help="a first look: 1 replication and 3 "
                   "sampled futures (the report says it is a quick look; default folder "
                   "results/<name>-quick)")
    e.add_argument("--replications", type=int, default=None, help="override the file's "
                   "replications (a quick look)")
    e.add_argument("--futures", type=int, default=None, help="override the file's number "
                   "of sampled futures (a quick look)")
    e.set_defaults(func=cmd_experiment)

    c = sub.add_parser("calibrate", help="fit scenario parameters to seizure data (ABC-SMC "
                       "or a fast point estimate)")
    c.add_argument("calibration", metavar="CALIBRATION")
    add_jobs(c)
    c.add_argument("--out", default=None, help="output folder (default "
                   "calibration-results/<name>-<method>); re-running resumes")
    c.add_argument("--method", choices=("abc", "point"), default=None,
                   help="override the set-up's method")
    c.add_argument("--backend", choices=("joblib", "dask"), default="joblib")
    c.add_argument("--address", default=None, help="Dask scheduler HOST:PORT")
    c.set_defaults(func=cmd_calibrate)

    pt = sub.add_parser("patterns", help="compare a scenario with the seed documents' "
                        "figures (calibration/seed-patterns.yaml) over replications")
    pt.add_argument("scenario", metavar="SCENARIO")
    pt.add_argument("--patterns", default=None, metavar="FILE", help="patterns file "
                    "(default calibration/seed-patterns.yaml)")
    pt.add_argument("--replications", type=int, default=10, help="runs (default 10)")
    pt.add_argument("--steps", type=int, default=None, help="steps per run (default: the "
                    "scenario's)")
    add_jobs(pt)
    pt.add_argument("--strict", action="store_true", help="exit 1 if an applicable "
                    "validate or fit pattern misses, or a pattern the scenario declares "
                    "applicable (names in applies_to) turns out not applicable (consistency "
                    "misses are printed)")
    pt.add_argument("--record", action="store_true", help="write the validation count "
                    "into the scenario file's calibration.status key, which experiment reports "
                    "quote")
    pt.add_argument("--out", default=None, help="folder for patterns.csv (default "
                    "out/<scenario name>)")
    pt.set_defaults(func=cmd_patterns)

    sy = sub.add_parser("synthesize", help="write seizure data shaped like a calibration's "
                        "data, simulated from known true values (to check recovery)")
    sy.add_argument("calibration", metavar="CALIBRATION")
    sy.add_argument("--truth", action="append", default=[], metavar="NAME=VALUE",
                    help="true value of a free parameter (by name or path), repeatable")
    sy.add_argument("--seed", type=int, default=1, help="simulation and noise seed")
    sy.add_argument("--noise", type=float, default=0.15, help="sd of the multiplicative "
                    "log-normal reporting noise on counts (default 0.15; 0 = none)")
    sy.add_argument("--out", required=True, help="CSV to write (FILE.truth.json beside it)")
    sy.set_defaults(func=cmd_synthesize)

    rp = sub.add_parser("report", help="compare options from an experiment's results folder")
    rp.add_argument("results", metavar="RESULTS_DIR")
    rp.set_defaults(func=cmd_report)

    sa = sub.add_parser("sensitivity", help="global sensitivity analysis (SALib Sobol or "
                        "Morris) of an experiment's uncertain parameters, per option")
    sa.add_argument("experiment", metavar="EXPERIMENT")
    sa.add_argument("--method", choices=("sobol", "morris"), default=None,
                    help="default: the sensitivity block's, else sobol")
    sa.add_argument("--samples", type=int, default=None, help="N: base samples (Sobol, a "
                    "power of 2) or Morris trajectories")
    sa.add_argument("--second-order", action="store_true", help="also second-order Sobol "
                    "indices (N·(2D+2) futures instead of N·(D+2))")
    add_jobs(sa)
    sa.add_argument("--out", default=None, help="results folder (default "
                    "results/<name>-sensitivity); re-running resumes")
    sa.add_argument("--backend", choices=("joblib", "dask"), default="joblib")
    sa.add_argument("--address", default=None, help="Dask scheduler HOST:PORT")
    sa.add_argument("--no-report", action="store_true", help="indices, chart and report "
                    "section only; do not rewrite the experiment report")
    sa.set_defaults(func=cmd_sensitivity)

    dc = sub.add_parser("discover", help="scenario discovery (PRIM) and feature scoring on "
                        "an experiment's sampled futures")
    dc.add_argument("results", metavar="RESULTS_DIR")
    dc.add_argument("--option", required=True, help="option whose futures are examined")
    dc.add_argument("--outcome", default="delivered", help="outcome (default delivered)")
    dc.add_argument("--when", default="fails", help="'fails' (does not beat the baseline in "
                    "that future), 'below X' or 'above X'")
    dc.add_argument("--boxes", type=int, default=2, help="most PRIM boxes to find (default 2)")
    dc.set_defaults(func=cmd_discover)

    ex = sub.add_parser("export", help="export an experiment's results for EMA Workbench")
    ex.add_argument("results", metavar="RESULTS_DIR")
    ex.add_argument("--format", choices=("ema",), default="ema")
    ex.add_argument("output", metavar="OUT.tar.gz")
    ex.set_defaults(func=cmd_export)
    a = sub.add_parser("app", help="start the workshop app in the browser (Solara)")
    a.add_argument("scenario", metavar="SCENARIO", nargs="?", default=None,
                   help="scenario to start with (default: scenarios/teaching.yaml)")
    a.add_argument("--host", default="127.0.0.1", help="address to bind (default "
                   "127.0.0.1, this machine only; 0.0.0.0 for a classroom network)")
    a.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    a.set_defaults(func=cmd_app)
    for parser in (p, *sub.choices.values()):     # before or after the command
        parser.add_argument("-v", "--verbose", action="count",
                            default=0 if parser is p else argparse.SUPPRESS,
                            help="more detail in progress messages")
        parser.add_argument("-q", "--quiet", action="count",
                            default=0 if parser is p else argparse.SUPPRESS,
                            help="no progress messages, only warnings and results")
    return p


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")        # the one place a backend is chosen: files, no windows
    args = build_parser().parse_args(argv)
    log.configure(getattr(args, "verbose", 0) - getattr(args, "quiet", 0))
    problem = _check_numbers(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_INPUT
    if getattr(args, "jobs", None) is not None and getattr(args, "backend", "") != "dask":
        from flowsim.studies.runner import worker_count

        args.jobs, note = worker_count(args.jobs)
        if note:
            print(f"note: {note}", file=sys.stderr)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:           # e.g. an output folder that cannot be written
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"error: cannot read or write{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print(f"\ninterrupted: {INTERRUPTED.get(args.command, INTERRUPTED_STUDY)}",
              file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
