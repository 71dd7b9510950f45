"""The workshop app end to end in a real browser: ``flowsim app`` on a free port, driven by
Playwright in Debian's chromium (``apt-get install -y chromium``; .ci/run installs it).

Screenshots go to ``$FLOWSIM_SCREENSHOTS`` (default: pytest's temporary folder); the
documentation's (``docs/img/``) are made by ``docs/screenshots.py``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect, sync_playwright

from flowsim.app import serving
from flowsim.app.session import counters, shipped_scenarios
from flowsim.inputs.scenario import load_scenario
from flowsim.model.flow_model import FlowModel

CHROMIUM, ARGS = serving.CHROMIUM, serving.CHROMIUM_ARGS
FLOWSIM = serving.FLOWSIM
_free_port, _start, _wait_up = serving.free_port, serving.start, serving.wait_up
# Every expect() waits on the page's state; its 5-second default bound was too short on a
# loaded machine (issue #20.3: test_exercise_menu_sets_the_starting_settings failed there).
expect.set_options(timeout=60_000)


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    proc = _start([], port)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_up(proc, url)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    assert os.path.exists(CHROMIUM), "install Debian's chromium: apt-get install -y chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    out = Path(os.environ.get("FLOWSIM_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    out.mkdir(parents=True, exist_ok=True)
    return out


class Session:
    """One participant: a browser context with its page and its console errors."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1250})
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)      # clicks and loads on a loaded machine
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        expect(self.page.locator("[data-name=diverted] .value")).to_have_text("0",
                                                                             timeout=60_000)

    def value(self, name: str) -> str:
        return self.page.locator(f"[data-name={name}] .value").inner_text()

    def number(self, name: str) -> int:
        return int(self.value(name).replace(",", ""))

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            title = self.page.get_by_text(re.compile(r"^Step \d+ of"))
            before = title.inner_text()
            self.page.get_by_role("button", name="Step", exact=True).click()
            expect(title).not_to_have_text(before)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session(browser, server):
    s = Session(browser, server)
    yield s
    s.close()


def _fresh(steps: int) -> dict[str, float]:
    return counters(FlowModel(load_scenario(shipped_scenarios()["teaching"])).run(steps))


def test_step_changes_the_counters_without_console_errors(session, shots):
    session.step()
    expected = _fresh(1)
    for name in ("diverted", "trafficked", "seized", "delivered"):
        assert session.number(name) == expected[name]
    assert session.number("diverted") > 0
    hover = session.page.locator("#country-EST title")          # the browser's tooltip
    expect(hover).to_have_text(re.compile(r"^Estria \(EST\), last 12 steps: [1-9][\d,]* "
                                          r"diverted"))
    session.page.screenshot(path=str(shots / "step.png"))
    assert session.errors == []


def test_slider_and_compare_show_the_effect(session, shots):
    page = session.page
    page.get_by_text("Compare with baseline").click()
    expect(page.locator("[data-name=seized] .diff")).to_contain_text("baseline")
    page.get_by_role("button", name="Meridia (MER)").click()
    slider = page.locator(".v-input", has_text="Inland policing").locator("[role=slider]")
    slider.focus()
    slider.press("End")                                   # inland policing 0.12 -> 1
    session.step(4)
    delta = page.locator("[data-name=seized] .delta").inner_text()
    assert int(delta.replace(",", "")) > 50               # far more seized than the baseline
    page.get_by_text(re.compile(r"^Step \d+ of")).scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "workshop-app.png"))
    assert session.errors == []


def test_download_gives_the_run_tables(session, tmp_path):
    session.step(2)
    with session.page.expect_download(timeout=60_000) as info:
        session.page.get_by_text("Download this run's tables").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == "flowsim-teaching.zip"
    with zipfile.ZipFile(path) as z:
        flows = pd.read_csv(z.open("flows.csv"))
        assert json.loads(z.read("run.json"))["steps"] == 2
        assert {"stocks.csv", "seizures.csv", "borders.csv", "summary.csv"} <= set(z.namelist())
    assert flows["step"].max() == 2
    weapons = flows[(flows["flow"] == "diverted") & (flows["category"] != "ammunition")]
    assert weapons["count"].sum() == session.number("diverted")


def test_play_runs_and_pause_stops(session):
    """Play steps the run in the browser and Pause gives the controls back. Waits only on
    the page's state; that no step follows the one in flight is checked where the play
    loop's thread can be joined (tests/test_app.py::test_pause_ends_the_play_loop)."""
    page = session.page
    page.get_by_text("Compare with baseline").click()       # the heavier redraw
    title = page.get_by_text(re.compile(r"^Step \d+ of"))
    step = page.get_by_role("button", name="Step", exact=True)
    page.get_by_role("button", name="▶").click()
    pause = page.get_by_role("button", name="❚❚")
    try:
        expect(step).to_be_disabled()                       # playing: no manual steps
        expect(title).to_have_text(re.compile(r"^Step ([2-9]|\d\d+) of"), timeout=90_000)
    finally:                  # a failure must not leave the shared server playing
        if pause.is_visible():
            pause.click()
    expect(page.get_by_role("button", name="▶")).to_be_visible()
    expect(step).to_be_enabled()                            # paused: Step works again
    session.step()
    assert session.errors == []


