"""The contract runner: schemathesis against the embedded mock or the sandbox, with safety rails and reports.

`settings` resolves options (command line > environment > defaults), `safety` decides which targets may
be contacted, `target` starts or probes the server, `checks` adds the project's own named checks, `hook`
serves each request of the active run (budget, fresh OTP sessions, no proxy), `runner` drives the
schemathesis engine, `results` collects violations and tallies, `observe` turns what the target answered
into verdicts on the spec's inferred parts, `report` writes summary.json, junit.xml and summary.md with
every secret masked.
"""
