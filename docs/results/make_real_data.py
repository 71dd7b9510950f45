"""docs/real-data.md's list of shipped real data sets, written from their provenance sidecar
(calibration/data/datapackage.json), so the page and the sidecar cannot disagree.

    .venv/bin/python docs/results/generate.py real_data      # instant
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE = ROOT / "calibration" / "data" / "datapackage.json"


def _source(s: dict) -> str:
    if "repository" in s:
        return (f"`{s['repository']}` · `{s['file']}` · commit `{s['commit'][:12]}` "
                f"({s['title'].rstrip('.')})")
    return s["title"].rstrip(".")


def generate() -> str:
    pkg = json.loads(PACKAGE.read_text())
    lines = [f"Retrieved {pkg['x-retrieved']}. Each table is rebuilt from its raw extract by "
             "its script (`tests/test_real_data.py` checks byte for byte).", ""]
    for r in pkg["resources"]:
        lines += [f"### `{r['path']}`", "", r["title"] + ".", "",
                  "- **Source:** " + "; ".join(_source(s) for s in r["sources"]),
                  "- **Raw extract:** `calibration/data/" + r["x-raw"] + "`: "
                  + r["x-raw-extract"],
                  "- **Rebuilt by:** `calibration/data/" + r["x-script"] + "`",
                  "- **Licence / terms:** " + "; ".join(x["title"] for x in r["licenses"]),
                  "- **Attribution to print:** " + r["x-attribution"],
                  "- **Transformations:** " + "; ".join(r["x-transformations"]),
                  "- **Caveats:** " + " ".join(r["x-caveats"])]
        if "x-release-choice" in r:
            lines.append("- **Release used:** " + r["x-release-choice"])
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(generate())
