"""The flowsim version and the model-behaviour version (one place each).

``__version__`` is the package version (pyproject.toml reads the same number).
``MODEL_VERSION`` counts deliberate changes to what the model simulates: bump it in any
commit that changes simulated outputs on purpose. The pinned output digests
(``tests/data/pinned-outputs.json``) record the version they were made with, so re-pinning
them forces a bump; and every generated results file records the version it was made with
(``docs/results/provenance.json``), so a bump marks all of them for regeneration.
"""

__version__ = "0.1.0"
MODEL_VERSION = 4
