"""Regenerate the numbers the documentation quotes: never copy results by hand.

Each ``docs/results/make_NAME.py`` defines ``generate() -> str`` (Markdown). This script runs
the ones named (default: all), writes each to ``docs/results/NAME.md``, and splices it into
every document that quotes it — README.md, docs/**/*.md, benchmarks/README.md — between
``<!-- results:NAME -->`` and ``<!-- /results:NAME -->``. ``tests/test_docs.py`` checks
that every such block quotes its file exactly, and that each generated file is quoted.

    .venv/bin/python docs/results/generate.py              # all
    .venv/bin/python docs/results/generate.py patterns     # one
    .venv/bin/python docs/results/generate.py --splice-only  # re-quote the existing files
    .venv/bin/python docs/results/generate.py --stamp [NAME ...]  # record fingerprints only

Each file made records the fingerprint of its inputs in ``docs/results/provenance.json``
(:mod:`provenance`); ``tests/test_docs.py`` fails when the inputs change and names the
command to re-run. ``--stamp`` records fingerprints of existing files without regenerating
them, and only for files whose inputs are unchanged since the commit that wrote them.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
README = ROOT / "README.md"


def documents() -> list[Path]:
    """The Markdown files that may quote generated results: README.md, the site's pages
    (docs/ and its subfolders, but not the generated files here) and benchmarks/README.md."""
    pages = [p for p in sorted((ROOT / "docs").rglob("*.md")) if HERE not in p.parents]
    return [README, *pages, ROOT / "benchmarks" / "README.md"]


def block_pattern(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- results:{re.escape(name)} -->\n)(.*?)(<!-- /results:"
                      rf"{re.escape(name)} -->)", flags=re.S)


def readme_blocks(text: str) -> dict[str, str]:
    """NAME -> the text between the markers, for every results block in ``text``."""
    return {m.group(1): m.group(2) for m in
            re.finditer(r"<!-- results:([\w-]+) -->\n(.*?)<!-- /results:\1 -->", text, re.S)}


def generators() -> dict[str, Path]:
    return {p.stem.removeprefix("make_"): p for p in sorted(HERE.glob("make_*.py"))}


def _provenance():
    """docs/results/provenance.py (a sibling script, importable once this folder is on the
    path)."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import provenance

    return provenance


def run(name: str, path: Path) -> str:
    spec = importlib.util.spec_from_file_location(f"make_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = module.generate().rstrip() + "\n"
    (HERE / f"{name}.md").write_text(text)
    _provenance().record(f"docs/results/{name}.md")
    return text


def splice(text: str, name: str, generated: str) -> str:
    return block_pattern(name).sub(lambda m: m.group(1) + generated + m.group(3), text)


def splice_files(names: list[str]) -> None:
    """Quote docs/results/NAME.md, for each name, wherever a document has its markers."""
    for path in documents():
        if not path.exists():
            continue
        text = path.read_text()
        new = text
        for name in names:
            new = splice(new, name, (HERE / f"{name}.md").read_text())
        if new != text:
            path.write_text(new)


def publish(name: str, text: str) -> None:
    """Write docs/results/NAME.md for a benchmark that made it, record the inputs it was
    made from (provenance) and quote every results file wherever the docs have its
    markers (as ``--splice-only``)."""
    (HERE / f"{name}.md").write_text(text)
    _provenance().record(f"docs/results/{name}.md")
    main(["--splice-only"])


def main(argv: list[str]) -> int:
    known = generators()
    if argv[:1] == ["--stamp"]:             # fingerprints of files made earlier
        provenance = _provenance()
        results = ([f"docs/results/{n}.md" if "/" not in n else n for n in argv[1:]]
                   or list(provenance.RESULTS))
        for result in results:
            print(provenance.stamp(result))
        return 0
    if argv[:1] == ["--splice-only"]:       # results written by a generator or a benchmark
        splice_files([result.stem for result in sorted(HERE.glob("*.md"))])
        return 0
    names = argv or list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        print(f"unknown results {unknown}; known: {sorted(known)}", file=sys.stderr)
        return 2
    texts = [path.read_text() for path in documents() if path.exists()]
    for name in names:
        if not any(block_pattern(name).search(text) for text in texts):
            print(f"no document quotes '{name}': add <!-- results:{name} --> and "
                  f"<!-- /results:{name} --> where it belongs", file=sys.stderr)
            return 2
    for name in names:
        print(f"generating {name} ...", flush=True)
        run(name, known[name])
        splice_files([name])        # each result is quoted as soon as it is made
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
