"""The target of the contract suites: the embedded mock by default, or the sandbox (or a loopback
stand-in for it) when JUSPAY_BASE_URL is set, with the same settings, safety rails and hooks as
scripts/contract_check.py.

Hypothesis profiles (`ci`, derandomized, the default; `nightly`, heavier) live in the repository's root
conftest.py; choose with HYPOTHESIS_PROFILE. JUSPAY_PHASES=fuzzing (or examples,fuzzing) leaves phases out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from juspay_kit import spec
from juspay_kit.contract import runner
from juspay_kit.contract.settings import Profile, Settings, resolve
from juspay_kit.errors import HarnessError
from juspay_kit.redact import Redactor


def _settings() -> Settings | HarnessError:
    try:
        return resolve(
            base_url=None, mode="all", max_examples=30, seed=None, report_dir=Path("reports"), profile=None,
            rate_limit=None, budget=None, request_timeout=10.0,
        )  # fmt: skip
    except HarnessError as exc:
        return exc


SETTINGS = _settings()


@dataclass(frozen=True)
class Target:
    settings: Settings
    base_url: str

    @property
    def is_mock(self) -> bool:
        return self.settings.profile is Profile.MOCK


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    if isinstance(SETTINGS, HarnessError):
        pytest.fail(f"contract settings: {SETTINGS}", pytrace=False)
    try:
        with runner.target(SETTINGS) as (base_url, chosen), runner.active(chosen, base_url, Redactor()):
            yield Target(chosen, base_url)
    except HarnessError as exc:
        pytest.fail(f"contract target unavailable: {exc}", pytrace=False)


PHASES = ("examples", "coverage", "fuzzing")


def _phases() -> dict[str, Any]:
    """JUSPAY_PHASES (comma-separated, of PHASES): the schemathesis phases the fuzz suite runs (default: all).
    The coverage phase is the costly one for the nested Fetch body; a quick check may leave it out."""
    chosen = [name.strip() for name in os.environ.get("JUSPAY_PHASES", "").split(",") if name.strip()]
    return {name: {"enabled": name in chosen} for name in PHASES} if chosen else {}


def pytest_configure(config: pytest.Config) -> None:
    """A wrong JUSPAY_PHASES is one usage line before anything runs."""
    chosen = [name.strip() for name in os.environ.get("JUSPAY_PHASES", "").split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(PHASES))
    if unknown:
        raise pytest.UsageError(f"JUSPAY_PHASES: unknown phase {unknown[0][:40]!r} (choose from {', '.join(PHASES)})")


def load_schema() -> Any:
    """The vendored spec with the run's schemathesis configuration and credentials; the base URL (known
    only once the target is up) is passed to each call."""
    if isinstance(SETTINGS, HarnessError):
        return schemathesis.openapi.from_dict(spec.load())
    raw = runner.schemathesis_config(SETTINGS)
    raw["phases"].update(_phases())
    config = SchemathesisConfig.from_dict(raw)
    schema = schemathesis.openapi.from_dict(spec.load(), config=config)
    schema.config.update(basic_auth=(SETTINGS.api_key, ""))
    return schema
