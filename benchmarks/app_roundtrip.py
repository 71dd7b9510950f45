"""Browser round-trip of one Step in the workshop app: from the click on Step in Debian's
chromium (Playwright) until the page shows the new step's counters, on the teaching
scenario, with `flowsim app` serving on this machine. This is what a participant waits for
(the server-side figure of ``benchmarks/app_speed.py`` leaves out the websocket, the widget
updates and the browser's drawing). The target is 300 ms on 2 cores.

Like the other benchmarks it also prints the figure relative to the reference loop
``sum(range(10**7))`` timed on the same machine, so figures from a busy, shared machine can
be compared.

    .venv/bin/python benchmarks/app_roundtrip.py [--steps 20] [--compare]
"""

from __future__ import annotations

import argparse
import re
import time

import numpy as np

from flowsim.app.serving import CHROMIUM, CHROMIUM_ARGS, served

TARGET_MS = 300.0

def reference_ms() -> float:
    """The benchmarks' reference loop, ``sum(range(10**7))``, in milliseconds."""
    start = time.perf_counter()
    sum(range(10**7))
    return (time.perf_counter() - start) * 1000


#: resolves when the counters' title shows step ``n`` (a DOM mutation), with the time
#: from the click to then measured in the page (performance.now()).
ROUND_TRIP = """async (n) => {
  const button = [...document.querySelectorAll('button')]
      .find(b => b.textContent.trim().toUpperCase() === 'STEP');
  const shows = () => [...document.querySelectorAll('.v-card__title, .v-card-title, div')]
      .some(e => e.childElementCount === 0 && e.textContent.trim().startsWith(`Step ${n} of`));
  return await new Promise(resolve => {
    const start = performance.now();
    const seen = new MutationObserver(() => {
      if (shows()) { seen.disconnect(); resolve(performance.now() - start); }
    });
    seen.observe(document.body, {subtree: true, childList: true, characterData: true});
    button.click();
  });
}"""


def round_trips_ms(steps: int, compare: bool) -> list[float]:
    from playwright.sync_api import expect, sync_playwright

    with served() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url)
        expect(page.locator("[data-name=diverted] .value")).to_have_text(
            "0", timeout=90_000)
        if compare:
            page.get_by_text("Compare with baseline").click()
            expect(page.locator("[data-name=seized] .diff")).to_contain_text(
                "baseline", timeout=30_000)
        title = page.get_by_text(re.compile(r"^Step \d+ of"))
        times = []
        for n in range(1, steps + 2):
            ms = page.evaluate(ROUND_TRIP, n)
            expect(title).to_have_text(re.compile(rf"^Step {n} of"))
            if n > 1:                       # the first step warms caches up
                times.append(float(ms))
        browser.close()
    return times


def measure(steps: int = 20, compare: bool = False) -> dict[str, float]:
    """Median and worst round-trip (ms) and the reference loop (ms, best of three)."""
    ref = min(reference_ms() for _ in range(3))
    times = round_trips_ms(steps, compare)
    return {"median": float(np.median(times)), "worst": float(np.max(times)),
            "reference": ref, "steps": steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--compare", action="store_true", help="baseline beside the run")
    args = parser.parse_args()
    got = measure(args.steps, args.compare)
    print(f"teaching{' (compare)' if args.compare else ''}: one Step in the browser, median "
          f"{got['median']:.0f} ms, worst {got['worst']:.0f} ms over {args.steps} steps "
          f"(target {TARGET_MS:.0f} ms); {got['median'] / got['reference']:.2f} x the "
          f"reference loop ({got['reference']:.0f} ms)")


if __name__ == "__main__":
    main()
