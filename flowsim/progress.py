"""Progress bars for long work (tqdm on standard error; silent when not on a terminal)."""

from __future__ import annotations

from tqdm.auto import tqdm


def progress_bar(total: int, desc: str, unit: str = "it", quiet: bool = False) -> tqdm:
    """A bar over ``total`` units, shown on a terminal only and only if work is not instant."""
    return tqdm(total=total, desc=desc, unit=unit, disable=True if quiet else None,
                mininterval=0.5, delay=1.0, leave=False, dynamic_ncols=True)
