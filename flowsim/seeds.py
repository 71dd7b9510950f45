"""Seeds derived from integers alone (experiment seed, future, replication, stream).

A run's seed never depends on which worker runs it or when, so results are the same
whatever the number of workers or the backend (the project's determinism rule). Used by the
experiment format (common random numbers across options) and by the study and calibration
runners. No seed paragraph: a software utility.
"""

from __future__ import annotations

import numpy as np


def derive_seed(*parts: int) -> int:
    """A 32-bit seed determined by the given integers alone (e.g. experiment seed, future,
    replication), so a run's seed never depends on which worker runs it or when."""
    return int(np.random.SeedSequence(list(parts)).generate_state(1, dtype=np.uint32)[0])
