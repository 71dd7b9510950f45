"""Input layer: the typed-config machinery (:mod:`.schema`), the scenario format
(:mod:`.scenario`), what an intervention *is* (:mod:`.interventions`) and the shipped
real-data tables with their loaders (:mod:`.realdata`).

Imports nothing from the model or any layer above it.
"""
