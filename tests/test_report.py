"""The donor report: route-level outcomes and displacement, honest P(beats baseline),
assumptions on the page, harm by victims' sex and age, and a page that renders and prints
in a real browser (headless Chromium through Playwright)."""

from __future__ import annotations

import json
import math
import os
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


def test_report_says_when_the_sample_is_too_small_to_rank(results):
    summary = _html(results).split('id="summary"')[1].split("</section>")[0]
    assert "too small to rank" in summary and "4 paired runs" in summary
    manifest, runs = _synthetic([50 + 10 * (i % 3) for i in range(40)], samples=4)
    table = rp.summarise(manifest, runs)
    ctx = rp.ReportContext(manifest, runs, {}, [], table, None, rp.option_colours(["opt"]))
    big = rp.section_summary(ctx)
    assert "too small to rank" not in big and "includes 50%" not in big
    assert "[91%, 100%]" in big                               # 40 of 40 paired runs


# --- assumptions ---------------------------------------------------------------------------
def test_report_states_each_options_assumptions_calibration_and_version(results):
    html = _html(results)
    section = html.split('id="assumptions"')[1].split("</section>")[0]
    assert "fitted to nothing, a test header" in section
    assert "not calibrated" not in section
    pssm = section.split(">pssm</h4>")[1].split("</table>")[0]
    for cell in ("stockpile security", "countries: SRC", "0.80", "12 steps", "2 steps",
                 "3 steps", "1,000,000"):
        assert f"<td>{cell}</td>" in pssm, cell
    harden = section.split(">harden-direct</h4>")[1].split("</table>")[0]
    for cell in ("crossings: direct-post", "until the end", "500,000", "20%"):
        assert f"<td>{cell}</td>" in harden, cell
    assert "<td>mechanisms.theft</td>" in section and "<td>0.01</td>" in section
    assert f"flowsim {__version__}" in section
    assert "95%" in html and "90%" not in html                 # one interval level


def test_calibration_status_comes_from_the_scenario_header(tmp_path):
    assert calibration_status(SCENARIOS / "large.yaml") == NOT_CALIBRATED
    assert calibration_status(SCENARIOS / "teaching.yaml").startswith(
        "fitted to the seed patterns")
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
SECTION_IDS = ("summary", "assumptions", "outcomes", "cost-effectiveness", "over-time",
               "displacement", "harm", "gender-funding")
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
            # an A4 page's printable width at 96 dpi (210 mm - 2 x 14 mm margins)
            for media, width in (("screen", 1024), ("print", 688)):
                page.emulate_media(media=media)
                page.set_viewport_size({"width": width, "height": 900})
                got = page.evaluate(FITS)
                assert len(got["imgs"]) == 4 and all(i["complete"] for i in got["imgs"])
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
