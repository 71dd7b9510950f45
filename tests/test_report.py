"""The donor report: route-level outcomes and displacement, honest P(beats baseline),
assumptions on the page, harm by victims' sex and age, and a page that renders and prints
in a real browser (headless Chromium through Playwright)."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from flowsim import __version__
from flowsim.errors import InputError
from flowsim.inputs.editing import NOT_CALIBRATED, calibration_status
from flowsim.inputs.harm import GROUPS, KINDS
from flowsim.inputs.scenario import load_scenario, scenario_from_data
from flowsim.model.flow_model import FlowModel
from flowsim.model.harm import run_with_harm
from flowsim.model.lots import AMMUNITION
from flowsim.outputs.metrics import route_totals, run_totals
from flowsim.outputs.tables import borders_table
from flowsim.studies import report as rp
from flowsim.studies.experiment import read_runs
from flowsim.studies.study import run_experiment
from tests.conftest import SCENARIOS

# The three-country case: SRC borders TRN and DST, TRN borders DST. Hardening the
# direct SRC-DST crossing pushes traffic onto the detour through TRN.
THREE = {
    "name": "three-countries",
    "simulation": {"steps": 24, "seed": 1},
    "countries": [
        {"id": "SRC", "stockpiles": [{"id": "src-army", "owner": "military", "security": 0.3,
                                      "holdings": {"rifles": 60000, "handguns": 20000},
                                      "marking": 0.8, "record_keeping": 0.5}]},
        {"id": "TRN"},
        {"id": "DST", "markets": [
            {"id": "dst-gangs", "kind": "criminal_market",
             "demand": {"rifles": 3000, "handguns": 2000}},
            {"id": "dst-homes", "kind": "civilian", "demand": {"handguns": 300}}]}],
    "borders": [
        {"id": "src-dst", "between": ["SRC", "DST"], "crossings": [
            {"id": "direct-post", "inspection_rate": 0.1, "travel_cost": 20}]},
        {"id": "src-trn", "between": ["SRC", "TRN"], "crossings": [
            {"id": "trn-west", "official": False, "inspection_rate": 0.05, "travel_cost": 35}]},
        {"id": "trn-dst", "between": ["TRN", "DST"], "crossings": [
            {"id": "trn-east", "official": False, "inspection_rate": 0.05, "travel_cost": 35}]}],
    "traffickers": [{"id": "ants", "count": 20, "base": "SRC", "mode": "ant"}],
}
HEADER = "# calibration: fitted to nothing, a test header\n"
EXPERIMENT = {
    "name": "harden-direct", "scenario": "three.yaml", "horizon": 24, "replications": 4,
    "seed": 2, "outcomes": ["delivered", "seized_border", "end_user_stock"],
    "options": [
        {"name": "harden-direct", "interventions": [
            {"type": "border_inspection", "targets": {"crossings": ["direct-post"]},
             "strength": 0.8, "ramp_up": 0,
             "cost": {"per_year": 500_000, "gender_responsive_share": 0.2}}]},
        {"name": "pssm", "interventions": [
            {"type": "stockpile_security", "targets": {"countries": ["SRC"]},
             "strength": 0.8, "ramp_up": 2, "duration": 12, "half_life": 3,
             "cost": {"one_off": 1_000_000}}]}],
    "uncertain": {"samples": 1, "parameters": [
        {"path": "mechanisms.theft", "range": [0.01, 0.02]}]},
}


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    (folder / "three.yaml").write_text(HEADER + yaml.safe_dump(THREE, sort_keys=False))
    (folder / "exp.yaml").write_text(yaml.safe_dump(EXPERIMENT, sort_keys=False))
    return run_experiment(folder / "exp.yaml", out=folder / "res", echo=None)


def _html(results: Path) -> str:
    return (results / "report" / "report.html").read_text()


def _traffic(record: dict, key: str) -> int:
    return sum(record["routes"]["directed"][key])


# --- route-level outcomes ------------------------------------------------------------------
def test_route_totals_match_the_borders_table():
    # fails if a column index, a direction or a crossing label is mixed up
    model = FlowModel(load_scenario(SCENARIOS / "teaching.yaml"), seed=3).run(12)
    routes = route_totals(model)
    b = borders_table(model)
    b["pair"] = b["from_country"] + ">" + b["to_country"]
    b["directed"] = b["crossing"] + ":" + b["pair"]
    for level, column in (("crossings", "crossing"), ("borders", "border"), ("pairs", "pair"),
                          ("directed", "directed")):
        sums = b.groupby(column)[["weapons_passed", "weapons_seized"]].sum()
        got = {k: v for k, v in routes[level].items() if k in sums.index or any(v)}
        assert got == {k: [int(r.weapons_passed), int(r.weapons_seized)]
                       for k, r in sums.iterrows()}, level
    assert sum(s for _, s in routes["crossings"].values()) == run_totals(model)["seized_border"]


def test_every_run_record_says_where_traffic_went(results):
    for r in read_runs(results):
        assert set(r["routes"]) == {"crossings", "borders", "pairs", "directed"}
        assert set(r["routes"]["crossings"]) == {"direct-post", "trn-west", "trn-east"}
        assert set(r["routes"]["pairs"]) == {"SRC>DST", "DST>SRC", "SRC>TRN", "TRN>SRC",
                                             "TRN>DST", "DST>TRN"}


def test_displacement_shows_traffic_pushed_onto_the_detour(results):
    manifest, records = rp.load_records(results)
    found = rp.displacement(manifest, records)
    assert set(found) == {"harden-direct"}                 # pssm targets no crossing
    d = found["harden-direct"]
    assert d["origins"] == ["SRC"]
    base = {(r["sample"], r["replication"]): r for r in records if r["option"] == "baseline"}
    own = [r for r in records if r["option"] == "harden-direct"]
    away = [_traffic(base[(r["sample"], r["replication"])], "direct-post:SRC>DST")
            + _traffic(base[(r["sample"], r["replication"])], "direct-post:DST>SRC")
            - _traffic(r, "direct-post:SRC>DST") - _traffic(r, "direct-post:DST>SRC")
            for r in own]
    detour = [_traffic(r, "trn-west:SRC>TRN")
              - _traffic(base[(r["sample"], r["replication"])], "trn-west:SRC>TRN")
              for r in own]
    assert d["away"][0] == pytest.approx(np.mean(away)) and d["away"][0] > 100
    assert d["elsewhere"][0] == pytest.approx(np.mean(detour))  # counted once, first leg
    assert d["share"][0] == pytest.approx(np.mean(detour) / np.mean(away))
    assert 0.3 < d["share"][0] < 1.5 and d["share"][1] <= d["share"][0] <= d["share"][2]
    gained = d["per_crossing"].set_index("crossing")["change"]
    assert gained["trn-west"] > 0 and gained["trn-east"] > 0 and gained["direct-post"] < 0
    html = _html(results)
    section = html.split('id="displacement"')[1].split("</section>")[0]
    assert "trn-west" in section and f"{d['share'][0]:.0%}" in section


# --- P(beats baseline) ----------------------------------------------------------------------
def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _synthetic(kept: list[float], samples: int) -> tuple[dict, pd.DataFrame]:
    rows = []
    reps = len(kept) // samples
    for i, k in enumerate(kept):
        s, r = divmod(i, reps)
        rows.append({"option": "baseline", "sample": s, "replication": r, "delivered": 1000})
        rows.append({"option": "opt", "sample": s, "replication": r, "delivered": 1000 - k})
    manifest = {"options": ["baseline", "opt"], "outcomes": ["delivered"],
                "costs": {"baseline": 0, "opt": 1e6}}
    return manifest, pd.DataFrame(rows)


def test_p_beats_baseline_counts_every_paired_run_with_a_wilson_interval():
    # each future's mean favours the option, but only half the paired runs do: the old
    # per-future count said 100%
    manifest, runs = _synthetic([100, -10, 100, -10], samples=2)
    row = rp.summarise(manifest, runs).set_index("option").loc["opt"]
    assert row["p_beats_baseline"] == 0.5 and row["paired_runs"] == 4
    assert (row["p_beats_lo"], row["p_beats_hi"]) == pytest.approx(_wilson(2, 4))
    manifest, runs = _synthetic([5, 0, 5, 5], samples=1)      # a tie does not beat
    assert rp.summarise(manifest, runs).set_index("option").loc["opt", "p_beats_baseline"] \
        == 0.75


def _options(kept: dict[str, list[float]], costs: dict[str, float] | None = None,
             status: str = "fictional countries; magnitudes illustrative"
             ) -> tuple[dict, pd.DataFrame]:
    """Constructed results: options keeping the given weapons per paired run."""
    rows = []
    for i in range(len(next(iter(kept.values())))):
        rows.append({"option": "baseline", "sample": 0, "replication": i, "delivered": 1000})
        rows += [{"option": o, "sample": 0, "replication": i, "delivered": 1000 - k[i]}
                 for o, k in kept.items()]
    manifest = {"options": ["baseline", *kept], "outcomes": ["delivered"],
                "costs": {"baseline": 0, **(costs or dict.fromkeys(kept, 1e6))},
                "horizon": 60, "step_length": "month",
                "assumptions": {"status": status, "costs_status": "illustrative, not real",
                                "scenario_name": "x"}}
    return manifest, pd.DataFrame(rows)


def test_an_option_whose_interval_spans_zero_is_never_called_better():
    """One certainty rule for every option: told apart from the baseline only when the
    interval of weapons kept excludes zero; ranked only among those, with enough runs."""
    n = 40
    kept = {"wide": [300.0 if i % 2 else -100.0 for i in range(n)],   # big mean, spans 0
            "small-sure": [20.0 + (i % 3) for i in range(n)],
            "worse": [-50.0 - (i % 4) for i in range(n)],
            "sure": [60.0 + (i % 5) for i in range(n)]}
    manifest, runs = _options(kept)
    table = rp.summarise(manifest, runs).set_index("option")
    assert table.loc["wide", "kept_mean"] > table.loc["sure", "kept_mean"]   # bigger mean
    assert table.loc["wide", "standing"] == rp.UNCLEAR and pd.isna(table.loc["wide", "rank"])
    assert table.loc["worse", "standing"] == rp.WORSE and pd.isna(table.loc["worse", "rank"])
    assert table.loc["sure", "rank"] == 1 and table.loc["small-sure", "rank"] == 2
    text = rp.headline(rp.summarise(manifest, runs), manifest)
    assert text.startswith("On this fictional scenario, with these illustrative costs, "
                           "<strong>sure</strong> kept the most weapons")
    assert "wide cannot be told apart from the baseline" in text
    assert "worse delivered more weapons to end users than the baseline" in text
    # the same numbers with too few runs: nobody ranked, the headline says why
    few = {o: k[:10] for o, k in kept.items()}
    manifest, runs = _options(few)
    table = rp.summarise(manifest, runs)
    assert table["rank"].isna().all()
    text = rp.headline(table, manifest)
    assert "with 10 paired runs per option (fewer than 30) the report does not rank" in text
    assert "kept the most" not in text


def test_headline_when_no_option_can_be_told_apart_and_on_real_data():
    manifest, runs = _options({"a": [10.0, -10.0] * 20, "b": [5.0, -6.0] * 20},
                              status="fitted to 2015-2019 seizures of country X")
    text = rp.headline(rp.summarise(manifest, runs), manifest)
    assert text.startswith("On this scenario, with these illustrative costs, no option can "
                           "be told apart from the baseline over 60 months.")
    assert "better" not in text and "kept the most" not in text


def test_report_says_when_the_sample_is_too_small_to_rank(results):
    page = _html(results)
    head = page.split('id="headline"')[1].split("</section>")[0]
    assert rp.html.escape(rp.CERTAINTY_RULE) in head
    assert "4 paired runs per option (fewer than 30)" in head or "no option" in head
    summary = page.split('id="summary"')[1].split("</section>")[0]
    assert "<td>1</td>" not in summary.split("</thead>")[1]     # no rank shown


def test_numbers_are_whole_and_never_minus_zero():
    assert rp.fmt(-0.04) == "0" and rp.fmt(-0.04, 1) == "0.0" and rp.fmt(-0.6) == "-1"
    assert rp.fmt_harm(104.5, 80.2, 130.9) == "104 [80, 131]" or \
        rp.fmt_harm(104.5, 80.2, 130.9) == "105 [80, 131]"
    assert rp.fmt_harm(2.46, -0.04, 5.1) == "2.5 [0.0, 5.1]"


def test_displacement_share_is_not_given_when_what_left_may_be_zero():
    assert rp.share_text({"away": (50.0, -10.0, 120.0), "share": (0.96, 0.78, 1.22)}) \
        .startswith("not given")
    assert rp.share_text({"away": (50.0, 10.0, 120.0), "share": (0.96, 0.78, 1.22)}) \
        == "96% [78%, 122%]"


def test_parameters_and_countries_get_human_labels():
    assert rp.parameter_label("mechanisms.theft") == "Theft by outsiders (mechanisms.theft)"
    assert rp.parameter_label("behaviour.learning_rate").startswith("Weight of a trafficker")
    assert rp.parameter_label("countries.KAR.stockpiles.kar-army.security").startswith(
        "Physical security and stockpile management")
    assert rp.country_label("KAR", {"KAR": "Karvania"}) == "Karvania (KAR)"


# --- assumptions ---------------------------------------------------------------------------
def test_report_states_each_options_assumptions_calibration_and_version(results):
    html = _html(results)
    section = html.split('id="assumptions"')[1].split("</section>")[0]
    assert "fitted to nothing, a test header" in section
    assert "not calibrated" not in section
    pssm = section.split(">pssm</h4>")[1].split("</table>")[0]
    for cell in ("stockpile security", "countries: SRC", "0.80", "12 months", "2 months",
                 "3 months", "1,000,000"):
        assert f"<td>{cell}</td>" in pssm, cell
    harden = section.split(">harden-direct</h4>")[1].split("</table>")[0]
    for cell in ("crossings: direct-post", "until the end", "500,000", "20%"):
        assert f"<td>{cell}</td>" in harden, cell
    assert "<td>Theft by outsiders (mechanisms.theft)</td>" in section
    assert "<td>0.01</td>" in section
    assert f"flowsim {__version__}" in section
    # one interval level: every interval named is a 95% one (a value may read "90%")
    assert "All intervals are 95% intervals" in html
    assert not re.search(r"\b(?!95)\d\d% (?:Wilson |credible |confidence )?interval", html)


def test_calibration_status_comes_from_the_scenario_header(tmp_path):
    assert calibration_status(SCENARIOS / "large.yaml") == NOT_CALIBRATED
    assert re.match(r"fitted to \d+ seed patterns \(calibration/seed-patterns\.yaml, role "
                    r"fit\)", calibration_status(SCENARIOS / "teaching.yaml"))
    path = tmp_path / "s.yaml"
    path.write_text("# a scenario\n# calibration: fitted to 2017 seizures (IAFQ)\nname: x\n"
                    "# calibration: too late, after the first key\n")
    assert calibration_status(path) == "fitted to 2017 seizures (IAFQ)"
    # the typed key is read first; the legacy comment only for files without it
    path.write_text("# calibration: old comment\nname: x\ncalibration:\n"
                    "  status: fitted to 2018 seizures\n  setup: calibration/x.yaml\n")
    assert calibration_status(path) == "fitted to 2018 seizures"


def test_a_bad_calibration_key_is_an_input_error(tmp_path):
    from flowsim.inputs.scenario import scenario_from_text

    base = (SCENARIOS / "teaching.yaml").read_text()
    scenario_from_text(base + "calibration: {status: fitted, setup: calibration/x.yaml}\n")
    with pytest.raises(InputError) as err:
        scenario_from_text(base + "calibration: {setup: calibration/x.yaml}\n", "s.yaml")
    assert err.value.path == "calibration.status" and err.value.file == "s.yaml"
    with pytest.raises(InputError) as err:
        scenario_from_text(base + "calibration: {status: x, fitted_by: y}\n", "s.yaml")
    assert err.value.path.startswith("calibration")


# --- harm -------------------------------------------------------------------------------------
def test_harm_is_weapon_years_times_rates_and_changes_no_draws():
    scenario = scenario_from_data(THREE, "<t>")
    plain = FlowModel(scenario, seed=5).run(12)
    tracked = FlowModel(scenario, seed=5)
    harm = run_with_harm(tracked, 12).totals()
    assert tracked.ledger.flow_rows == plain.ledger.flow_rows     # no extra random draws
    held = sum(n for _, _, k, n in plain.ledger.end_user_rows if k != AMMUNITION)
    assert sum(harm["weapon_years"].values()) == pytest.approx(held / 12)
    assert harm["weapon_years"]["civilian"] > 0 and harm["weapon_years"]["armed_group"] == 0
    rates = scenario.harm.criminal_market
    deaths = harm["deaths"]["criminal_market"]
    assert sum(deaths.values()) == pytest.approx(
        harm["weapon_years"]["criminal_market"] * rates.deaths_per_weapon_year)
    f, c = rates.female_share, rates.under_18_share
    assert deaths["girls"] / deaths["boys"] == pytest.approx(f / (1 - f))
    assert (deaths["girls"] + deaths["boys"]) / sum(deaths.values()) == pytest.approx(c)
    doubled = json.loads(json.dumps(THREE))
    doubled["harm"] = {"criminal_market": {"deaths_per_weapon_year": 2 *
                                           rates.deaths_per_weapon_year}}
    again = run_with_harm(FlowModel(scenario_from_data(doubled, "<t>"), seed=5), 12).totals()
    assert again["deaths"]["criminal_market"]["women"] == pytest.approx(
        2 * deaths["women"])
    assert again["deaths"]["civilian"] == harm["deaths"]["civilian"]


def test_harm_averted_per_option_and_per_million_with_gender_share(results):
    table = pd.read_csv(results / "report" / "summary.csv").set_index("option")
    records = read_runs(results)
    base = {(r["sample"], r["replication"]): r for r in records if r["option"] == "baseline"}

    def total(r, outcome, groups=GROUPS):
        return sum(r["harm"][outcome][k][g] for k in KINDS for g in groups)

    pssm = [r for r in records if r["option"] == "pssm"]
    averted = np.mean([total(base[(r["sample"], r["replication"])], "deaths")
                       - total(r, "deaths") for r in pssm])
    assert averted > 0
    assert table.loc["pssm", "deaths_averted_mean"] == pytest.approx(averted)
    assert table.loc["pssm", "deaths_averted_per_usd_million"] == pytest.approx(averted / 1.0)
    assert table.loc["harden-direct", "gender_share"] == pytest.approx(0.2)
    assert table.loc["pssm", "gender_share"] == 0
    manifest, recs = rp.load_records(results)
    br = rp.harm_breakdown(manifest, recs)
    girls = np.mean([sum(total(base[(r["sample"], r["replication"])], o, ("girls",))
                         - total(r, o, ("girls",)) for o in ("deaths", "injuries"))
                     for r in pssm])
    got = br[(br["option"] == "pssm") & (br["category"] == "girls")]["mean"].item()
    assert got == pytest.approx(girls) and got > 0
    female = np.mean([sum(total(base[(r["sample"], r["replication"])], o, ("women", "girls"))
                          - total(r, o, ("women", "girls")) for o in ("deaths", "injuries"))
                      for r in pssm])
    assert table.loc["pssm", "women_girls_averted_mean"] == pytest.approx(female)
    assert table.loc["pssm", "women_girls_averted_per_usd_million"] == pytest.approx(female)
    page = _html(results)
    harm = page.split('id="harm"')[1].split("</section>")[0]
    for heading in ("Women", "Men", "Girls", "Boys", "Civilian holdings",
                    "Women and girls per USD 1M"):
        assert f"<th>{heading}</th>" in harm, heading
    # the declared gender-responsive share is kept away from the harm tables (#23)
    assert "Gender-responsive funding share" not in harm and "<td>20%</td>" not in harm
    funding = page.split('id="gender-funding"')[1].split("</section>")[0]
    assert "<th>Gender-responsive funding share</th>" in funding and "<td>20%</td>" in funding
    assert "no modelled effect" in funding


# --- the page in a browser -------------------------------------------------------------------
SECTION_IDS = ("headline", "summary", "assumptions", "outcomes", "cost-effectiveness",
               "over-time", "displacement", "harm", "gender-funding")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
FITS = """() => {
  const width = document.documentElement.clientWidth;
  const imgs = [...document.images].map(i => ({right: i.getBoundingClientRect().right,
    complete: i.complete && i.naturalWidth > 0}));
  return {width, scroll: document.documentElement.scrollWidth, imgs};
}"""


def _browser():
    if not Path(CHROMIUM).exists() or not _has_playwright():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the browser test: install Debian's chromium and "
                        "playwright (.ci/run does)")
        pytest.skip("needs /usr/bin/chromium and the playwright package")
    from playwright.sync_api import sync_playwright

    return sync_playwright()


def _has_playwright() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return True


def test_report_renders_in_chromium_fits_the_page_and_prints(results):
    url = (results / "report" / "report.html").resolve().as_uri()
    with _browser() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 900})
            page.goto(url)
            for sid in SECTION_IDS:
                assert page.locator(f"section#{sid} h2").count() == 1, sid
            assert page.locator("section#displacement img").count() == 1
            head = page.locator("section#headline .headline")
            head.wait_for(state="visible")
            assert "Rule" in head.inner_text() and head.bounding_box()["y"] < 400
            n_imgs = 4 if rp.costs_differ(pd.read_csv(results / "report" / "summary.csv")) \
                else 3
            # an A4 page's printable width at 96 dpi (210 mm - 2 x 14 mm margins)
            for media, width in (("screen", 1024), ("print", 688)):
                page.emulate_media(media=media)
                page.set_viewport_size({"width": width, "height": 900})
                got = page.evaluate(FITS)
                assert len(got["imgs"]) == n_imgs
                assert all(i["complete"] for i in got["imgs"])
                assert max(i["right"] for i in got["imgs"]) <= got["width"], media
                assert got["scroll"] <= got["width"], f"{media}: page wider than the window"
            pdf = page.pdf(format="A4")
        finally:
            browser.close()
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000


def test_write_report_uses_records_it_is_given_without_rereading_the_store(
        results, tmp_path, monkeypatch):
    """Sensitivity and discovery hand over the records they read: the report made from them
    equals the one made by reading the store, and the store is not read again."""
    import shutil

    copy = tmp_path / "res"
    shutil.copytree(results, copy)
    records = read_runs(copy)
    expected, _ = rp.write_report(copy)
    html = (copy / "report" / "report.html").read_text()

    def no_reading(_folder):
        raise AssertionError("the store was read again")

    monkeypatch.setattr(rp, "read_runs", no_reading)
    shown, _ = rp.write_report(copy, records)
    pd.testing.assert_frame_equal(shown, expected)
    assert (copy / "report" / "report.html").read_text() == html


def _overlapping_ticks(fig) -> list[tuple[str, str]]:
    """Pairs of visible tick labels on one axis whose drawn boxes overlap."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)          # report figures are made without pyplot
    canvas.draw()
    renderer = canvas.get_renderer()
    bad = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            boxes = [t.get_window_extent(renderer) for t in labels]
            for i in range(len(boxes)):
                for j in range(i + 1, len(boxes)):
                    if boxes[i].overlaps(boxes[j]):
                        bad.append((labels[i].get_text(), labels[j].get_text()))
    return bad


