"""The workshop app: a browser app for training workshops on Mesa's SolaraViz (Solara).

Top layer beside the command line: :mod:`.levers` (what participants move),
:mod:`.exercises` (guided exercises of ``docs/workshop.md``), :mod:`.session` (one
participant's model, counters, event feed, upload, download), :mod:`.views` (charts),
:mod:`.page` (the Solara components, served by ``flowsim app``).
"""
