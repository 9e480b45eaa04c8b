"""The client README's exception table says what the client raises: each row is held to the class the client
really raises against a tiny loopback server, so that the table cannot drift from the code again (it once said
`UnexpectedResponse` for a refusal code the spec does not know, which raises `Refused` or `ApiError`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from juspay_visa_agentic_client import JuspayClient, exceptions
from juspay_visa_agentic_client.models import SessionContext

from juspay_kit.spec import ROOT
from tests.loopback import Reply, serving

README = ROOT / "generated" / "juspay-visa-agentic-client" / "README.md"
ROW = re.compile(r"^\| `(\w+)` \| (.+) \|$")
UNKNOWN = "SLOW_DOWN"  # a refusal code the spec does not know


def table() -> dict[str, str]:
    """exception name -> what its row says it is raised for, from the README's `## Exceptions` section."""
    section = README.read_text().split("## Exceptions", 1)[1].split("\n## ", 1)[0]
    return {m.group(1): m.group(2) for line in section.splitlines() if (m := ROW.match(line))}


def _trigger(api: JuspayClient) -> Any:
    return api.trigger_otp(token_reference="t", v_provisioned_token_id="v", client_reference_id="c",
                           step_up_request_id="cHJvYmU=")  # fmt: skip


def _provision(api: JuspayClient) -> Any:
    return api.provision_token_and_create_passkey(customer_id="c", session_context=SessionContext(secure_token="s"))


def refusal(code: str) -> dict[str, Any]:
    return {"status": "FAILURE", "errorCode": code, "errorMessage": "later", "response": None}


# what the row must say -> the calls that answer it: (call, status, body)
Call = Callable[[JuspayClient], Any]
SCENARIOS: dict[str, list[tuple[Call, int, Any]]] = {
    "a refusal code the spec does not know, from Provision, Setup or Fetch at a status the operation documents": [
        (_provision, 409, refusal(UNKNOWN))
    ],
    "a refusal code the spec does not know at a status the operation documents": [(_trigger, 429, refusal(UNKNOWN))],
    "at a status the operation does not document, whatever its code": [
        (_trigger, 418, refusal(UNKNOWN)),
        (_provision, 418, refusal(UNKNOWN)),
        (_trigger, 418, refusal("SESSION_LOCKED")),
    ],  # fmt: skip
    "an undocumented status whose body is not a refusal envelope": [(_trigger, 418, {"status": "teapot"})],
    "a body that is not JSON": [(_trigger, 200, b"OK")],
    "JSON that does not match the documented schema": [(_trigger, 200, {"status": "SUCCESS"})],
    "any 5xx": [(_trigger, 503, {"status": "error"})],
    "401": [(_trigger, 401, b"")],
}


def _raised(call: Call, status: int, body: Any) -> exceptions.JuspayClientError:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()

    def handle(path: str, headers: dict[str, str], sent: bytes) -> Reply:
        return status, "application/json", data

    with serving(handle) as (base_url, _), JuspayClient("k", "m", base_url=base_url) as api:
        with pytest.raises(exceptions.JuspayClientError) as raised:
            call(api)
    return raised.value


@pytest.mark.parametrize("says", SCENARIOS)
def test_each_row_names_the_class_the_client_raises(says: str) -> None:
    rows = table()
    claimed = {name for name, text in rows.items() if says in text}
    errors = [(_raised(call, status, body), status, body) for call, status, body in SCENARIOS[says]]
    raised = {type(error).__name__ for error, _, _ in errors}
    assert claimed == raised, f"the README says {sorted(claimed)} for {says!r}; the client raised {sorted(raised)}"
    for error, status, body in errors:
        assert error.status_code == status
        if isinstance(body, dict) and "errorCode" in body:
            assert error.code == body["errorCode"]  # "its code as sent"


def test_every_refusal_class_is_listed_under_its_base() -> None:
    rows = table()
    for code, kind in exceptions.REFUSALS.items():
        base = kind.__mro__[1].__name__
        assert f"`{kind.__name__}`" in rows[base], f"{code}: {kind.__name__} is not in the {base} row"
    assert {"ApiError", "Refused", "OtpRefused", "UnexpectedResponse"} <= set(rows)
