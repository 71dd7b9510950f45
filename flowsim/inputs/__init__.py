"""Input layer: the typed-config machinery (:mod:`.schema`), the scenario format
(:mod:`.scenario`) and what an intervention *is* (:mod:`.interventions`).

Imports nothing from the model or any layer above it.
"""
