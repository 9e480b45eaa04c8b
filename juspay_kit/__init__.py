"""The Juspay VISA agentic kit: the embedded stateful mock, the contract check, the validating proxy, replay,
drift and learning on recorded traffic, spec delivery tools and a pytest plugin, behind the console commands
`juspay-mock`, `juspay-contract`, `juspay-proxy`, `juspay-replay`, `juspay-convert`, `juspay-drift`,
`juspay-learn`, `juspay-spec-diff` and `juspay-fetch-spec` (and the repository's `scripts/`).

The package reads the vendored spec (the repository's `spec/openapi.yaml`, or the copy installed with the
package) and never writes `generated/` except through `juspay_kit.regenerate`, a repository-only tool.
"""

__version__ = "0.7.1"
