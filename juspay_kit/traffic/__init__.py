"""Traffic teaches the spec: drift judged on any recording, and spec patches learned from the sandbox's answers.

drift.py    recorded exchanges judged against the spec (checks, journey rules, inferred verdicts, coverage)
journey.py  the journey's rules over the recorded order
report.py   drift.json, drift.md, drift-junit.xml, drift.sarif and the console lines
learn.py    proposals: reviewed JSON Patches, with evidence, for what the traffic contradicts or extends
"""
