"""The mock as a test double: fault, journal and config controls refuse bad bodies by field, keep their
bounds, and reset; the inbox page is served only with the controls and never runs what a caller sent."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from juspay_visa_agentic_client.exceptions import SessionLocked

from juspay_kit import api, schema, spec
from juspay_kit.commands import mock as mock_command
from juspay_kit.mock.app import MockApp, MockSettings
from juspay_kit.mock.double import JOURNAL_SIZE, MAX_DELAY_SECONDS, ControlError, parse_limits
from juspay_kit.mock.matching import parse_matching_fault
from juspay_kit.mock.refusals import Refusals
from juspay_kit.mock.sessions import LIMIT_SETTINGS, Limits
from juspay_kit.pytest_plugin import JuspayMock
from tests.commands import run_command
from tests.test_mock_callers import api_call, call


def control(juspay_mock: JuspayMock, method: str, action: str, body: Any = None) -> httpx.Response:
    return httpx.request(method, f"{juspay_mock.base_url}/__mock__/{action}", json=body, trust_env=False, timeout=10)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": 500}, "operation"),
        ({"operation": "noSuchOperation", "status": 500}, "operation"),
        ({"operation": "triggerOtp", "status": 99}, "status"),
        ({"operation": "triggerOtp", "status": True}, "status"),
        ({"operation": "triggerOtp", "delaySeconds": MAX_DELAY_SECONDS + 1}, "delaySeconds"),
        ({"operation": "triggerOtp", "delaySeconds": "NaN"}, "delaySeconds"),
        ({"operation": "triggerOtp", "drop": "yes"}, "drop"),
        ({"operation": "triggerOtp", "status": 500, "times": 0}, "times"),
        ({"operation": "triggerOtp", "status": 500, "contentType": "text/html\r\nX-Evil: 1"}, "contentType"),
        ({"operation": "triggerOtp"}, "status"),
        ({"operation": "triggerOtp", "status": 500, "colour": "red"}, "colour"),
        (["not", "an", "object"], "body"),
    ],
)
def test_a_bad_fault_is_a_400_naming_the_field(juspay_mock: JuspayMock, body: Any, field: str) -> None:
    answer = control(juspay_mock, "POST", "faults", body)
    assert answer.status_code == 400 and answer.json()["error_info"]["fields"] == field, answer.text
    assert control(juspay_mock, "GET", "faults").json() == {"faults": []}


def test_faults_queue_in_order_list_and_clear(juspay_mock: JuspayMock) -> None:
    first = juspay_mock.inject_fault("*", status=503, times=2)
    juspay_mock.inject_fault("validateOtp", status=500)
    pending = control(juspay_mock, "GET", "faults").json()["faults"]
    assert [(f["id"], f["operation"], f["times"]) for f in pending][0] == (first, "*", 2) and len(pending) == 2
    assert control(juspay_mock, "DELETE", "faults").json() == {"cleared": 2}
    juspay_mock.inject_fault("triggerOtp", status=500)
    juspay_mock.reset()
    assert control(juspay_mock, "GET", "faults").json() == {"faults": []}


def test_the_journal_keeps_the_last_calls_and_counts_what_it_dropped(juspay_mock: JuspayMock) -> None:
    with httpx.Client(base_url=juspay_mock.base_url, trust_env=False) as http:
        for _ in range(JOURNAL_SIZE + 5):
            http.post("/no-such-path")
        http.get("/__mock__/health")  # control calls are never journalled
    journal = control(juspay_mock, "GET", "requests").json()
    assert (len(journal["requests"]), journal["dropped"], journal["limit"]) == (JOURNAL_SIZE, 5, JOURNAL_SIZE)
    assert {(e["operation"], e["status"]) for e in journal["requests"]} == {(None, 404)}
    assert control(juspay_mock, "DELETE", "requests").json()["cleared"] == JOURNAL_SIZE
    assert control(juspay_mock, "GET", "requests").json()["requests"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"maxOTPRequestsAllowed": 0},
        {"codeExpirationMinutes": 1441},
        {"maxOTPVerificationAllowed": 2.5},
        {"maxRequests": 2},
        "3",
        {"requireProvisioning": "yes"},
        {"requireProvisioning": 1},
    ],  # fmt: skip
)
def test_limits_outside_their_bounds_are_refused(juspay_mock: JuspayMock, body: Any) -> None:
    assert control(juspay_mock, "POST", "config", body).status_code == 400


def test_reset_restores_the_limits_the_mock_started_with(juspay_mock: JuspayMock) -> None:
    started = control(juspay_mock, "GET", "config").json()
    juspay_mock.configure(max_requests=7, code_expiration=60)
    assert control(juspay_mock, "GET", "config").json()["maxOTPRequestsAllowed"] == 7
    juspay_mock.reset()
    assert control(juspay_mock, "GET", "config").json() == started


def test_the_inbox_page_is_self_contained_and_shows_caller_values_as_text(juspay_mock: JuspayMock) -> None:
    page = control(juspay_mock, "GET", "ui")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "http://" not in page.text and "https://" not in page.text  # no CDN, no web font: it works offline
    assert "innerHTML" not in page.text and "textContent" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    hostile = '<img src=x onerror="alert(1)">'
    with juspay_mock.client() as client:
        client.trigger_otp(token_reference=hostile, v_provisioned_token_id="v", client_reference_id="c",
                           step_up_request_id="s")  # fmt: skip
    state = control(juspay_mock, "GET", "state").json()
    assert state["sessions"][0]["tokenReference"] == hostile and state["sessions"][0]["otpValue"]
    assert juspay_mock.api_key not in str(state)


def test_bad_mock_options_are_one_usage_line() -> None:
    for args in (["--seed", "-1"], ["--max-requests", "0"]):
        ran = run_command(mock_command.main, args)
        assert ran.returncode == 2 and len(ran.stderr.splitlines()) == 1, ran.stderr


def test_the_command_the_config_control_and_the_marker_read_one_table_of_limits(request: pytest.FixtureRequest) -> None:
    marker = next(line for line in request.config.getini("markers") if line.startswith("juspay_mock("))
    for setting in LIMIT_SETTINGS:
        assert getattr(Limits(), setting.attribute) == setting.default and setting.describe() in marker
        for value in (setting.low - 1, setting.low, setting.high, setting.high + 1):
            inside = setting.low <= value <= setting.high
            if inside:
                assert getattr(parse_limits({setting.control: value}, Limits()), setting.attribute) == value
            else:
                with pytest.raises(ControlError, match=f"from {setting.low} to {setting.high}"):
                    parse_limits({setting.control: value}, Limits())
            # a bad --port after a good limit: refused for the port, never served
            ran = run_command(mock_command.main, [setting.flag, str(value), "--port", "70000"])
            assert ran.returncode == 2 and (("--port" if inside else setting.flag) in ran.stderr), ran.stderr


def test_a_fault_for_any_operation_plays_on_each_operation_then_is_used_up() -> None:
    app = MockApp(MockSettings())  # in-process: no server
    assert call(app, "POST", "/__mock__/faults", {"operation": "*", "status": 503, "times": 5})[0] == 201
    operations = list(api.shared())
    assert [api_call(app, operation.path, b"{}")[0] for operation in operations] == [503] * len(operations)
    assert api_call(app, operations[0].path, b"{}")[0] == 400  # used up: the request's own checks answer


# ---- a fault that plays a refusal code of the spec ----------------------------------------------------------

# statuses read off the spec by hand: the example that carries the code, else the lowest 4xx with the envelope
SPEC_STATUSES = {("triggerOtp", "OTP_REQUEST_LIMIT_EXCEEDED"): 429, ("triggerOtp", "SESSION_LOCKED"): 403,
                 ("triggerOtp", "DEVICE_ALREADY_BOUND"): 409, ("triggerOtp", "TOKEN_NOT_PROVISIONED"): 400,
                 ("validateOtp", "TOKEN_MISMATCH"): 409, ("validateOtp", "INVALID_OTP"): 400,
                 ("fetchPaymentCredentials", "AMOUNT_LIMIT_EXCEEDED"): 403}  # fmt: skip


def _json_of(answer: tuple[int, bytes]) -> tuple[int, Any]:
    return answer[0], json.loads(answer[1])


def test_every_refusal_code_the_spec_lists_plays_with_its_status_and_envelope() -> None:
    app, validators, played = MockApp(MockSettings()), schema.shared(), {}
    for operation in api.shared():
        refusal = operation.refusal
        for code in refusal.codes:
            added = call(app, "POST", "/__mock__/faults", {"operation": operation.operation_id, "code": code})
            assert added[0] == 201, added
            status, body = _json_of(api_call(app, operation.path, b"{}"))
            played[(operation.operation_id, code)] = status
            assert body[refusal.code_field] == code and body[refusal.message_field], body
            assert validators.errors(operation.operation_id, status, body) == [], (code, status, body)
            assert validators.matches(refusal.envelope, body), body  # its own envelope, not JuspayError
            journal = _json_of(call(app, "GET", "/__mock__/requests"))[1]["requests"]
            assert journal[-1]["refusalCode"] == code and journal[-1]["status"] == status
    assert SPEC_STATUSES.items() <= played.items()
    assert len(played) == sum(len(operation.refusal.codes) for operation in api.shared()) > len(SPEC_STATUSES)


def test_a_refusal_code_takes_a_status_of_its_own_and_shows_in_the_pending_faults() -> None:
    app = MockApp(MockSettings())
    locked = {"operation": "triggerOtp", "code": "SESSION_LOCKED", "status": 409, "times": 2}
    assert call(app, "POST", "/__mock__/faults", locked)[0] == 201
    pending = _json_of(call(app, "GET", "/__mock__/faults"))[1]["faults"]
    assert [(f["code"], f["status"], f["body"]["errorCode"]) for f in pending] == [("SESSION_LOCKED", 409,
                                                                                     "SESSION_LOCKED")]  # fmt: skip
    status, body = _json_of(api_call(app, api.path_of("triggerOtp"), b"{}"))
    assert (status, body["errorCode"]) == (409, "SESSION_LOCKED")


@pytest.mark.parametrize(
    "body",
    [
        {"operation": "triggerOtp", "code": "NO_SUCH_CODE"},
        {"operation": "validateOtp", "code": "OTP_REQUEST_LIMIT_EXCEEDED"},  # Trigger OTP's code, not Validate's
        {"operation": "triggerOtp", "code": ["SESSION_LOCKED"]},
        {"operation": "triggerOtp", "code": "SESSION_LOCKED", "body": {"errorCode": "SESSION_LOCKED"}},
        {"operation": "*", "code": "SESSION_LOCKED"},
        {"operation": "triggerOtp", "code": "SESSION_LOCKED", "status": 204},
    ],
)
def test_a_code_the_operation_does_not_list_is_a_400_naming_code(body: dict[str, Any]) -> None:
    app = MockApp(MockSettings())
    status, answer = _json_of(call(app, "POST", "/__mock__/faults", body))
    assert status == 400 and answer["error_info"]["fields"] == "code", answer
    assert _json_of(call(app, "GET", "/__mock__/faults"))[1] == {"faults": []}


def test_a_code_added_to_the_spec_plays_with_no_python_edit() -> None:
    document = spec.load()  # a copy of the vendored spec, changed as a spec edit would change it
    refusal = document["components"]["schemas"]["TriggerOtpRefusal"]
    refusal["properties"]["errorCode"]["enum"] += ["CARD_SUSPENDED", "ISSUER_UNAVAILABLE"]
    suspended = {"status": "FAILURE", "errorCode": "CARD_SUSPENDED", "errorMessage": "The card is suspended.",
                 "response": None}  # fmt: skip
    conflict = document["components"]["responses"]["TriggerOtpConflict"]["content"]["application/json"]
    conflict["examples"]["suspended"] = {"value": suspended}
    known, validators = Refusals(document, api.load(document)), schema.Validators(document)
    app = MockApp(MockSettings())
    with pytest.raises(ControlError) as refused:  # the vendored spec does not know it
        parse_matching_fault({"operation": "triggerOtp", "code": "CARD_SUSPENDED"}, app.operations_by_id)
    assert refused.value.field == "code"
    for code, expected in (("CARD_SUSPENDED", 409), ("ISSUER_UNAVAILABLE", 400)):
        app.faults.add(parse_matching_fault({"operation": "triggerOtp", "code": code}, app.operations_by_id, known))
        status, body = _json_of(api_call(app, api.path_of("triggerOtp"), b"{}"))
        assert (status, body["errorCode"]) == (expected, code), body
        assert validators.errors("triggerOtp", status, body) == [] and validators.matches("TriggerOtpRefusal", body)
    assert known.refused("triggerOtp", "CARD_SUSPENDED").body == suspended  # the spec's own example, as it is


def test_the_fixture_passes_a_code_through_to_the_client(juspay_mock: JuspayMock) -> None:
    fault = juspay_mock.inject_fault("triggerOtp", code="SESSION_LOCKED")
    with juspay_mock.client() as client, pytest.raises(SessionLocked):
        client.trigger_otp(token_reference="t", v_provisioned_token_id="t", client_reference_id="c",
                           step_up_request_id="cw==")  # fmt: skip
    played = juspay_mock.requests("triggerOtp")[0]
    assert (played.fault, played.status, played.refusal_code) == (fault, 403, "SESSION_LOCKED")
