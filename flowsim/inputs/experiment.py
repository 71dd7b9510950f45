"""The experiment format: policy options against a baseline, over sampled futures.

An experiment YAML names a scenario, a baseline (interventions in force in every option),
named policy options (single interventions or packages), replications, a horizon, the
outcomes of interest, and optional uncertain parameters with ranges. Uncertain parameters
are sampled by Latin hypercube (``scipy.stats.qmc``); every option is evaluated in the same
sampled futures with the same seeds (common random numbers), so differences between options
are differences the options make. The reference is ``docs/experiments.md``; the runs are
made by :mod:`flowsim.studies.experiment`. Reading and checking an experiment imports
nothing from the model. Intervention costs and gender-responsive shares: 000 ¶45, ¶113;
002 ¶26-27, ¶70.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import qmc

from flowsim.errors import InputError
from flowsim.inputs.editing import (
    COSTS_KEY,
    NOT_CALIBRATED,
    STATUS_KEY,
    calibration_status,
    check_path_range,
    header_line,
    load_scenario_beside,
)
from flowsim.inputs.interventions import TYPES, Intervention, parse_interventions
from flowsim.inputs.scenario import Scenario
from flowsim.inputs.schema import (
    MAX_STEPS,
    build,
    check_kind,
    load_yaml,
    param,
    reference,
    to_plain,
)
from flowsim.io import fingerprint
from flowsim.seeds import derive_seed

#: Outcome names available to experiments (``outcomes:`` in an experiment YAML); one run's
#: values are computed by :func:`flowsim.outputs.metrics.run_totals`.
OUTCOMES = ("diverted", "trafficked", "seized", "seized_border", "seized_inland", "delivered",
            "destroyed", "traced_share", "tracing_requests", "end_user_stock", "rounds_delivered")
BASELINE = "baseline"


@dataclass(kw_only=True)
class Option:
    """A named policy option: one intervention or a package."""

    name: str = param(doc="Name shown in reports.")
    interventions: list[dict[str, Any]] = param(factory=list, doc="Interventions (see "
                                                "docs/experiments.md).")


@dataclass(kw_only=True)
class UncertainParameter:
    """A scenario value that is uncertain, with the range it is sampled from."""

    path: str = param(doc="Dotted path into the scenario, lists selected by id, e.g. "
                      "'mechanisms.theft' or 'countries.KAR.stockpiles.kar-army.security'.")
    range: list[float] = param(doc="[low, high].")


@dataclass(kw_only=True)
class Uncertainty:
    """Uncertain parameters, sampled by Latin hypercube."""

    samples: int = param(8, "Number of sampled futures.", lo=1, hi=100_000)
    parameters: list[UncertainParameter] = param(factory=list, doc="What is uncertain.")


@dataclass(kw_only=True)
class ExperimentSpec:
    """A flowsim experiment."""

    name: str = param(doc="Short name; results go to results/<name>/ by default.")
    description: str = param("", "What is compared.")
    scenario: str = param(doc="Scenario file, relative to the experiment file.")
    horizon: int | None = param(None, "Steps per run (default: the scenario's).", lo=1,
                                hi=MAX_STEPS)
    replications: int = param(5, "Runs per option and sampled future.", lo=1, hi=10_000)
    seed: int = param(1, "Master seed for sampling and run seeds.", lo=0)
    outcomes: list[str] = param(factory=lambda: ["delivered", "diverted", "seized",
                                                 "traced_share"],
                                doc="Outcomes to report.", choices=OUTCOMES)
    baseline: list[dict[str, Any]] = param(factory=list, doc="Interventions in force in "
                                           "every option, the baseline included.")
    options: list[Option] = param(doc="Policy options compared with the baseline.")
    uncertain: Uncertainty | None = param(None, "Uncertain parameters (optional).")
    sensitivity: dict[str, Any] | None = param(None, "Global sensitivity analysis set-up, "
                                               "read by `flowsim sensitivity` (optional; "
                                               "see docs/exploratory.md).")


@dataclass
class Experiment:
    """A loaded, checked experiment, ready to run."""

    spec: ExperimentSpec
    file: str
    scenario_data: dict
    scenario: Scenario
    baseline: list[Intervention]
    options: dict[str, list[Intervention]]      # baseline first
    samples: list[dict[str, float]]             # one dict of path -> value per future
    quick: bool = False                         # replications/futures cut for a first look

    @property
    def horizon(self) -> int:
        return self.spec.horizon or self.scenario.simulation.steps

    def costs(self) -> dict[str, float]:
        """USD spent on each option's own interventions within the horizon."""
        spy = self.scenario.simulation.steps_per_year
        return {name: sum(iv.total_cost(self.horizon, spy) for iv in self.own(name))
                for name in self.options}

    def own(self, option: str) -> list[Intervention]:
        """The option's own interventions (the baseline's left out)."""
        return self.options[option][len(self.baseline):]

    def gender_shares(self) -> dict[str, float]:
        """Share of each option's cost within the horizon that is gender-responsive."""
        spy = self.scenario.simulation.steps_per_year
        out = {}
        for name in self.options:
            costs = [(iv.total_cost(self.horizon, spy), iv.cost.gender_responsive_share)
                     for iv in self.own(name)]
            total = sum(c for c, _ in costs)
            out[name] = sum(c * g for c, g in costs) / total if total else 0.0
        return out

    def crossings(self) -> dict[str, dict]:
        """Crossing id -> its border and the two countries it joins."""
        return {x.id: {"border": b.id, "between": list(b.between), "official": x.official}
                for b in self.scenario.borders for x in b.crossings}

    def targeted_crossings(self) -> dict[str, list[str]]:
        """Crossings each option's own crossing-level interventions (border inspection,
        anti-corruption) act on; options without any are left out."""
        out = {}
        for name in self.options:
            hit: set[str] = set()
            for iv in self.own(name):
                if not any(lv.level == "crossing" for lv in TYPES[iv.type].levers):
                    continue
                t = iv.targets
                for b in self.scenario.borders:
                    if (b.id in t.borders or set(t.countries) & set(b.between)):
                        hit.update(x.id for x in b.crossings)
                    hit.update(x.id for x in b.crossings if x.id in t.crossings)
            if hit:
                out[name] = sorted(hit)
        return out

    def assumptions(self) -> dict:
        """What the report states about the experiment's assumptions."""
        return {
            "interventions": {name: [to_plain(iv) for iv in self.own(name)]
                              for name in self.options},
            "baseline_interventions": [to_plain(iv) for iv in self.baseline],
            "gender_share": self.gender_shares(),
            "uncertain": [to_plain(p) for p in (self.spec.uncertain.parameters
                                                if self.spec.uncertain else [])],
            "scenario_file": str(Path(self.file).parent / self.spec.scenario),
            "scenario_name": self.scenario.name,
            "calibration": calibration_status(Path(self.file).parent / self.spec.scenario),
            "status": header_line(Path(self.file).parent / self.spec.scenario, STATUS_KEY),
            "costs_status": header_line(self.file, COSTS_KEY),
            "country_names": {c.id: c.name for c in self.scenario.countries if c.name},
            "harm": to_plain(self.scenario.harm),
        }

    def tasks(self) -> list[tuple[str, int, int]]:
        return [(option, sample, rep) for sample in range(len(self.samples))
                for rep in range(self.spec.replications) for option in self.options]

    def run_seed(self, sample: int, replication: int) -> int:
        """The same seed for every option in a (future, replication): common random numbers."""
        return derive_seed(self.spec.seed, sample, replication)

    def fingerprint(self) -> str:
        """Identity of what is computed, to refuse resuming into a different experiment."""
        return fingerprint({"spec": to_plain(self.spec), "scenario": self.scenario_data})


