"""The embedded Juspay mock: a stateful stand-in for the sandbox's Trigger OTP and Validate OTP.

`sessions` holds the OTP rules (pure, clock-driven), `app` the ASGI application that validates requests
against the vendored spec and answers with its documented bodies, `server` the uvicorn runner.
"""

READY_PREFIX = "Juspay mock listening on "  # the line `juspay-mock` prints once it accepts requests
