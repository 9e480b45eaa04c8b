"""Recordings in the ecosystem's formats: HAR 1.2 (DevTools, mitmproxy, `juspay-proxy --record x.har`), VCR.py
cassettes and the kit's own, read with the fault's position, written masked and whole, converted."""

from __future__ import annotations

import base64
import copy
import errno
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juspay_kit.commands import convert as convert_command
from juspay_kit.commands import proxy as proxy_command
from juspay_kit.errors import UsageError
from juspay_kit.proxy import cassette, har, recorded, recordings
from juspay_kit.proxy.app import ProxyApp
from juspay_kit.redact import Redactor
from juspay_kit.spec import ROOT
from juspay_kit.traffic import drift
from tests import broken_servers
from tests.broken_servers import serve, serve_app
from tests.commands import run_command
from tests.recording_samples import BASIC, OTP, PNG, VCRPY, chromium, kit_cassette, kit_lines, mitmproxy
from tests.test_proxy import KEY, MERCHANT, headers, trigger_body, validate_body


def exchanges(path: Path, fmt: str | None = None) -> list[dict[str, Any]]:
    return list(recordings.read(path, fmt).exchanges)


def kept(exchange: dict[str, Any]) -> tuple[Any, ...]:
    request, response = exchange["request"], exchange["response"] or {}
    bodies = [{k: v for k, v in part.items() if k.startswith("body")} for part in (request, response)]
    return request["method"], request["path"], request["query"], response.get("status"), bodies


def test_a_kit_cassette_round_trips_through_har_and_vcr_and_back(tmp_path: Path) -> None:
    source = kit_cassette(tmp_path / "a.jsonl")
    chain = [source, tmp_path / "b.har", tmp_path / "c.yaml", tmp_path / "d.cassette"]
    for before, after in zip(chain, chain[1:], strict=False):
        assert recordings.convert(before, after).count == 3
    assert [recordings.read(p).format for p in chain] == ["kit", "har", "vcr", "kit"]
    assert [kept(e) for e in exchanges(chain[-1])] == [kept(e) for e in exchanges(source)]
    document = json.loads(chain[1].read_text())["log"]
    assert (document["version"], document["creator"]["name"]) == ("1.2", "juspay-kit")
    assert yaml.safe_load(chain[2].read_text())["version"] == 1


HAZARDS = {"a lone surrogate": '"\\ud800"', "a number that is not finite": "1e400", "a number out of range": "9" * 400}


@pytest.mark.parametrize("what", list(HAZARDS))
def test_a_body_no_validator_takes_is_read_as_text_and_drift_names_its_field(tmp_path: Path, what: str) -> None:
    """Readers keep as `body` only JSON every validator takes, and drift hands that to the checks as parsed: a
    body holding a hazard is read as text (a HAR's and a kit cassette's alike), and drift names the field."""
    text = '{"status": "SUCCESS", "response": {"maxOTPRequestsAllowed": ' + HAZARDS[what] + "}}"
    answer = {"status": 200, "headers": [{"name": "content-type", "value": "application/json"}],
              "content": {"mimeType": "application/json", "text": text}}  # fmt: skip
    entry = {
        "startedDateTime": "2026-12-06T00:00:00.000Z",
        "time": 1,
        "response": answer,
        "request": {"method": "POST", "url": "https://sandbox.juspay.in/initiateVerification", "headers": []},
    }
    (tmp_path / "h.har").write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}))
    line = {
        "seq": 1,
        "at": 0,
        "request": {"method": "POST", "path": "/initiateVerification", "query": "", "headers": {}},
        "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": json.loads(text)},
    }
    header = {"format": "juspay-cassette", "version": 1, "upstream": "https://sandbox.juspay.in"}
    (tmp_path / "h.jsonl").write_text(json.dumps(header) + "\n" + json.dumps(line) + "\n")
    for path in (tmp_path / "h.har", tmp_path / "h.jsonl"):
        (read_back,) = exchanges(path)
        assert "body" not in read_back["response"] and "bodyText" in read_back["response"]
        findings = drift.drift([recordings.read(path)]).findings
        assert f"body field /response/maxOTPRequestsAllowed holds {what}" in [f.message for f in findings]


