"""Output layer: tidy tables (:mod:`.tables`) with every column defined in :mod:`.schema`,
plots (:mod:`.plots`, on :mod:`.figures`) and headline metrics (:mod:`.metrics`) of one run,
and :func:`.run.run_scenario`, one run from file to tables.
"""
