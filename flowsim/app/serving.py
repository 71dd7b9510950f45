"""Serving the workshop app from a script: ``flowsim app`` on a free local port, started
and stopped by the caller, for the browser tests (``tests/test_app_browser.py``), the
round-trip benchmark (``benchmarks/app_roundtrip.py``) and the screenshots
(``docs/screenshots.py``). No seed paragraphs: plumbing only.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FLOWSIM = Path(sys.executable).with_name("flowsim")
#: Debian's chromium and the switches the scripts launch it with
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], port: int) -> subprocess.Popen:
    """``flowsim app ARGS --port PORT`` as a child process."""
    return subprocess.Popen([str(FLOWSIM), "app", *args, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_up(proc: subprocess.Popen, url: str, timeout: float = 180) -> None:
    """Until the server answers ``url`` (polling its start-up; raises if it exits)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"flowsim app exited: {proc.stderr.read()}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


@contextmanager
def served(args: list[str] | None = None) -> Iterator[str]:
    """The app's URL while it is served; stopped on exit."""
    port = free_port()
    proc = start(args or [], port)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_up(proc, url)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