#: ``flowsim experiment --quick``: replications and sampled futures of a first look
QUICK = {"replications": 1, "futures": 3}


def load_experiment(path: str | Path, *, replications: int | None = None,
                    futures: int | None = None) -> Experiment:
    """Read and check an experiment file and its scenario; raises InputError.

    ``replications`` and ``futures`` (sampled futures) override the file's numbers for a
    quicker look (``flowsim experiment --quick`` or ``--replications/--futures``)."""
    path = Path(path)
    file = str(path)
    data = load_yaml(path)
    check_kind(data, "experiment", file)
    spec = build(ExperimentSpec, data, file)
    for name, value in (("replications", replications), ("futures", futures)):
        if value is not None and value < 1:
            raise InputError(file, name, f"--{name} expected a whole number of at least 1, "
                             f"got {value}")
    if replications is not None:
        spec.replications = replications
    if futures is not None and spec.uncertain is not None:
        spec.uncertain.samples = futures
    scenario_data, scenario = load_scenario_beside(path, spec.scenario)
    baseline = parse_interventions(spec.baseline, scenario, file, "baseline")
    if not spec.options:
        raise InputError(file, "options", "expected at least one policy option")
    options = {BASELINE: baseline}
    for i, opt in enumerate(spec.options):
        if opt.name in options:
            raise InputError(file, f"options[{i}].name", f"duplicate option name '{opt.name}'"
                             + (" ('baseline' is reserved)" if opt.name == BASELINE else ""))
        options[opt.name] = baseline + parse_interventions(
            opt.interventions, scenario, file, f"options[{i}].interventions")
    samples = _sample(spec, scenario_data, file)
    return Experiment(spec, file, scenario_data, scenario, baseline, options, samples,
                      quick=replications is not None or futures is not None)


