"""Screenshots of the donor report and the workshop app at 1280 px wide, into docs/img/:

* ``report-top.png`` (bottom line, banner, comparison table), ``report-charts.png``
  (outcome distributions) and ``report-displacement.png`` (traffic moved to other
  crossings), from a quick look at ``experiments/donor-comparison.yaml`` (1 replication,
  3 futures: ``flowsim experiment --quick``), run into a temporary folder;
* ``workshop-app.png`` (1280x720, the projector layout) after exercise 1 is chosen and
  twelve steps are made with the baseline beside the run, and ``workshop-app-levers.png``
  with a country's levers open.

Needs Debian's chromium at /usr/bin/chromium and the playwright package (dev extra).

    .venv/bin/python docs/screenshots.py [--out docs/img] [--results DIR]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
from pathlib import Path

from flowsim.app.serving import CHROMIUM, CHROMIUM_ARGS, FLOWSIM, served

ROOT = Path(__file__).resolve().parents[1]


def report_shots(browser, results: Path, out: Path) -> list[Path]:
    if not (results / "report" / "report.html").exists():
        subprocess.run([str(FLOWSIM), "experiment", str(ROOT / "experiments" /
                        "donor-comparison.yaml"), "--quick", "--out", str(results)],
                       check=True, stdout=subprocess.DEVNULL)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((results / "report" / "report.html").resolve().as_uri())
    page.locator("section#headline").wait_for(state="visible")
    made = [out / "report-top.png", out / "report-charts.png",
            out / "report-displacement.png"]
    page.screenshot(path=str(made[0]))
    page.locator("section#outcomes").screenshot(path=str(made[1]))
    page.locator("section#displacement").screenshot(path=str(made[2]))
    page.close()
    return made


def app_shots(browser, out: Path) -> list[Path]:
    from playwright.sync_api import expect

    made = [out / "workshop-app.png", out / "workshop-app-levers.png"]
    with served() as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url)
        expect(page.locator("[data-name=diverted] .value")).to_have_text("0", timeout=90_000)
        page.get_by_label("Guided exercise (docs/workshop.md)").click(force=True)
        page.get_by_role("option", name="1. Harden one border: displacement").click()
        expect(page.locator("[data-name=diverted] .diff")).to_contain_text(
            "baseline", timeout=30_000)
        title = page.get_by_text(re.compile(r"^Step \d+ of"))
        for n in range(1, 13):
            page.get_by_role("button", name="Step", exact=True).click()
            expect(title).to_have_text(re.compile(rf"^Step {n} of"), timeout=30_000)
        page.screenshot(path=str(made[0]))
        page.get_by_role("button", name=re.compile(r"^south-post")).click()
        expect(page.locator(".fs-lever", has_text="Inspection rate").first).to_be_visible()
        page.screenshot(path=str(made[1]))
        page.close()
    return made


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "img"))
    parser.add_argument("--results", default=None, help="an experiment results folder to "
                        "show (default: a quick look at donor-comparison, made now)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            results = Path(args.results) if args.results else Path(tmp) / "donor-quick"
            made = report_shots(browser, results, out) + app_shots(browser, out)
        finally:
            browser.close()
    for path in made:
        print(path)


if __name__ == "__main__":
    main()
