"""Issue 24, parts 1, 2 and 8: the mock answers the developer alone (Host allowlist, same-origin JSON controls,
at the mock and through the proxy), every control input is a documented 400 and the state stays strict JSON,
a fault cannot leak an answer into the next one on a kept-alive connection, and the small truths.

Cheap on purpose: the application is called in-process as ASGI (no server), except the keep-alive test, which
needs the wire and uses the session's shared mock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest

from juspay_kit import api
from juspay_kit.commands import mock as mock_command
from juspay_kit.commands.contract import _installed_from
from juspay_kit.mock.app import MockApp, MockSettings
from juspay_kit.mock.callers import allowed_host, host_name
from juspay_kit.mock.double import ControlError, parse_fault, parse_limits
from juspay_kit.mock.process import RunningMock
from juspay_kit.mock.sessions import Limits
from juspay_kit.proxy.app import ProxyApp
from juspay_kit.pytest_plugin import _mock_arguments
from tests.conftest import MockClient, auth_headers

JSON = "application/json"
HOME = "127.0.0.1:8765"  # the Host of the in-process mock; its connections arrive on SERVER
SERVER = ("127.0.0.1", 8765)
TRIGGER = {"tokenReference": "tok", "vProvisionedTokenId": "vpt", "clientReferenceId": "c1", "stepUpRequestId": "cw=="}


def strict(text: bytes) -> Any:
    """JSON as a browser's JSON.parse reads it: NaN and Infinity are not JSON."""

    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


async def _asgi(
    app: Any, method: str, path: str, headers: dict[str, str], body: bytes, server: tuple[str, int] = SERVER
) -> tuple[int, bytes]:
    raw_path, _, query = path.partition("?")
    scope = {"type": "http", "method": method, "path": raw_path, "raw_path": raw_path.encode(),
             "query_string": query.encode(), "server": server, "client": ("127.0.0.1", 50000),
             "headers": [(k.lower().encode(), v.encode("latin-1")) for k, v in headers.items()]}  # fmt: skip
    sent: list[MutableMapping[str, Any]] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def call(
    app: Any,
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes = b"",
    server: tuple[str, int] = SERVER,
    extra: dict[str, str] | None = None,
    **headers: str,
) -> tuple[int, bytes]:
    """(status, body) of one request to an ASGI app, in-process; `body` is sent as JSON, `raw` as it is. Header
    names are given with underscores (content_type=...), or in `extra`; Host defaults to the mock's own."""
    sent = {"host": HOME, **{name.replace("_", "-"): value for name, value in {**headers, **(extra or {})}.items()}}
    if body is not None:
        raw = json.dumps(body).encode()
        sent.setdefault("content-type", JSON)
    return asyncio.run(_asgi(app, method, path, sent, raw, server))


def api_call(app: MockApp, path: str, raw: bytes, host: str = HOME) -> tuple[int, bytes]:
    """An API call with the mock's default credentials."""
    credentials = auth_headers("mock_api_key", "mock_merchant")
    return call(app, "POST", path, raw=raw, host=host, content_type=JSON, authorization=credentials["Authorization"],
                x_merchantid=credentials["x-merchantid"])  # fmt: skip


@pytest.fixture(scope="module")
def app() -> MockApp:
    return MockApp(MockSettings(seed=3, allowed_hosts=("mock.internal",)))


@pytest.fixture
def fresh(app: MockApp) -> MockApp:
    app.reset()
    return app


# ---- part 1: the developer alone ----------------------------------------------------------------------------

FAULT = {"operation": "*", "status": 503, "times": 1000}


