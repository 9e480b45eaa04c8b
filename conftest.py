"""Hypothesis profiles for every suite in this repository, registered in this one place.

HYPOTHESIS_PROFILE chooses one (default `ci`):
    ci        derandomized, 20 examples per property: the same cases on every run, so `make test` is
              deterministic and a failure reproduces by rerunning it (depth is the nightly's job)
    nightly   random, 300 examples per property: depth for the nightly job and local hunting
    fail-fast ci without shrinking: for the self-tests that only need to see a suite fail on a broken server
The older names stay as aliases: `quick` and `contract` for ci, `contract-nightly` for nightly.
Tests that set their own `settings(...)` inherit everything they do not set from the chosen profile.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

_COMMON = {"deadline": None, "database": None, "suppress_health_check": list(HealthCheck)}
PROFILES = {
    "ci": {"max_examples": 20, "derandomize": True, **_COMMON},
    "nightly": {"max_examples": 300, **_COMMON},
    "fail-fast": {"max_examples": 30, "derandomize": True, "phases": [Phase.explicit, Phase.generate], **_COMMON},
}
ALIASES = {"quick": "ci", "contract": "ci", "contract-nightly": "nightly"}

for _name, _options in PROFILES.items():
    settings.register_profile(_name, **_options)  # type: ignore[arg-type]
for _alias, _target in ALIASES.items():
    settings.register_profile(_alias, **PROFILES[_target])  # type: ignore[arg-type]


def pytest_configure(config: pytest.Config) -> None:
    chosen = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    if chosen not in PROFILES and chosen not in ALIASES:
        names = ", ".join([*PROFILES, *ALIASES])
        raise pytest.UsageError(f"HYPOTHESIS_PROFILE={chosen!r} is not a profile of this repository ({names})")
    settings.load_profile(chosen)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest group first: under `-n 2 --dist loadgroup` the kit's tests (one worker builds the wheels
    once) then run beside the rest instead of after it, so neither worker waits for the other at the end."""
    items.sort(key=lambda item: item.get_closest_marker("xdist_group") is None)
