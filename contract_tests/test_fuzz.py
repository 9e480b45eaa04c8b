"""Fuzz every operation's request shapes (body fields, x-merchantid, auth) in positive and negative modes and
hold every response to the spec with all applicable checks. Positive data must get a 2xx from the mock.

One test function per operation, named after it, so that every item has its own node id: pytest-xdist runs
items by node id, and two items sharing one would run only once."""

from __future__ import annotations

import re
from typing import Any

from contract_tests.conftest import Target, load_schema
from juspay_kit import api

schema = load_schema()


def _fuzz(operation_id: str) -> Any:
    @schema.include(operation_id=operation_id).parametrize()  # type: ignore[untyped-decorator]  # no types shipped
    def test(case: Any, target: Target) -> None:
        case.call_and_validate(base_url=target.base_url)

    test.__name__ = test.__qualname__ = "test_" + re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower() + "_conforms"
    return test


for _operation in api.shared():
    _test = _fuzz(_operation.operation_id)
    globals()[_test.__name__] = _test