@pytest.mark.parametrize(
    ("headers", "status", "field"),
    [
        ({"origin": "http://localhost:3000", "content_type": "text/plain"}, 403, "Origin"),  # fetch, no-cors
        ({"origin": "http://evil.example", "content_type": JSON}, 403, "Origin"),
        ({"origin": "null", "content_type": JSON}, 403, "Origin"),  # a sandboxed frame, a file: page
        ({"origin": "https://127.0.0.1:8765", "content_type": JSON}, 403, "Origin"),
        ({"content_type": "text/plain"}, 400, "Content-Type"),  # a form, enctype text/plain, Origin stripped
        ({"content_type": "application/x-www-form-urlencoded"}, 400, "Content-Type"),
        ({"content_type": "multipart/form-data; boundary=x"}, 400, "Content-Type"),
        ({}, 400, "Content-Type"),
        ({"sec_fetch_site": "cross-site", "sec_fetch_mode": "navigate", "content_type": JSON}, 403, "Sec-Fetch-Site"),
        ({"sec_fetch_site": "same-site", "content_type": JSON}, 403, "Sec-Fetch-Site"),
    ],
    ids=["fetch-no-cors", "foreign", "null", "https", "form-text", "form-urlencoded", "form-multipart", "no-type",
         "cross-site-form", "same-site"],
)  # fmt: skip
def test_a_second_origins_fetch_and_form_post_change_nothing(
    fresh: MockApp, headers: dict[str, str], status: int, field: str
) -> None:
    fresh.store.clock.advance(5)
    for action, body in (("faults", FAULT), ("config", {"maxOTPRequestsAllowed": 1}), ("clock", {"advanceSeconds": 9}),
                         ("reset", {})):  # fmt: skip
        answer = call(fresh, "POST", f"/__mock__/{action}", raw=json.dumps(body).encode(), extra=headers)
        assert answer[0] == status and strict(answer[1])["error_info"]["fields"] == field, (action, answer)
    assert strict(call(fresh, "GET", "/__mock__/faults")[1])["faults"] == []
    assert strict(call(fresh, "GET", "/__mock__/config")[1])["maxOTPRequestsAllowed"] == 3
    assert fresh.store.clock.offset == 5  # neither moved nor reset


def test_the_controls_answer_their_own_origin_and_tools_without_one(fresh: MockApp) -> None:
    assert call(fresh, "POST", "/__mock__/faults", FAULT, origin=f"http://{HOME}")[0] == 201  # the inbox page
    assert call(fresh, "POST", "/__mock__/reset", {}, sec_fetch_site="same-origin")[0] == 200
    assert call(fresh, "POST", "/__mock__/reset", raw=b"", content_type="application/json; charset=utf-8")[0] == 200
    assert call(fresh, "POST", "/__mock__/clock", {"advanceSeconds": 1})[0] == 200  # curl, httpx: no Origin
    page = call(fresh, "GET", "/__mock__/ui", sec_fetch_site="cross-site", sec_fetch_mode="navigate")
    assert page[0] == 200  # a link to the page from elsewhere opens it; the page then reads its own origin
    for read in ("state", "requests", "inbox?tokenReference=tok&clientReferenceId=c1", "faults", "health"):
        assert call(fresh, "GET", f"/__mock__/{read}", origin="http://localhost:3000")[0] == 403, read


def test_a_foreign_host_is_refused_and_sees_no_otp(fresh: MockApp) -> None:
    assert api_call(fresh, "/initiateVerification", json.dumps(TRIGGER).encode())[0] == 200
    otp = strict(call(fresh, "GET", "/__mock__/inbox?tokenReference=tok&clientReferenceId=c1")[1])["otpValue"]
    assert otp.encode() in call(fresh, "GET", "/__mock__/state")[1]
    for path in ("/__mock__/ui", "/__mock__/state", "/__mock__/requests", "/__mock__/inbox?tokenReference=tok&"
                 "clientReferenceId=c1", "/__mock__/health"):  # fmt: skip
        for host in ("rebind.test:8765", "rebind.test", "127.0.0.1.nip.io:8765", "localhost.evil:8765", "[::2]:8765",
                     "10.0.0.1:8765", "", "local host"):  # fmt: skip
            status, body = call(fresh, "GET", path, host=host)
            assert status == 421 and otp.encode() not in body, (path, host, body[:200])
            assert strict(body)["error_info"]["fields"] == "Host"
    for path in ("/initiateVerification", "/__mock__/reset"):  # the API too
        assert api_call(fresh, path, json.dumps(TRIGGER).encode(), host="rebind.test:8765")[0] == 421
    assert len(fresh.journal.entries()) == 1  # the refused call was never served (nor journalled)


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:1", "LOCALHOST.:8765", "app.localhost:3000", "127.0.0.1", "127.9.9.9:80",
             "[::1]:8765", "[::1]", "mock.internal:8765", "MOCK.internal"],
)  # fmt: skip
def test_loopback_names_and_allowed_hosts_are_answered(app: MockApp, host: str) -> None:
    assert call(app, "GET", "/__mock__/health", host=host)[0] == 200
    assert call(app, "POST", "/__mock__/clock", {"advanceSeconds": 0}, host=host, origin=f"http://{host}")[0] == 200


def test_the_bound_address_and_any_host_when_asked(app: MockApp) -> None:
    bound = ("192.0.2.7", 8765)  # bound to 0.0.0.0, reached on this address
    assert call(app, "GET", "/__mock__/health", host="192.0.2.7:8765", server=bound)[0] == 200
    assert call(app, "GET", "/__mock__/health", host="192.0.2.8:8765", server=bound)[0] == 421
    anyone = MockApp(MockSettings(allowed_hosts=("*",)))
    assert call(anyone, "GET", "/__mock__/health", host="rebind.test:1")[0] == 200


