"""Input layer: every file format flowsim reads, checked without the model. The typed-config
machinery (:mod:`.schema`), the scenario format (:mod:`.scenario`), what an intervention
*is* (:mod:`.interventions`), scenario files edited by dotted path and their calibration
status (:mod:`.editing`), the experiment format (:mod:`.experiment`), calibration set-ups
(:mod:`.calibration`), the seizure CSV (:mod:`.seizures`), seed patterns (:mod:`.patterns`)
and the shipped real-data tables with their loaders (:mod:`.realdata`).

Imports nothing from the model or any layer above it (an import-linter contract).
"""
