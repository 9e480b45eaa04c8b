"""Fuzz both operations' request shapes (body fields, x-merchantid, auth) in positive and negative modes and
hold every response to the spec with all applicable checks. Positive data must get a 2xx from the mock."""

from __future__ import annotations

from typing import Any

from contract_tests.conftest import Target, load_schema

schema = load_schema()


@schema.parametrize()  # type: ignore[untyped-decorator]  # schemathesis ships no types for it
def test_every_response_conforms(case: Any, target: Target) -> None:
    case.call_and_validate(base_url=target.base_url)
