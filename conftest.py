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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The groups first: under `-n 3 --dist loadgroup` the kit's tests (one worker builds the wheels once) and
    the recorded traffic's (one worker records it once) then run beside the rest instead of after it."""
    items.sort(key=lambda item: item.get_closest_marker("xdist_group") is None)
    _name_groups(config, items)


def _name_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """pytest-xdist 3.8 groups tests by an "@group" suffix it writes into `item._nodeid`, which pytest 9.2 no
    longer reads (pytest-dev/pytest-xdist#1386, fix pending in #1388): every grouped test ran on any worker,
    and each worker built the kit's wheels again. In a worker of a loadgroup run, the suffix is written where
    pytest 9.2 reads a test's id. A pytest without the structured id is left as xdist handles it."""
    if not getattr(config.option, "loadgroup", False):
        return
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # an older pytest: xdist's own suffix works there
        return
    for item in items:
        names = {
            str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")
        }
        if names and hasattr(item, "_id") and not item.nodeid.endswith("@" + "_".join(sorted(names))):
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(sorted(names))}")
