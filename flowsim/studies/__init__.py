"""Studies layer: policy experiments (:mod:`.experiment`, :mod:`.study`), the parallel runner
for joblib and Dask (:mod:`.runner`), the append-only results store (:mod:`.store`) and the
comparison report (:mod:`.report`).
"""
