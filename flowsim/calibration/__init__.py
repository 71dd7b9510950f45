"""Calibration layer: seizure data (:mod:`.seizure_data`), the calibration methods (ABC-SMC
and a point estimate, :mod:`.fit`) and their plots (:mod:`.plots`). Builds on the studies
layer's runner and store.
"""
