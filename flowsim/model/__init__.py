"""Model layer: the Mesa model (:mod:`.flow_model`), its agents, weapon lots, leakage,
the ledger of flows, route search, and the application of interventions to a running model
(:mod:`.schedule`). Imports only :mod:`flowsim.inputs` (and :mod:`flowsim.errors`).
"""
