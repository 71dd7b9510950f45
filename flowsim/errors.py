"""The one error type users see: a bad input file, told in one paragraph.

Every loader in flowsim (scenarios, experiments, seizure data, calibration set-ups)
raises :class:`InputError`, which names the file, the key path inside it and what was
expected. The command line prints it and exits with code 2, never a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InputError(Exception):
    """A problem with a user's input file.

    Attributes:
        file: the file the problem is in (or ``"<string>"`` for in-memory input).
        path: the key path inside it, e.g. ``countries[2].stockpiles[0].security``.
        message: what is wrong and what was expected.
    """

    def __init__(self, file: str, path: str, message: str):
        self.file = str(file)
        self.path = path
        self.message = message
        where = f"{self.file}: {path}: " if path else f"{self.file}: "
        super().__init__(where + message)


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """A ``' (did you mean 'x'?)'`` suffix when a close match exists, else ``''``."""
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
