"""The consumer suites tests/test_kit.py runs from the installed wheels, run here too, on this suite's own
`juspay_mock` fixture (the plugin loaded with -p, `juspay_mock_seed = 0` in pyproject.toml): the README's
consumer test and tests/fixtures/double_consumer.py. So what they alone guard (a fault that plays once more, a
fault's delay ignored, the journal showing Authorization, the marker ignored) fails `make test` wherever it runs,
with no package index and on one Python. No subprocess: the tests are imported into this module, and share the
session's mock with every other test of this worker. The slim install's import guard is held here as well."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from juspay_kit.commands import contract as contract_command
from juspay_kit.contract import runner
from juspay_kit.errors import UsageError
from tests.fixtures import double_consumer
from tests.test_kit import readme_consumer_test

# Collected from this module: the double's tests, then the README's (run as the README shows them).
CONSUMER_TESTS = {name: test for name, test in vars(double_consumer).items() if name.startswith("test_")}
globals().update(CONSUMER_TESTS)
exec(compile(readme_consumer_test(), "README.md", "exec"))


def test_both_consumer_suites_are_collected_here() -> None:
    readme = {"test_binding_and_expiry", "test_faults_the_journal_and_limits", "test_the_whole_journey"}
    assert len(CONSUMER_TESTS) == 5 and readme <= set(globals())


def test_without_the_contract_extra_juspay_contract_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A slim install (no schemathesis, no hypothesis): one usage line naming the extra, and no run."""
    monkeypatch.setitem(sys.modules, "schemathesis", None)  # find_spec then finds nothing, as in a slim install
    monkeypatch.setitem(sys.modules, "hypothesis", None)

    def run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the contract run started without schemathesis")

    monkeypatch.setattr(runner, "run", run)
    with pytest.raises(UsageError, match=r"needs schemathesis and hypothesis.*\[contract\]"):
        contract_command.main(["--max-examples", "1", "--report-dir", str(tmp_path)])
