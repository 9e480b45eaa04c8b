"""The mock's OTP session rules, against the running server and as a unit."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from juspay_kit import api, spec
from juspay_kit.mock.process import RunningMock
from juspay_kit.mock.sessions import Clock, Limits, Outcome, SessionStore
from tests.conftest import MockClient, auth_headers


def session(**overrides: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A fresh (trigger body, validate body) pair for one new session."""
    token = uuid.uuid4().hex
    ids = {"tokenReference": token, "vProvisionedTokenId": token, "clientReferenceId": uuid.uuid4().hex}
    ids.update(overrides)
    trigger = {**ids, "stepUpRequestId": "c3RlcA=="}
    validate = {**ids, "otpValue": "000000", "networkType": "VISA"}
    return trigger, validate


def code(client: MockClient, body: dict[str, Any]) -> str:
    return client.inbox(body["tokenReference"], body["clientReferenceId"])


def test_trigger_answers_with_the_documented_limits(client: MockClient) -> None:
    trigger, _ = session()
    body = client.trigger(trigger).json()
    assert body == {
        "errorMessage": None,
        "status": "SUCCESS",
        "errorCode": None,
        "response": {"maxOTPVerificationAllowed": 3, "maxOTPRequestsAllowed": 3, "codeExpiration": 5},
    }


