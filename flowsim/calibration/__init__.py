"""Calibration layer: what the model seized per data row (:mod:`.seizure_data`), evaluating
a set-up (:mod:`.evaluation`), the methods (ABC-SMC and a point estimate, :mod:`.methods`),
what a fit writes (:mod:`.outputs`), calibration to seed patterns (:mod:`.pattern_targets`),
:func:`.fit.calibrate` and their plots (:mod:`.plots`). The set-up formats are
:mod:`flowsim.inputs.calibration`. Builds on the studies layer's runner and store.
"""