@pytest.mark.parametrize(
    ("starts", "ats"),
    [
        (["2026-12-06T10:00:01.500Z", "2026-12-06T10:00:00.000Z"], [1.5, 0]),  # one layout: the least text is first
        (["2026-12-06T10:00:00.000Z", "2026-12-06T10:30:00.000+01:00"], [1800, 0]),  # another zone: parsed, earlier
        (["2026-12-06T09:00:00Z", "20261206T080000Z"], [3600, 0]),  # another layout: the least text is not first
    ],
)
def test_each_exchange_is_timed_from_the_earliest_start(tmp_path: Path, starts: list[str], ats: list[float]) -> None:
    request = {"method": "POST", "url": "https://sandbox.juspay.in/initiateVerification", "headers": []}
    entries = [{"startedDateTime": start, "time": 1, "request": request, "response": None} for start in starts]
    (tmp_path / "t.har").write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
    assert [e["at"] for e in exchanges(tmp_path / "t.har")] == ats


def test_a_har_exported_by_chromium_reads_right(tmp_path: Path) -> None:
    (path := tmp_path / "devtools.har").write_text(json.dumps(chromium(), indent=2))
    recording = recordings.read(path)
    assert (recording.format, recording.origin) == ("har", "https://sandbox.juspay.in")
    trigger, refused, page = list(recording.exchanges)  # the websocket is no HTTP exchange
    assert [e["ref"] for e in (trigger, refused, page)] == ["log.entries[0]", "log.entries[2]", "log.entries[3]"]
    sent = {"content-type": "application/json", "accept": "application/json, text/plain"}  # no ":authority"
    assert trigger["request"] == {"method": "POST", "path": "/initiateVerification", "query": "source=web&x=1",
                                  "headers": sent, "body": trigger_body("s-1")}  # fmt: skip
    assert trigger["response"]["body"] == broken_servers.TRIGGER_SENT and trigger["origin"] == recording.origin
    assert (trigger["at"], refused["at"], page["at"], trigger["elapsedMs"]) == (1.0, 3.5, 0, 12.5)
    assert (refused["response"], refused["error"]) == (None, "net::ERR_CONNECTION_REFUSED")
    assert page["response"]["bodyText"] == "<html></html>" and page["origin"] == "http://localhost:3000"


def test_a_har_written_by_mitmproxy_reads_right(tmp_path: Path) -> None:
    (path := tmp_path / "flows.har").write_text(json.dumps(mitmproxy()))
    inbox, bind, logo = exchanges(path)
    assert inbox["response"]["body"] == {"message": f"your code is {OTP}"}  # base64 content that is JSON
    assert logo["response"]["bodyBase64"] == base64.b64encode(PNG).decode()
    assert bind["response"]["headers"]["set-cookie"] == "a=1, b=2" and bind["origin"] == "http://127.0.0.1:8765"
    assert bind["request"]["body"]["otpValue"] == OTP and bind["startedAt"] == "2025-03-01T10:00:01+00:00"


def test_a_vcr_cassette_as_vcrpy_writes_it_for_httpx_reads_right(tmp_path: Path) -> None:
    (path := tmp_path / "test_flow.yaml").write_text(VCRPY)
    recording = recordings.read(path)
    trigger, health = list(recording.exchanges)
    assert (recording.format, recording.origin, trigger["ref"]) == ("vcr", "http://127.0.0.1:8765", "interactions[0]")
    assert trigger["request"]["body"] == trigger_body("s-1")  # the !!binary body
    assert trigger["response"]["headers"]["x-many"] == "one, two" and trigger["response"]["body"]["errorCode"] is None
    assert (health["request"]["query"], health["response"]["status"], health["response"]["bodyText"]) == (
        "verbose=1", 204, "ok")  # fmt: skip
    as_json = tmp_path / "cassette.json"
    as_json.write_text(json.dumps(yaml.load(VCRPY, yaml.SafeLoader), default=bytes.decode))
    assert recordings.read(as_json).format == "vcr"  # vcrpy's JSON serializer


BAD_HAR = [
    (lambda e: e[0]["response"].update(status="200"), "log.entries[0].response.status: must be an integer"),
    (lambda e: e[2]["request"].update(url="ftp://x/y"), "log.entries[2].request.url: must be an http(s)"),
    (lambda e: e[0]["request"].update(url="https://x.io"), "log.entries[0].request.url: has no path"),
    (lambda e: e[3]["request"]["headers"].append(7), "log.entries[3].request.headers[0]: must be"),
    (lambda e: e[0]["response"]["content"].update(encoding="gzip"), "log.entries[0].response.content.encoding: must"),
    (lambda e: e[2].update(time="slow"), "log.entries[2].time: must be a number"),
]