def test_request_limit(client: MockClient) -> None:
    trigger, _ = session()
    assert [client.trigger(trigger).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.trigger(trigger)
    assert refused.status_code == 429
    assert refused.json()["errorCode"] == "OTP_REQUEST_LIMIT_EXCEEDED" and refused.json()["status"] != "SUCCESS"


def test_each_trigger_issues_a_fresh_code_and_the_current_one_binds(client: MockClient) -> None:
    trigger, validate = session()
    client.trigger(trigger)
    first = code(client, trigger)
    client.trigger(trigger)
    second = code(client, trigger)
    if first != second:  # one chance in a million that two codes match
        assert client.validate({**validate, "otpValue": first}).json()["responseCode"] == "INVALID_OTP"
    ok = client.validate({**validate, "otpValue": second})
    assert ok.status_code == 200 and ok.json() == {"status": "SUCCESS", "responseCode": None, "responseMessage": None}
    again = client.validate({**validate, "otpValue": second})
    assert (again.status_code, again.json()["responseCode"]) == (409, "DEVICE_ALREADY_BOUND")
    retrigger = client.trigger(trigger)
    assert (retrigger.status_code, retrigger.json()["errorCode"]) == (409, "DEVICE_ALREADY_BOUND")


def test_wrong_codes_lock_the_session(client: MockClient) -> None:
    trigger, validate = session()
    client.trigger(trigger)
    right = code(client, trigger)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    answers = [client.validate({**validate, "otpValue": wrong}) for _ in range(3)]
    assert [(a.status_code, a.json()["responseCode"]) for a in answers] == [
        (400, "INVALID_OTP"),
        (400, "INVALID_OTP"),
        (403, "SESSION_LOCKED"),
    ]
    assert client.validate({**validate, "otpValue": right}).status_code == 403
    locked = client.trigger(trigger)
    assert (locked.status_code, locked.json()["errorCode"]) == (403, "SESSION_LOCKED")


def test_expired_code_is_refused_and_a_new_one_works(client: MockClient) -> None:
    trigger, validate = session()
    client.trigger(trigger)
    old = code(client, trigger)
    client.advance(5 * 60 + 1)
    expired = client.validate({**validate, "otpValue": old})
    assert (expired.status_code, expired.json()["responseCode"]) == (400, "OTP_EXPIRED")
    client.trigger(trigger)
    assert client.validate({**validate, "otpValue": code(client, trigger)}).status_code == 200


def test_code_valid_until_just_before_expiry(client: MockClient) -> None:
    trigger, validate = session()
    client.trigger(trigger)
    client.advance(5 * 60 - 2)
    assert client.validate({**validate, "otpValue": code(client, trigger)}).status_code == 200


def test_token_mismatch_is_refused(client: MockClient) -> None:
    trigger, validate = session()
    client.trigger(trigger)
    otp = code(client, trigger)
    other = client.trigger({**trigger, "vProvisionedTokenId": "another"})
    assert (other.status_code, other.json()["errorCode"]) == (409, "TOKEN_MISMATCH")
    mismatch = client.validate({**validate, "otpValue": otp, "vProvisionedTokenId": "another"})
    assert (mismatch.status_code, mismatch.json()["responseCode"]) == (409, "TOKEN_MISMATCH")
    assert client.validate({**validate, "otpValue": otp}).status_code == 200


def test_validate_without_trigger(client: MockClient) -> None:
    _, validate = session()
    answer = client.validate(validate)
    assert (answer.status_code, answer.json()["responseCode"]) == (400, "SESSION_NOT_FOUND")


def test_sessions_are_keyed_by_token_reference_and_client_reference(client: MockClient) -> None:
    trigger, _ = session()
    for _ in range(3):
        client.trigger(trigger)
    assert client.trigger({**trigger, "clientReferenceId": "other"}).status_code == 200
    assert client.trigger({**trigger, "tokenReference": "other"}).status_code == 200


def test_seed_makes_codes_reproducible(client: MockClient) -> None:
    trigger, _ = session(tokenReference="t", vProvisionedTokenId="t", clientReferenceId="c")
    client.trigger(trigger)
    first = code(client, trigger)
    client.reset()
    client.trigger(trigger)
    assert code(client, trigger) == first


def test_control_surface_rejects_bad_input(client: MockClient) -> None:
    http = client.http
    assert http.post("/__mock__/clock", json={"advanceSeconds": -1}).status_code == 400
    json_type = {"content-type": "application/json"}  # a control POST without it is refused before its body is read
    assert http.post("/__mock__/clock", content=b"nope", headers=json_type).status_code == 400
    assert http.post("/__mock__/clock", json={"advanceSeconds": True}).status_code == 400
    assert http.get("/__mock__/inbox").status_code == 400
    assert http.get("/__mock__/inbox", params={"tokenReference": "x", "clientReferenceId": "y"}).status_code == 404
    assert http.get("/__mock__/nothing").status_code == 404
    assert http.get("/__mock__/health").json()["status"] == "ok"


def test_exactly_the_limit_is_accepted_under_concurrency(mock: RunningMock, client: MockClient) -> None:
    trigger, _ = session()

    async def burst() -> list[int]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(base_url=mock.url, limits=limits, timeout=20) as http:
            headers = {**auth_headers(), "Content-Type": "application/json"}
            answers = await asyncio.gather(
                *[http.post("/initiateVerification", json=trigger, headers=headers) for _ in range(50)]
            )
        return [a.status_code for a in answers]

    statuses = asyncio.run(burst())
    assert sorted(statuses).count(200) == 3
    assert statuses.count(429) == 47


def test_memory_is_bounded_by_session_cap_and_idle_expiry() -> None:
    clock = Clock()
    store = SessionStore(limits=Limits(max_sessions=100, idle_ttl_seconds=60), clock=clock)
    for index in range(1000):
        assert store.trigger(("m", f"t{index}", "c"), "v") is Outcome.SENT
    assert len(store) == 100
    assert store.inbox(("m", "t999", "c")) is not None and store.inbox(("m", "t0", "c")) is None
    clock.advance(61)
    store.trigger(("m", "fresh", "c"), "v")
    assert len(store) == 1


class MockAgainstModel(RuleBasedStateMachine):
    """Drives trigger / validate / clock / reset on the running mock and checks it against a small model."""

    client: MockClient
    limits = Limits()
    reached: set[str] = set()  # outcomes seen over the whole run

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, dict[str, Any]] = {}
        self.now = 0.0

    @initialize()
    def fresh(self) -> None:
        self.client.reset()

    sessions = st.sampled_from(["s1", "s2"])

    def bodies(self, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        return session(tokenReference=f"tok-{name}", vProvisionedTokenId=f"tok-{name}", clientReferenceId=f"cr-{name}")

    def expect(self, answer: Any, status: int, code: str | None, field: str) -> None:
        """The mock's (status, refusal code) must be the model's; every outcome reached is remembered."""
        got = (answer.status_code, answer.json().get(field))
        assert got == (status, code), (self.model, answer.text)
        self.reached.add(code or "OK")

    @rule(name=sessions)
    def trigger(self, name: str) -> None:
        trigger, _ = self.bodies(name)
        answer = self.client.trigger(trigger)
        state = self.model.get(name)
        if state is None:
            state = self.model[name] = {"requests": 0, "wrong": 0, "state": "PENDING", "expires": 0.0}
        refused = {"BOUND": (409, "DEVICE_ALREADY_BOUND"), "LOCKED": (403, "SESSION_LOCKED")}.get(state["state"])
        if refused is None and state["requests"] >= self.limits.max_requests:
            refused = (429, "OTP_REQUEST_LIMIT_EXCEEDED")
        status, refusal = refused or (200, None)
        self.expect(answer, status, refusal, "errorCode")
        if refused is None:
            state["requests"] += 1
            state["expires"] = self.now + self.limits.code_expiration_minutes * 60
            state["code"] = code(self.client, trigger)

    # Wrong codes twice as often as right ones, so that lock-outs are reached, not only bindings.
    @rule(name=sessions, correct=st.sampled_from([False, False, True]))
    def validate(self, name: str, correct: bool) -> None:
        _, validate = self.bodies(name)
        state = self.model.get(name)
        otp = state["code"] if state and correct else "not-the-code"
        answer = self.client.validate({**validate, "otpValue": otp})
        if state is None:
            self.expect(answer, 400, "SESSION_NOT_FOUND", "responseCode")
            return
        if state["state"] == "BOUND":
            expected: tuple[int, str | None] = (409, "DEVICE_ALREADY_BOUND")
        elif state["state"] == "LOCKED":
            expected = (403, "SESSION_LOCKED")
        elif self.now >= state["expires"]:
            expected = (400, "OTP_EXPIRED")
        elif correct:
            expected, state["state"] = (200, None), "BOUND"
        else:
            state["wrong"] += 1
            if state["wrong"] >= self.limits.max_verifications:
                expected, state["state"] = (403, "SESSION_LOCKED"), "LOCKED"
            else:
                expected = (400, "INVALID_OTP")
        self.expect(answer, expected[0], expected[1], "responseCode")

    @precondition(lambda self: bool(self.model))
    @rule(name=sessions)
    def wrong_codes_in_a_row(self, name: str) -> None:
        """A cardholder who keeps mistyping: as many wrong codes as the limit allows, each checked."""
        for _ in range(self.limits.max_verifications):
            self.validate(name, False)

    @precondition(lambda self: bool(self.model))
    @rule(seconds=st.sampled_from([30, 299, 301]))
    def advance(self, seconds: int) -> None:
        self.client.advance(seconds)
        self.now += seconds

    @precondition(lambda self: len(self.model) == 2)  # rarely, so that sessions live long enough to lock
    @rule()
    def reset(self) -> None:
        self.client.reset()
        self.model.clear()
        self.now = 0.0

    @invariant()
    def health(self) -> None:
        assert self.client.http.get("/__mock__/health").status_code == 200


def test_mock_matches_the_session_model(client: MockClient) -> None:
    from hypothesis import settings

    MockAgainstModel.client = client
    MockAgainstModel.reached = set()
    MockAgainstModel.TestCase.settings = settings(stateful_step_count=25)  # examples: the profile
    MockAgainstModel.TestCase().runTest()
    wanted = {"OK", "INVALID_OTP", "SESSION_LOCKED", "DEVICE_ALREADY_BOUND", "OTP_REQUEST_LIMIT_EXCEEDED",
              "OTP_EXPIRED", "SESSION_NOT_FOUND"}  # fmt: skip
    assert wanted <= MockAgainstModel.reached, f"the model never reached {wanted - MockAgainstModel.reached}"


def test_each_refusal_of_the_mock_has_a_code_and_a_status_the_spec_documents() -> None:
    """Outcome restates each code with its status: held to the spec's code lists, statuses, envelopes and samples."""
    document, facts = spec.load(), api.shared()
    statuses = {outcome.code: outcome.status for outcome in Outcome if outcome.code is not None}
    assert set(statuses) == {code for operation in facts for code in operation.refusal.codes}
    for operation in facts:
        for status_text, response in document["paths"][operation.path][operation.method.lower()]["responses"].items():
            while "$ref" in response:
                response = spec.follow(document, response["$ref"])
            refusals = [code for code in operation.refusal.codes if str(statuses[code]) == status_text]
            envelope = f"#/components/schemas/{operation.refusal.envelope}"
            assert not refusals or envelope in json.dumps(response), (operation.operation_id, status_text, refusals)
            for example in response.get("content", {}).get("application/json", {}).get("examples", {}).values():
                sample = example["value"] if isinstance(example["value"], dict) else {}
                code = sample.get(operation.refusal.code_field)
                assert code is None or statuses[code] == int(status_text), (operation.operation_id, code, status_text)
        assert {statuses[code] for code in operation.refusal.codes} <= set(operation.statuses), operation.operation_id


def test_a_code_expires_at_the_exact_instant_codeexpiration_ends() -> None:
    class Frozen(Clock):
        def now(self) -> float:
            return self.offset

    key, store = ("m", "tok", "c1"), SessionStore(limits=Limits(code_expiration_minutes=1), clock=Frozen(100.0))
    for valid_for, outcome in ((59.999, Outcome.INVALID_OTP), (60.0, Outcome.EXPIRED)):
        store.reset()
        store.clock.offset = 100.0
        assert store.trigger(key, "tok") is Outcome.SENT
        store.clock.offset += valid_for
        assert store.validate(key, "tok", "not-the-code") is outcome, valid_for
