"""flowsim: agent-based simulation of illicit small-arms and light-weapons flows on Mesa.

The data path, top to bottom: :mod:`flowsim.scenario` (the input format) ->
:mod:`flowsim.model` and :mod:`flowsim.agents` (the simulation) -> :mod:`flowsim.outputs`
and :mod:`flowsim.plots` (tables and figures) -> experiments and calibration -> reports.
"""

__version__ = "0.1.0"