@pytest.mark.parametrize(("change", "where"), BAD_HAR)
def test_a_bad_har_is_named_with_the_entry_and_field(tmp_path: Path, change: Any, where: str) -> None:
    document = chromium()
    change(document["log"]["entries"])
    (path := tmp_path / "bad.har").write_text(json.dumps(document))
    with pytest.raises(UsageError) as refused:
        exchanges(path, "har")
    assert str(refused.value).startswith(f"{path}: {where}") and "\n" not in str(refused.value)


@pytest.mark.parametrize(("text", "where"), [
    ('{"log": {\n  "entries": [\n    {"x": tru}]}}', ":3:11: not valid JSON"),
    ("interactions:\n- request: {method: GET\n  uri: x\n", ":3:6: not valid YAML"),
    ("interactions:\n- request: !!python/object:os.system {}\n", ":2:12: not valid YAML"),
    ("interactions:\n- request: {method: GET, uri: 'http://h/p'}\n  response: {status: {code: 99}}\n",
     ": interactions[0].response.status.code: must be an HTTP status"),
    ('{"format": "juspay-cassette", "version": 1}\n{"seq": 1, "request": {"method": "GET", "path": "/x"}}\n\n[]\n',
     ":4: not a JSON object"),
    ("just some words\n", " is not a recording this kit reads: HAR 1.2"),
    ("", " is not a recording this kit reads"),
])  # fmt: skip
def test_a_bad_file_is_named_with_the_position_of_the_fault(tmp_path: Path, text: str, where: str) -> None:
    (path := tmp_path / "bad").write_text(text)
    with pytest.raises(UsageError) as refused:
        exchanges(path)
    assert str(refused.value).startswith(f"{path}{where}"), str(refused.value)


def test_a_kit_cassette_is_read_one_line_at_a_time(tmp_path: Path) -> None:
    path = kit_cassette(tmp_path / "c.jsonl")
    path.write_text(path.read_text() + "not json\n")
    lines = recordings.read(path).exchanges  # the bad line is not reached yet
    assert [next(lines)["ref"] for _ in range(3)] == ["line 2", "line 3", "line 4"]
    with pytest.raises(UsageError, match=":5: not a JSON line"):
        next(lines)


def test_a_yaml_alias_bomb_is_refused_fast(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9)
    )
    (path := tmp_path / "bomb.yaml").write_text("interactions: []\n" + bomb)
    (loop := tmp_path / "loop.yaml").write_text("interactions: &a [*a]\n")
    started = time.perf_counter()
    for refused in (path, loop):
        with pytest.raises(UsageError, match="aliases expand it"):
            recordings.read(refused)
    assert time.perf_counter() - started < 1


def test_a_fifo_a_huge_file_and_a_huge_body_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(fifo := tmp_path / "fifo.har")
    with pytest.raises(UsageError, match="not a regular file"):
        recordings.read(fifo)
    (path := tmp_path / "devtools.har").write_text(json.dumps(chromium()))
    monkeypatch.setattr(recorded, "MAX_BODY_BYTES", 100)
    with pytest.raises(UsageError, match=r"entries\[0\].request.postData.text: larger than 100 bytes"):
        exchanges(path)
    monkeypatch.setattr(cassette, "MAX_CASSETTE_BYTES", 1000)
    with pytest.raises(UsageError, match="larger than 1000 bytes"):
        recordings.read(path)


def _positions(value: Any, where: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [where]
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, item in children:
        found += _positions(item, (*where, key))
    return found


def _changed(document: Any, where: tuple[Any, ...], new: Any) -> Any:
    document = copy.deepcopy(document)
    if not where:
        return new
    parent = document
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = new
    return document


SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | st.binary(max_size=4)
JSONISH = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                       max_size=3), max_leaves=6)  # fmt: skip
SOURCES = {"har": json.dumps(mitmproxy()), "vcr": VCRPY, "kit": kit_lines()}
KIT_LINES = [json.loads(line) for line in kit_lines().splitlines()]
DOCUMENTS = {"har": mitmproxy(), "vcr": yaml.load(VCRPY, yaml.SafeLoader), "kit": KIT_LINES}
FUZZ = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _only_usage_errors(raw: bytes, convert: bool = False) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (path := Path(folder) / "in").write_bytes(raw)
        try:
            read = exchanges(path)
            if convert:
                for fmt in recordings.FORMATS:
                    recordings.write(Path(folder) / fmt, fmt, read, {"upstream": "http://127.0.0.1"})
        except UsageError as exc:
            assert "\n" not in str(exc)


