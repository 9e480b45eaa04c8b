"""The contract runner: schemathesis against the embedded mock or the sandbox, with safety rails and reports.

`settings` resolves options (command line > environment > defaults), `safety` decides which targets may
be contacted, `checks` adds the project's own named checks, `runner` drives the schemathesis engine,
`observe` turns what the target answered into verdicts on the spec's inferred parts, `report` writes
summary.json, junit.xml and summary.md with every secret masked.
"""