def test_allow_host_values_and_host_headers_are_read_strictly() -> None:
    assert [allowed_host(v) for v in ("Mock.Internal.", "[::1]", "*", "my_mock")] == ["mock.internal", "::1", "*",
                                                                                      "my_mock"]  # fmt: skip
    for bad in ("", "a b", "evil/x", "x:80", "[::1", "é.test"):
        with pytest.raises(ValueError):
            allowed_host(bad)
    assert [host_name(v) for v in ("[::1]:80", "a.b:1", "::1", "a:b", "[x]", "a:")] == ["::1", "a.b", None, None,
                                                                                        None, None]  # fmt: skip

    class Config:
        def getoption(self, name: str) -> Any:
            return ["Mock.Internal"] if name == "juspay_mock_allow_host" else None

        def getini(self, name: str) -> Any:
            return ["ignored"] if name == "juspay_mock_allow_host" else ""

    assert _mock_arguments(Config()) == ["--allow-host", "mock.internal"]  # type: ignore[arg-type]


def test_the_proxy_holds_its_control_callers_to_the_same_rules(mock: RunningMock) -> None:
    proxy = ProxyApp(mock.url, timeout=5)
    own = "http://127.0.0.1:8790"
    home = {"host": "127.0.0.1:8790"}

    async def session() -> list[int]:
        async def post(headers: dict[str, str], body: bytes = b'{"operation": "triggerOtp", "status": 500}') -> int:
            return (await _asgi(proxy, "POST", "/__mock__/faults", {**home, **headers}, body))[0]

        statuses = [
            await post({"content-type": JSON, "origin": "http://localhost:3000"}),
            await post({"content-type": "text/plain"}),
            await post({"content-type": JSON, "sec-fetch-site": "cross-site"}),
            await post({"content-type": JSON, "host": "rebind.test:8790"}),
            (await _asgi(proxy, "GET", "/__mock__/state", {"host": "rebind.test:8790"}, b""))[0],
            await post({"content-type": JSON, "origin": own, "sec-fetch-site": "same-origin"}),  # the page: passed
            (await _asgi(proxy, "DELETE", "/__mock__/faults", home, b""))[0],
        ]
        proxy._upstream.close()
        return statuses

    assert asyncio.run(session()) == [403, 400, 403, 421, 421, 201, 200]


# ---- part 2: every input a documented answer ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "raw", "field"),
    [
        ("faults", b'{"operation": ["triggerOtp"], "status": 500}', "operation"),
        ("faults", b'{"operation": {"a": 1}, "status": 500}', "operation"),
        ("faults", b'{"operation": "triggerOtp", "status": 500, "times": 1' + b"0" * 400 + b"}", "times"),
        ("faults", b'{"operation": "triggerOtp", "status": 500, "times": 1e400}', "times"),
        ("faults", b'{"operation": "triggerOtp", "status": 500, "delaySeconds": NaN}', "body"),
        ("faults", b'{"operation": "\\ud800", "status": 500}', "operation"),
        ("faults", b'{"operation": "triggerOtp", "status": 500, "body": {"x": "\\udc00"}}', "body/x"),
        ("faults", b'{"operation": "triggerOtp", "status": 500, "body": [-Infinity]}', "body"),
        ("faults", b'{"\\ud800": 1}', "\\ud800"),
        ("faults", b'{"operation": "triggerOtp", "status": 100}', "status"),
        ("faults", b'{"operation": "triggerOtp", "status": 103}', "status"),
        ("faults", b'{"operation": "triggerOtp", "status": 600}', "status"),
        ("faults", b'{"operation": "triggerOtp", "status": 204, "body": ""}', "body"),
        ("faults", b'{"operation": "triggerOtp", "status": 304, "body": {"a": 1}}', "body"),
        ("config", b'{"codeExpirationMinutes": 1' + b"0" * 400 + b"}", "codeExpirationMinutes"),
        ("config", b'{"maxOTPRequestsAllowed": 1e400}', "maxOTPRequestsAllowed"),
        ("config", b'{"maxOTPRequestsAllowed": "3"}', "maxOTPRequestsAllowed"),
        ("config", b'{"requireProvisioning": 1}', "requireProvisioning"),
        ("clock", b'{"advanceSeconds": 1' + b"0" * 400 + b"}", "advanceSeconds"),
        ("clock", b'{"advanceSeconds": "\\ud800"}', "advanceSeconds"),
        ("clock", b"[1]", "advanceSeconds"),
        ("reset", b'{"everything": true}', "everything"),
        ("reset", b"[]", "body"),
    ],
)
def test_a_hazardous_control_body_is_a_400_naming_it(fresh: MockApp, action: str, raw: bytes, field: str) -> None:
    status, body = call(fresh, "POST", f"/__mock__/{action}", raw=raw, content_type=JSON)
    assert status == 400 and strict(body)["error_info"]["fields"] == field, body
    assert not fresh.faults.pending()


