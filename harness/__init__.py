"""Tooling behind the scripts: regeneration, the embedded mock, the contract runner and spec delivery.

The package reads `spec/`, never writes `generated/` except through `harness.regenerate`, and is what
`scripts/` and the test suites import.
"""
