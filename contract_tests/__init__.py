"""Contract suites: schemathesis + hypothesis property tests run against the embedded mock or the sandbox."""