def _sample(spec: ExperimentSpec, scenario_data: dict, file: str) -> list[dict[str, float]]:
    unc = spec.uncertain
    if unc is None or not unc.parameters:
        return [{}]
    for i, p in enumerate(unc.parameters):
        where = f"uncertain.parameters[{i}]"
        if len(p.range) != 2 or p.range[0] > p.range[1]:
            raise InputError(file, f"{where}.range", f"expected [low, high] with low <= high, "
                             f"got {p.range}")
        check_path_range(scenario_data, p.path, p.range, file, f"{where}.path")
    unit = qmc.LatinHypercube(d=len(unc.parameters), seed=spec.seed).random(unc.samples)
    lows = np.array([p.range[0] for p in unc.parameters])
    highs = np.array([p.range[1] for p in unc.parameters])
    values = lows + unit * (highs - lows)         # a zero-width range stays fixed
    return [{p.path: float(v) for p, v in zip(unc.parameters, row, strict=True)}
            for row in values]


def experiments_reference() -> str:
    """Markdown reference of the experiment format and the intervention types."""
    from flowsim.inputs.interventions import channel_reference, type_reference

    return "\n".join([
        "# Experiments reference", "",
        "An experiment compares named policy options with a baseline on one scenario, over "
        "sampled futures (uncertain parameters, Latin hypercube) and replications, with common "
        "random numbers. Run it with `flowsim experiment EXPERIMENT [--jobs N] [--out DIR]`, "
        "or on a Dask cluster with `--backend dask --address HOST:PORT` (install the extra: "
        "`pip install 'flowsim[dask]'`). Each finished run is appended to `DIR/runs.jsonl` "
        "as it completes; running the same command again resumes where it stopped. "
        "`flowsim report DIR` writes the comparison (`DIR/report/report.html`, "
        "`summary.csv`, PNG plots).", "",
        "Interventions can also be listed under `interventions:` in a scenario, where they "
        "apply to every run.", "",
        "## What each run records", "",
        "Each line of `runs.jsonl` holds one run's national totals (the outcomes below), "
        "monthly series, route-level outcomes and harm:", "",
        "- `routes`: weapons passed and seized, as `[passed, seized]`, per crossing "
        "(`crossings`), per border (`borders`), per directed country pair (`pairs`, "
        "`FROM>TO`) and per crossing and direction (`directed`, `CROSSING:FROM>TO`), so any "
        "experiment can answer where the traffic went;",
        "- `harm`: weapon-years in use by each kind of end user (armed groups, criminal "
        "markets, civilian holdings; held weapons with ammunition when the scenario sets "
        "rounds per weapon-year) and the expected firearm deaths and injuries they cause, "
        "by kind and by victims' group (women, men, girls, boys) with each kind's setting's "
        "shares (private sphere, conflict, crime), plus the indicative non-lethal harms "
        "(`intimidation`, `sexual_violence`; 0 unless set), from the scenario's `harm` "
        "block (docs/scenario-reference.md). The rates are assumptions to set from national "
        "data (000 ¶31, ¶113; 002 ¶26-27, ¶70).", "",
        "## The report", "",
        "`report/report.html` (one page that prints to PDF) states every interval at one "
        "level, 95%: percentiles over sampled futures and replications, and a Wilson interval "
        "for P(beats baseline), the share of paired runs (same future, same seed) in which "
        "an option delivers fewer weapons to end users than the baseline (ties do not count), "
        "shown with the number of paired runs. One certainty rule holds for every option: it "
        "is told apart from the baseline only when the 95% interval of its weapons kept from "
        "end users excludes zero, and options are ranked (by weapons kept per USD 1 million) "
        "only among those that keep weapons by this rule and only with at least 30 paired "
        "runs each. The page opens with a bottom line in plain words made from the numbers by "
        "that rule, and a banner with the scenario's status (a `# status: ...` line in the "
        "scenario file's header: fictional/illustrative, or fitted to named data), its "
        "calibration, where the costs come from (a `# costs: ...` line in the experiment "
        "file's header) and the harm assumptions. `flowsim experiment EXPERIMENT --quick` "
        "makes a first look with 1 replication and 3 sampled futures (or set "
        "`--replications N` and `--futures N`); its results go to `results/<name>-quick` and "
        "the report says it is a quick look. Sections: the bottom line; the comparison; "
        "assumptions (what each option funds: types, targets, strength, start, funded "
        "duration, ramp-up, half-life, one-off and yearly cost, gender-responsive share; "
        "the sampled uncertainties and their ranges; the scenario's calibration status; the "
        "harm rates; the flowsim version and dates); outcome distributions; cost-"
        "effectiveness (no chart when every option costs the same); the effect over time; "
        "traffic moved to other crossings, for every option acting on "
        "crossings or borders (weapons no longer crossing at the targeted crossings, the "
        "share reappearing as extra weapons leaving the same origin countries by other "
        "crossings, where they went, and a network chart of the change per crossing); and "
        "harm averted, in total, per USD 1 million, to women and girls (also per USD 1 "
        "million), by victims' sex and age group and by kind of end user, and the indicative "
        "non-lethal harms when the scenario sets their rates; and, apart, the declared "
        "gender-responsive funding.", "",
        "**Calibration status.** The report reads it from the scenario's `calibration:` "
        "key (`status`: one sentence, `setup`: the set-up that fitted it; `flowsim "
        "calibrate` writes both into the fitted scenario), e.g. `calibration: {status: "
        "fitted to 2015-2019 seizures reported to the IAFQ, setup: calibration/x.yaml}`. "
        "Older scenario files carry it in a comment line of their header, before the first "
        "key (`# calibration: fitted to ...`), which is still read. Without either the "
        f"report says \"{NOT_CALIBRATED}\".", "",
        "**Gender-responsive funding.** An intervention's `cost.gender_responsive_share` "
        "(0 to 1) declares the share of its cost spent on gender-responsive activities; the "
        "report shows each option's cost-weighted share in a section of its own, away from "
        "the harm tables (000 ¶45, ¶113; 002 ¶26-27, ¶70). It is a declaration only: it has "
        "no modelled effect on any outcome.",
        "",
        "## Intervention types", "",
        "Each type moves these model parameters, recomputed from their baseline every step: "
        "`raise` closes a share of the gap to 1, `lower` scales down, `add` adds. The share is "
        "effect x strength, where the effect ramps up, holds while funded and halves every "
        "`half_life` steps after funding ends.", "",
        type_reference(), "",
        "### Channels", "",
        "How each type changes flows in the model, which parameters decide how much, and "
        "the seed paragraphs behind it (issue #21: an option is only as good as the "
        "mechanisms through which it acts; docs/odd.md gives the formulas).", "",
        channel_reference(), "",
        reference(Intervention, "intervention"),
        reference(ExperimentSpec, "experiment (top level)"),
    ])
