"""The target of the contract suites: the embedded mock by default, or the sandbox (or a loopback
stand-in for it) when JUSPAY_BASE_URL is set, with the same settings, safety rails and hooks as
scripts/contract_check.py.

Hypothesis profiles (`ci`, derandomized, the default; `nightly`, heavier) live in the repository's root
conftest.py; choose with HYPOTHESIS_PROFILE.
"""

from __future__ import annotations

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


def load_schema() -> Any:
    """The vendored spec with the run's schemathesis configuration and credentials; the base URL (known
    only once the target is up) is passed to each call."""
    if isinstance(SETTINGS, HarnessError):
        return schemathesis.openapi.from_dict(spec.load())
    config = SchemathesisConfig.from_dict(runner.schemathesis_config(SETTINGS))
    schema = schemathesis.openapi.from_dict(spec.load(), config=config)
    schema.config.update(basic_auth=(SETTINGS.api_key, ""))
    return schema
