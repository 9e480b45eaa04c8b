"""The validating proxy (`juspay-proxy`), its recorded exchanges (cassettes) and their replay (`juspay-replay`)."""

READY_PREFIX = "Juspay proxy listening on "  # the line `juspay-proxy` prints once it accepts requests
MAX_BODY_BYTES = 1024 * 1024  # one request body; a larger one is answered 413 and never forwarded