def test_chart_tick_labels_do_not_collide_and_axes_have_units(results):
    """Chart-level check of the outcome and over-time charts: no two tick labels of an
    axis overlap (the old chart drew "80000100000"), every axis has a label with a unit."""
    manifest, records = rp.load_records(results)
    runs, series = rp.frames(records)
    # wide-ranging values, as in the donor comparison, to provoke collisions
    runs = runs.copy()
    runs["delivered"] = runs["delivered"] * 50 + 80_000
    table = rp.summarise(manifest, runs, records)
    ctx = rp.ReportContext(manifest, runs, series, records, table, None,
                           rp.option_colours(manifest["options"]))
    for fig in (rp.plot_distributions(ctx), rp.plot_timeseries(ctx)):
        assert not _overlapping_ticks(fig)
        for ax in fig.axes:
            if ax.get_visible():
                assert ax.get_xlabel() and ("weapons" in ax.get_xlabel() + ax.get_ylabel()
                                            or "share" in ax.get_xlabel())
    dist = rp.plot_distributions(ctx)
    lo, _hi = dist.axes[0].get_xlim()
    assert lo > 0                      # the range fits the runs, not from zero


def test_quick_look_overrides_runs_and_says_so(results, tmp_path):
    out = run_experiment(results.parent / "exp.yaml", out=tmp_path / "quick", echo=None,
                         replications=1, futures=1)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["quick"] and manifest["replications"] == 1
    assert len(read_runs(out)) == 3                        # 3 options x 1 future x 1
    page = (out / "report" / "report.html").read_text()
    assert "Quick look" in page and "Quick look" not in _html(results)
    from flowsim.errors import InputError

    with pytest.raises(InputError, match="at least 1"):
        run_experiment(results.parent / "exp.yaml", out=tmp_path / "bad", echo=None,
                       replications=0)