def test_exercise_menu_sets_the_starting_settings(session):
    page = session.page
    page.get_by_label("Guided exercise (docs/workshop.md)").click(force=True)
    option = page.get_by_role("option", name="2a. Secure Estria's stockpiles")
    expect(option).to_be_visible()
    option.click()
    expect(page.get_by_text("Observe:")).to_be_visible()
    expect(page.locator("[data-name=diverted] .diff")).to_contain_text("baseline")
    session.step(3)
    delta = page.locator("[data-name=diverted] .delta").inner_text()
    assert int(delta.replace(",", "")) < 0                # PSSM in Estria: less diverted
    assert session.errors == []


def test_invalid_upload_shows_the_error_in_the_page(session, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncountries:\n  - id: A\n    stockpiles:\n"
                   "      - {id: s, securty: 0.5}\n")
    session.page.locator("[data-testid=scenario-upload]").set_input_files(str(bad))
    alert = session.page.get_by_text("unknown key 'securty'")
    expect(alert).to_be_visible()
    text = alert.inner_text()
    assert text.startswith("bad.yaml: countries[0].stockpiles[0].securty")
    assert str(tmp_path) not in text
    assert session.errors == []


def test_two_browser_sessions_stay_independent(browser, server):
    a, b = Session(browser, server), Session(browser, server)
    try:
        a.page.get_by_role("button", name="Meridia (MER)").click()
        slider = a.page.locator(".v-input", has_text="Inland policing").locator(
            "[role=slider]")
        slider.focus()
        slider.press("End")
        a.step(3)
        assert b.value("diverted") == "0"                 # b has not moved
        b.step(3)
        fresh = _fresh(3)
        assert b.number("seized") == fresh["seized"]      # a's lever is not in b's model
        assert a.number("seized") > fresh["seized"]
        assert a.errors == b.errors == []
    finally:
        a.close()
        b.close()


def test_open_host_warns_and_bad_scenario_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    done = subprocess.run([str(FLOWSIM), "app", str(bad)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and done.stderr.startswith(f"error: {bad}: countries")
    proc = _start(["--host", "0.0.0.0"], _free_port())
    try:
        line = proc.stderr.readline()
        assert line.startswith("warning: binding to 0.0.0.0 makes the app reachable")
    finally:
        proc.terminate()
        proc.wait(10)


def test_busy_port_fails_cleanly_and_the_first_page_load_is_quiet(run_cli):
    """A second app on a port in use: one-paragraph error, exit 2, no URL printed first.
    The first page load, at 127.0.0.1 as the test's browser uses it, logs nothing (Solara
    warned about SameSite cookies on plain http; issue #20.4)."""
    port = _free_port()
    proc = _start([], port)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_up(proc, url)
        with urllib.request.urlopen(url, timeout=30) as page:      # a second full load
            assert page.status == 200
        code, out, err = run_cli("app", "--port", port)
        assert code == 2 and out == ""
        assert err.startswith(f"error: --port {port}: ") and "in use" in err
    finally:
        proc.terminate()
        proc.wait(10)
    logged = proc.stderr.read()
    assert "samesite" not in logged.lower() and "Traceback" not in logged, logged


# --- projector layout (issue 25) -------------------------------------------------------------
INTERNAL = ("Render Interval", "Use Threads", "Play Interval", "Page 0", "Time:",
            "This website runs on Solara")


def test_projector_layout_values_no_internal_controls_fixed_scale(browser, server, shots):
    """At 1280x720: every lever slider shows its value in an editable box, none of Mesa's
    internal controls nor the Solara badge is visible, the counters card does not scroll,
    the charts are at least half the main area's width each, and the network's width
    legend is the same before and after 20 steps."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(server)
        expect(page.locator("[data-name=diverted] .value")).to_have_text("0", timeout=60_000)
        for text in INTERNAL:
            assert page.get_by_text(text, exact=False).filter(visible=True).count() == 0, text
        page.get_by_role("button", name="Transia (TRA)").click()
        lever = page.locator(".fs-lever", has_text="Inland policing").first
        box = lever.locator("input[type=number], input[type=text]").first
        expect(box).to_be_visible()
        shown = box.input_value()
        assert shown and float(shown) >= 0                  # the value, not only a knob
        box.fill("0.9")
        box.press("Enter")
        expect(lever.locator("[role=slider]")).to_have_attribute("aria-valuenow", "0.9")
        card = page.locator(".fs-counters-card").first
        assert card.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
        main = page.locator(".fs-charts").first.bounding_box()
        assert main["width"] >= 0.9 * page.locator(".fs-main").first.bounding_box()["width"]

        def legend() -> list[str]:
            return page.locator(".fs-network text").filter(
                has_text=re.compile(r"^[\d,]+ weapons$")).all_inner_texts()

        before = legend()
        title = page.get_by_text(re.compile(r"^Step \d+ of"))
        for n in range(1, 21):
            page.get_by_role("button", name="Step", exact=True).click()
            expect(title).to_have_text(re.compile(rf"^Step {n} of"), timeout=20_000)
        assert len(before) >= 2 and legend() == before
        page.screenshot(path=str(shots / "projector.png"))
    finally:
        context.close()