@FUZZ
@given(st.sampled_from(sorted(SOURCES)), st.data())
def test_truncated_files_and_garbage_give_a_usage_error_never_a_traceback(fmt: str, data: st.DataObject) -> None:
    raw = SOURCES[fmt].encode()
    cut = raw[: data.draw(st.integers(0, len(raw)))]
    _only_usage_errors(cut + data.draw(st.binary(max_size=20)))


@FUZZ
@given(st.sampled_from(sorted(DOCUMENTS)), st.data(), JSONISH)
def test_a_wrong_type_at_any_level_gives_a_usage_error_never_a_traceback(
    fmt: str, data: st.DataObject, new: Any
) -> None:
    document = DOCUMENTS[fmt]
    changed = _changed(document, data.draw(st.sampled_from(_positions(document))), new)
    lines = changed if fmt == "kit" and isinstance(changed, list) else [changed]
    raw = "\n".join(json.dumps(x, default=repr) for x in lines) if fmt != "vcr" else yaml.safe_dump(changed)
    _only_usage_errors(raw.encode(), convert=True)


def test_conversion_masks_the_key_its_basic_form_and_the_otp_in_every_format(tmp_path: Path) -> None:
    (source := tmp_path / "mitm.har").write_text(json.dumps(mitmproxy()))
    for name in ("out.har", "out.yaml", "out.jsonl"):
        recordings.convert(source, tmp_path / name)
        written = (tmp_path / name).read_text()
        assert "Basic [masked-key-1]" in written and "[masked-otp]" in written, name
        for secret in (KEY, OTP, *(BASIC[i : i + 8] for i in range(len(BASIC) - 8))):
            assert secret not in written, (name, secret)


def _write_har(path: Path, seq: int) -> None:
    writer = recordings.recorder_for(path, {"upstream": "http://127.0.0.1:9"}, Redactor())
    assert isinstance(writer, har.HarWriter)
    writer.write(next(iter(exchanges(kit_cassette(path.with_suffix(".jsonl"))))) | {"seq": seq})
    writer.close()


def test_the_har_writer_keeps_a_valid_har_after_every_write_and_appends(tmp_path: Path) -> None:
    path = tmp_path / "x.Har"
    redactor = Redactor()
    redactor.add_api_key(KEY)
    writer = har.HarWriter(path, {"upstream": "http://127.0.0.1:9"}, redactor)
    assert json.loads(path.read_text())["log"]["entries"] == []
    for seq in (1, 2):
        writer.write({"seq": seq, "at": 0, "request": {"method": "GET", "path": "/p", "query": "", "headers": {},
                      "bodyText": f"key {KEY}"}, "response": None, "error": "unreachable"})  # fmt: skip
        assert len(json.loads(path.read_text())["log"]["entries"]) == seq
    writer.close()
    _write_har(path, 3)
    assert [e["seq"] for e in exchanges(path)] == [1, 2, 3] and KEY not in path.read_text()
    assert exchanges(path)[0]["error"] == "unreachable" and exchanges(path)[2]["response"]["status"] == 201


