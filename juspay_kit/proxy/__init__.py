"""The validating proxy (`juspay-proxy`), its recorded exchanges (cassettes) and their replay (`juspay-replay`)."""

READY_PREFIX = "Juspay proxy listening on "  # the line `juspay-proxy` prints once it accepts requests
