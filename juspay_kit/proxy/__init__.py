"""The validating proxy (`juspay-proxy`), its recorded exchanges (cassettes) and their replay (`juspay-replay`)."""
