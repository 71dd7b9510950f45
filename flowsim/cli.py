"""The ``flowsim`` command line.

Bad input prints one paragraph naming the file, the key path and what was expected, and
exits with code 2 — never a traceback. An interrupted command exits with code 130 and
leaves no half-written outputs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flowsim.errors import InputError

EXIT_INPUT = 2
EXIT_INTERRUPTED = 130


def cmd_validate(args: argparse.Namespace) -> int:
    from flowsim.inputs.scenario import load_scenario

    failed = 0
    for path in args.scenarios:
        try:
            s = load_scenario(path)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        n_sp = sum(len(c.stockpiles) for c in s.countries)
        n_tr = sum(t.count for t in s.traffickers)
        print(f"ok: {path}: '{s.name}', {len(s.countries)} countries, {len(s.borders)} borders, "
              f"{n_sp} stockpiles, {n_tr} traffickers, {s.simulation.steps} "
              f"{s.simulation.step_length} steps")
    return EXIT_INPUT if failed else 0


def cmd_run(args: argparse.Namespace) -> int:
    from flowsim.inputs.scenario import load_scenario
    from flowsim.outputs.run import run_scenario
    from flowsim.progress import progress_bar

    scenario = load_scenario(args.scenario)
    if args.steps is not None:
        scenario.simulation.steps = args.steps
    out = Path(args.out) if args.out else Path("out") / scenario.name
    with progress_bar(scenario.simulation.steps, f"run {scenario.name}", "step") as bar:
        result = run_scenario(scenario, seed=args.seed, out=out, plots=not args.no_plots,
                              progress=bar.update)
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
    print(f"\nOutputs written to {out}/ (tables as CSV, plots as PNG; schema: README.md)")
    return 0


def cmd_experiment(args: argparse.Namespace) -> int:
    from flowsim.studies.study import run_experiment

    out = run_experiment(args.experiment, jobs=args.jobs, backend=args.backend,
                         address=args.address, out=args.out, report=False,
                         echo=lambda text: print(text, flush=True))
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
                        echo=lambda text: print(text, flush=True))
    print_calibration_summary(summary)
    return 0


def print_calibration_summary(summary: dict) -> None:
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


def cmd_schema(args: argparse.Namespace) -> int:
    from flowsim.inputs.scenario import Scenario
    from flowsim.inputs.schema import reference

    if args.format == "calibration":
        from flowsim.calibration.fit import calibration_reference

        print(calibration_reference())
    elif args.format == "experiment":
        from flowsim.studies.experiment import experiments_reference

        print(experiments_reference())
    else:
        print(reference(Scenario, "scenario (top level)"))
    return 0


def _check_numbers(args: argparse.Namespace) -> str | None:
    """Range checks argparse does not do; a message for the first bad option, else None."""
    steps, seed, jobs = (getattr(args, k, None) for k in ("steps", "seed", "jobs"))
    if steps is not None and steps < 1:
        return f"--steps: expected a whole number of at least 1, got {steps}"
    if seed is not None and seed < 0:
        return f"--seed: expected a non-negative whole number, got {seed}"
    if jobs is not None and (jobs == 0 or jobs < -1):
        return f"--jobs: expected a number of workers of at least 1 (or -1 for all cores), " \
               f"got {jobs}"
    return None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flowsim", description="Agent-based simulation of illicit "
                                "small-arms and light-weapons flows.")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check scenario files and report problems")
    v.add_argument("scenarios", nargs="+", metavar="SCENARIO")
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

    s = sub.add_parser("schema", help="print a format reference (Markdown)")
    s.add_argument("format", nargs="?", choices=("scenario", "experiment", "calibration"),
                   default="scenario")
    s.set_defaults(func=cmd_schema)

    e = sub.add_parser("experiment", help="run a policy experiment (options x futures x "
                       "replications) in parallel, then report")
    e.add_argument("experiment", metavar="EXPERIMENT")
    e.add_argument("--jobs", type=int, default=1, help="local worker processes (default 1; "
                   "-1 = all cores)")
    e.add_argument("--out", default=None, help="results folder (default results/<name>); "
                   "re-running resumes where it stopped")
    e.add_argument("--backend", choices=("joblib", "dask"), default="joblib")
    e.add_argument("--address", default=None, help="Dask scheduler HOST:PORT (--backend dask)")
    e.add_argument("--no-report", action="store_true", help="store runs only")
    e.set_defaults(func=cmd_experiment)

    c = sub.add_parser("calibrate", help="fit scenario parameters to seizure data (ABC-SMC "
                       "or a fast point estimate)")
    c.add_argument("calibration", metavar="CALIBRATION")
    c.add_argument("--jobs", type=int, default=1, help="local worker processes")
    c.add_argument("--out", default=None, help="output folder (default "
                   "calibration-results/<name>); re-running resumes")
    c.add_argument("--method", choices=("abc", "point"), default=None,
                   help="override the set-up's method")
    c.add_argument("--backend", choices=("joblib", "dask"), default="joblib")
    c.add_argument("--address", default=None, help="Dask scheduler HOST:PORT")
    c.set_defaults(func=cmd_calibrate)

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
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    problem = _check_numbers(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_INPUT
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
        print("\ninterrupted: finished work is kept and no partial output was written; "
              "run the same command again to resume", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
