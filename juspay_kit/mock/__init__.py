"""The embedded Juspay mock: a stateful stand-in for the sandbox, serving every operation of the vendored spec.

`app` is the ASGI application that validates requests against the spec and answers with its documented bodies;
the journey's rules decide the answers of the operations they are registered for (`rules`): `sessions` the OTP
sessions of Trigger and Validate OTP (pure, clock-driven), `journey` the cards, instructions and credentials of
Provision, Setup and Fetch. An operation without rules answers its spec's success example. `server` is the
uvicorn runner.
"""

READY_PREFIX = "Juspay mock listening on "  # the line `juspay-mock` prints once it accepts requests