def test_the_state_stays_strict_json_whatever_the_api_was_sent(fresh: MockApp) -> None:
    bodies = [b'{"tokenReference": NaN}', b'{"tokenReference": 1e999}', b'{"tokenReference": "\\ud800"}',
              b'{"a": [Infinity]}', b'{"tokenReference": 1' + b"0" * 400 + b"}"]  # fmt: skip
    for raw in bodies:
        status, answer = api_call(fresh, "/initiateVerification", raw)
        assert status == 400 and strict(answer)["error_info"]["code"] == "INVALID_INPUT", answer
        if raw.startswith(b'{"tokenReference": 1') or b"ud800" in raw:  # parsed, refused naming the field
            assert strict(answer)["error_info"]["fields"] == "/tokenReference", answer
    for read in ("state", "requests"):
        status, answer = call(fresh, "GET", f"/__mock__/{read}")
        assert status == 200
        journal = strict(answer)["requests"]
        assert len(journal) == len(bodies) and all(isinstance(entry["body"], str) for entry in journal)  # as text


@pytest.mark.parametrize("status", [204, 304])
def test_no_fault_answer_leaks_into_the_next_on_a_kept_alive_connection(client: MockClient, status: int) -> None:
    smuggled = json.dumps({"errorMessage": None, "status": "SUCCESS", "errorCode": None,
                           "response": {"maxOTPVerificationAllowed": 99, "maxOTPRequestsAllowed": 99,
                                        "codeExpiration": 99}})  # fmt: skip
    answer = f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(smuggled)}\r\n\r\n{smuggled}"
    with_body = client.http.post("/__mock__/faults", json={"operation": "triggerOtp", "status": status, "body": answer})
    assert client.http.post("/__mock__/faults", json={"operation": "triggerOtp", "status": status}).status_code == 201
    with httpx.Client(base_url=str(client.http.base_url), headers=auth_headers(), timeout=5, trust_env=False) as http:
        first = http.post("/initiateVerification", json=TRIGGER)
        second = http.post("/initiateVerification", json=TRIGGER)
    assert first.status_code == status and first.content == b""
    assert second.status_code == 200 and second.json()["response"]["maxOTPRequestsAllowed"] == 3, second.text
    assert with_body.status_code == 400 and with_body.json()["error_info"]["fields"] == "body"


# ---- part 8: small truths ------------------------------------------------------------------------------------


def test_the_mock_help_names_every_operation_of_the_spec(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        mock_command.main(["--help"])
    text = " ".join(capsys.readouterr().out.split()).lower()
    missing = [facts.summary for facts in api.shared() if facts.summary.lower() not in text]
    assert not missing and "--allow-host" in text


def test_the_contract_extra_hint_adds_the_extra_where_the_kit_came_from() -> None:
    wheel = '{"url": "file:///tmp/w/juspay_visa_agentic_kit-0.6.0-py3-none-any.whl", "archive_info": {}}'
    assert _installed_from(wheel) == '"/tmp/w/juspay_visa_agentic_kit-0.6.0-py3-none-any.whl[contract]"'
    assert _installed_from('{"url": "file:///src/kit", "dir_info": {"editable": true}}') == '-e "/src/kit[contract]"'
    vcs = '{"url": "https://me:t0ken@git.example/kit.git", "vcs_info": {"vcs": "git", "commit_id": "abc"}}'
    assert _installed_from(vcs) == '"juspay-visa-agentic-kit[contract] @ git+https://git.example/kit.git@abc"'
    assert _installed_from(None) is None and _installed_from("[") is None  # from an index: named with its version


def test_a_number_beyond_float_range_is_refused_before_any_float_conversion() -> None:
    """A Python int the JSON hazard check never saw (a caller of the parsers): still a ControlError by name."""
    with pytest.raises(ControlError) as refused:
        parse_limits({"codeExpirationMinutes": 10**400}, Limits())
    assert refused.value.field == "codeExpirationMinutes"
    with pytest.raises(ControlError) as refused:
        parse_fault({"operation": "triggerOtp", "status": 500, "times": 10**400}, {"triggerOtp"})
    assert refused.value.field == "times"
