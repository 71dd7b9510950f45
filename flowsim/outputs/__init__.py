"""Output layer: tidy tables (:mod:`.tables`), plots (:mod:`.plots`) and headline metrics
(:mod:`.metrics`) of one run, and :func:`.run.run_scenario`, one run from file to tables.
"""