def test_a_failed_har_write_is_cut_back_to_the_last_whole_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_har(path := tmp_path / "x.har", 1)
    writer = har.HarWriter(path, {}, Redactor())
    real = os.pwrite

    def full_disk(fd: int, data: bytes, offset: int) -> int:
        if len(data) > len(har.CLOSING):
            real(fd, data[: len(data) // 2], offset)  # a torn entry, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", full_disk)
    writer.write(exchanges(path)[0])
    writer.close()
    assert writer.failed == "No space left on device" and [e["seq"] for e in exchanges(path)] == [1]


def test_an_existing_file_that_is_not_a_har_this_kit_wrote_is_refused_untouched(tmp_path: Path) -> None:
    (notes := tmp_path / "notes.har").write_text("my notes")
    (devtools := tmp_path / "devtools.har").write_text(json.dumps(chromium()))
    (link := tmp_path / "link.har").symlink_to(tmp_path / "elsewhere.har")
    os.mkfifo(fifo := tmp_path / "fifo.har")
    for target, why in ((notes, "is not a HAR file this kit wrote"), (devtools, "is not a HAR file this kit wrote"),
                        (link, "symlink"), (fifo, "not a regular file")):  # fmt: skip
        before = target.read_bytes() if target in (notes, devtools) else b""
        with pytest.raises(UsageError, match=why):
            har.HarWriter(target, {}, Redactor())
        assert target in (link, fifo) or target.read_bytes() == before
    # the command's --record takes the same path for a .har (a symlink: refused before anything could listen)
    ran = run_command(proxy_command.main, ["--upstream", "http://127.0.0.1:9", "--port", "0", "--record", str(link)])
    assert ran.returncode == 2 and len(ran.stderr.splitlines()) == 1, ran.stderr
    assert "cannot write the HAR file" in ran.stderr and not (tmp_path / "elsewhere.har").exists()


def test_the_proxy_records_har_when_the_file_ends_in_har(tmp_path: Path) -> None:
    record = tmp_path / "traffic.HAR"
    redactor = Redactor()
    with serve(broken_servers.conformant, credentials=(KEY, MERCHANT)) as upstream:
        recorder = recordings.recorder_for(record, {"upstream": upstream}, redactor)
        app = ProxyApp(upstream, recorder=recorder, redactor=redactor, out=io.StringIO(), timeout=5)
        with serve_app(app, lifespan="on") as url, httpx.Client(base_url=url, trust_env=False) as http:
            http.post("/initiateVerification", json=trigger_body("s-1"), headers=headers())
            otp = httpx.get(
                f"{upstream}/__mock__/inbox", params={"tokenReference": "tok-1", "clientReferenceId": "s-1"}
            )
            http.post("/validateOtp", json=validate_body("s-1", otp.json()["otpValue"]), headers=headers())
        recorder.close()
    other = recordings.recorder_for(tmp_path / "x.jsonl", {}, redactor)
    assert isinstance(recorder, har.HarWriter) and isinstance(other, cassette.CassetteWriter)
    other.close()
    trigger, bind = exchanges(record, "har")
    assert (trigger["operation"], bind["response"]["status"], bind["origin"]) == ("triggerOtp", 200, upstream)
    assert bind["request"]["headers"]["authorization"] == "Basic [masked-key-1]"
    assert bind["request"]["body"]["otpValue"] == "[masked-otp]" and KEY not in record.read_text()
    assert otp.json()["otpValue"] not in record.read_text()


def test_juspay_convert_prints_one_line_and_leaves_the_target_untouched_on_a_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (source := tmp_path / "in.har").write_text(json.dumps(chromium()))
    ran = run_command(convert_command.main, [str(source), str(target := tmp_path / "out.jsonl")])
    assert ran.returncode == 0 and ran.stdout == f"converted 3 exchanges from har to kit: {target}\n"
    ran = run_command(convert_command.main, [str(source), str(tmp_path / "o.txt"), "--to", "vcr"])
    assert ran.stdout == f"converted 2 exchanges from har to vcr (1 without an answer left out): {tmp_path / 'o.txt'}\n"
    before, document = target.read_bytes(), chromium()
    document["log"]["entries"][3]["response"]["status"] = "x"
    source.write_text(json.dumps(document))
    ran = run_command(convert_command.main, [str(source), str(target)])
    assert ran.returncode == 2 and "log.entries[3].response.status" in ran.stderr and len(ran.stderr.splitlines()) == 1
    assert target.read_bytes() == before

    def failing() -> Any:
        yield exchanges(tmp_path / "o.txt")[0]
        raise recorded.fault(source, "x", "stop")

    with pytest.raises(UsageError, match="stop"):  # a failure while writing: the target and no temporary remain
        recordings.write(target, "har", failing(), {})
    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", lambda *_: (_ for _ in ()).throw(OSError(errno.EXDEV, "Cross-device link")))
        with pytest.raises(UsageError, match="cannot write .*: Cross-device link"):
            recordings.write(target, "kit", [], {})
    assert target.read_bytes() == before and {p.name for p in tmp_path.iterdir()} == {"in.har", "o.txt", "out.jsonl"}
    script = subprocess.run([sys.executable, str(ROOT / "scripts" / "convert.py"), str(source), str(target)],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert script.returncode == 2 and "Traceback" not in script.stderr and len(script.stderr.splitlines()) == 1
