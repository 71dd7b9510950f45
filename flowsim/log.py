"""The ``flowsim`` logger: how library code reports progress without printing.

Library modules log to ``logging.getLogger("flowsim...")``; nothing is shown unless the
application configures logging (a library must not). The command line does, with
:func:`configure`: messages go to standard output, ``--verbose`` adds debug detail and
``--quiet`` keeps warnings only. In a notebook, ``logging.basicConfig(level="INFO")`` shows
them. Functions that report progress keep an ``echo`` argument (one-line messages; ``None``:
silent) whose default is this logger. No seed paragraph: software plumbing.
"""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger("flowsim")
logger.addHandler(logging.NullHandler())


def info(text: str) -> None:
    """Log one progress line at INFO on the ``flowsim`` logger (the ``echo`` default)."""
    logger.info(text)


def configure(verbosity: int = 0) -> None:
    """Show flowsim's messages on standard output: ``verbosity`` -1 quiet (warnings), 0
    progress (info), 1 verbose (debug). Replaces any handler an earlier call added."""
    level = {-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG)
    for handler in [h for h in logger.handlers if getattr(h, "_flowsim_cli", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._flowsim_cli = True          # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
