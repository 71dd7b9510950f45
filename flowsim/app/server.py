"""``flowsim app``: serve the workshop page (:mod:`flowsim.app.page`) with Solara's server.

The scenario is checked before the server starts (bad input: the usual one-paragraph
error, exit code 2). Binding to localhost is the default; any other address exposes the
app to the network, and a warning says so.
"""

from __future__ import annotations

import os
import sys

LOCAL = ("127.0.0.1", "localhost", "::1")


def serve(scenario: str | None, host: str = "127.0.0.1", port: int = 8765) -> int:
    """Run the app until interrupted. ``scenario``: a YAML path (default: teaching)."""
    from flowsim.inputs.scenario import load_scenario

    if scenario:
        load_scenario(scenario)                       # InputError -> exit 2 in the CLI
        os.environ["FLOWSIM_APP_SCENARIO"] = os.path.abspath(scenario)
    if host not in LOCAL:
        print(f"warning: binding to {host} makes the app reachable by anyone on this "
              "network; every participant gets their own model, but there is no login. "
              "Use it on a classroom network you trust, and stop it (Ctrl-C) afterwards.",
              file=sys.stderr)
    os.environ["SOLARA_APP"] = "flowsim.app.page"
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    import uvicorn

    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    print(f"flowsim workshop app: http://{shown}:{port}/  (Ctrl-C to stop)", flush=True)
    uvicorn.run("solara.server.starlette:app", host=host, port=port, log_level="warning")
    return 0
