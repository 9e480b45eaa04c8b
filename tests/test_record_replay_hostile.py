"""Nothing a user records is lost, and replay holds against hostile cassettes: --record appends and refuses
what is not a cassette file, a full disk leaves whole lines, replay refuses bad shapes by line, spends a
budget, never sends recorded transport headers, and fails on an empty cassette."""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from juspay_kit.commands import proxy as proxy_command
from juspay_kit.commands import replay as replay_command
from juspay_kit.proxy import READY_PREFIX, cassette
from juspay_kit.redact import Redactor
from tests import broken_servers
from tests.broken_servers import serve
from tests.commands import run_command
from tests.hostile import hostile
from tests.loopback import http_answer, raw_server
from tests.test_proxy import KEY, MERCHANT, headers, trigger_body

HEADER = {"format": "juspay-cassette", "version": 1, "upstream": "http://127.0.0.1:9"}


def exchange(number: int, **changes: Any) -> dict[str, Any]:
    recorded = {
        "seq": number, "at": 0.0, "operation": "triggerOtp",
        "request": {"method": "POST", "path": "/initiateVerification", "query": "",
                    "headers": {"authorization": "Basic [masked-key-1]", "x-merchantid": "m",
                                "content-type": "application/json"},
                    "body": trigger_body(f"s-{number}")},
        "response": {"status": 200, "headers": {}, "body": broken_servers.TRIGGER_SENT},
        "error": None, "violations": [],
    }  # fmt: skip
    return recorded | changes


def write(path: Path, *records: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def replay(*args: str) -> subprocess.CompletedProcess[str]:
    return run_command(replay_command.main, args, env={})


# ---- --record ------------------------------------------------------------------------------------------


def test_record_refuses_what_is_not_a_cassette_file_and_leaves_it_as_it_was(tmp_path: Path) -> None:
    precious = write(tmp_path / "notes.txt", {"mine": True})
    link = tmp_path / "link.jsonl"
    link.symlink_to(tmp_path / "elsewhere.jsonl")
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    for target, why in ((precious, "is not a cassette"), (link, "symlink"), (fifo, "not a regular file")):
        ran = run_command(
            proxy_command.main, ["--upstream", "http://127.0.0.1:9", "--port", "0", "--record", str(target)]
        )
        assert ran.returncode == 2 and why in ran.stderr and len(ran.stderr.splitlines()) == 1, ran.stderr
    assert json.loads(precious.read_text()) == {"mine": True} and not (tmp_path / "elsewhere.jsonl").exists()


def test_a_failed_start_leaves_an_existing_cassette_whole(tmp_path: Path) -> None:
    kept = write(tmp_path / "kept.jsonl", HEADER, exchange(1))
    before = kept.read_bytes()
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        ran = run_command(
            proxy_command.main, ["--upstream", "http://127.0.0.1:9", "--port", port, "--record", str(kept)]
        )
    assert ran.returncode == 2 and "cannot listen" in ran.stderr
    assert kept.read_bytes() == before


def test_a_second_recording_appends_a_segment_that_replay_reads(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    for seq in (1, 2):
        writer = cassette.CassetteWriter(path, {"upstream": "x"}, Redactor())
        writer.write(exchange(seq))
        writer.close()
    header, exchanges = cassette.read(path)
    assert header["upstream"] == "x" and [e["seq"] for e in exchanges] == [1, 2]


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (2500, 2500))


def test_a_full_disk_stops_recording_with_one_line_and_leaves_no_torn_line(tmp_path: Path) -> None:
    record = tmp_path / "c.jsonl"
    with serve(broken_servers.conformant, credentials=(KEY, MERCHANT)) as upstream:
        command = [sys.executable, "-m", "juspay_kit.commands.proxy", "--upstream", upstream, "--port", "0",
                   "--record", str(record)]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=_limit_file_size)  # fmt: skip
        assert process.stdout is not None
        ready = process.stdout.readline()
        url = ready[len(READY_PREFIX) :].split()[0]
        for index in range(6):
            answer = httpx.post(f"{url}/initiateVerification", json=trigger_body(f"s-{index}"), headers=headers(),
                                trust_env=False)  # fmt: skip
            assert answer.status_code == 200  # forwarding goes on
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    assert "Traceback" not in err and err.strip() == "", err
    assert [line for line in out.splitlines() if "cannot write the cassette" in line] != []
    assert out.splitlines()[-1].startswith("juspay-proxy: 6 exchanges")
    lines = record.read_text().splitlines()
    assert 1 < len(lines) < 7 and all(json.loads(line) for line in lines)  # whole lines only


# ---- replay ---------------------------------------------------------------------------------------------


def test_an_empty_cassette_fails_with_nothing_to_replay(tmp_path: Path) -> None:
    with serve(broken_servers.conformant) as url:
        ran = replay(str(write(tmp_path / "c.jsonl", HEADER)), "--against", url, "--report-dir", str(tmp_path / "r"))
    assert ran.returncode == 1 and "nothing to replay" in ran.stdout


def _api_only(seen: list[bytes]) -> list[bytes]:
    return [request for request in seen if not request.startswith(b"GET /__mock__/")]


def _answer(number: int, request: bytes) -> tuple[bytes, bool]:
    if request.startswith(b"GET /__mock__/"):
        return http_answer(404, b"{}"), False
    return http_answer(200, json.dumps(broken_servers.TRIGGER_SENT).encode()), False


def test_recorded_transport_headers_are_never_sent(tmp_path: Path) -> None:
    sent = exchange(1)
    sent["request"]["headers"] |= {"Transfer-Encoding": "chunked", "Host": "elsewhere.example", "Connection": "x"}
    with raw_server(_answer) as (url, seen):
        ran = replay(str(write(tmp_path / "c.jsonl", HEADER, sent)), "--against", url, "--report-dir", str(tmp_path))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    head = _api_only(seen)[0].split(b"\r\n\r\n")[0].lower()
    assert b"transfer-encoding" not in head and b"elsewhere" not in head and b"connection: x" not in head


def test_replay_spends_at_most_its_budget(tmp_path: Path) -> None:
    path = write(tmp_path / "c.jsonl", HEADER, *(exchange(seq) for seq in range(1, 6)))
    with raw_server(_answer) as (url, seen):
        ran = replay(str(path), "--against", url, "--budget", "2", "--report-dir", str(tmp_path))
    assert len(_api_only(seen)) == 2 and "3 skipped" in ran.stdout, ran.stdout


def test_an_unwritable_report_folder_is_refused_before_any_request(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    with raw_server(_answer) as (url, seen):
        ran = replay(str(write(tmp_path / "c.jsonl", HEADER, exchange(1))), "--against", url, "--report-dir",
                     str(blocked / "reports"))  # fmt: skip
    assert ran.returncode == 2 and seen == []


def test_a_refusal_code_difference_alone_is_a_difference(tmp_path: Path) -> None:
    recorded = exchange(1, response={"status": 409, "headers": {}, "body": {
        "status": "FAILURE", "errorCode": "TOKEN_MISMATCH", "errorMessage": "x", "response": None}})  # fmt: skip
    refusal = {"status": "FAILURE", "errorCode": "DEVICE_ALREADY_BOUND", "errorMessage": "x", "response": None}
    with raw_server(lambda n, r: (http_answer(404 if r.startswith(b"GET") else 409, json.dumps(refusal).encode()),
                                  False)) as (url, _):  # fmt: skip
        ran = replay(
            str(write(tmp_path / "c.jsonl", HEADER, recorded)), "--against", url, "--report-dir", str(tmp_path)
        )
    assert ran.returncode == 1 and "refusal code TOKEN_MISMATCH -> DEVICE_ALREADY_BOUND" in ran.stdout


BAD: dict[str, dict[str, Any]] = {
    "seq": {"seq": "1"},
    "negative-seq": {"seq": -3},
    "at": {"at": "soon"},
    "operation-list": {"operation": ["triggerOtp"]},
    "unicode-method": {"request": {"method": "PÖST", "path": "/x"}},
    "method-missing": {"request": {"path": "/x"}},
    "absolute-path": {"request": {"method": "POST", "path": "http://evil.example/x"}},
    "non-latin-1-header": {"request": {"method": "POST", "path": "/x", "headers": {"x-a": "€"}}},
    "header-name": {"request": {"method": "POST", "path": "/x", "headers": {"bad name": "v"}}},
    "status": {"response": {"status": 99999}},
    "violations": {"violations": ["x"]},
    "body-base64": {"request": {"method": "POST", "path": "/x", "bodyBase64": "***"}},
}


@pytest.mark.parametrize("shape", sorted(BAD))
def test_each_bad_cassette_shape_is_named_with_its_line(shape: str, tmp_path: Path) -> None:
    path = write(tmp_path / "c.jsonl", HEADER, exchange(1), exchange(2, **BAD[shape]))
    ran = replay(str(path), "--against", "http://127.0.0.1:9", "--report-dir", str(tmp_path))
    assert ran.returncode == 2 and f"{path}:3: not an exchange" in ran.stderr, ran.stderr
    assert len(ran.stderr.splitlines()) == 1 and "internal error" not in ran.stderr


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_a_cassette_that_is_not_a_regular_file_is_refused_at_once(special: str, tmp_path: Path) -> None:
    path = Path(special)
    if special == "fifo":
        path = tmp_path / "fifo"
        os.mkfifo(path)
    ran = replay(str(path), "--against", "http://127.0.0.1:9", "--report-dir", str(tmp_path))
    assert ran.returncode == 2 and "not a regular file" in ran.stderr


def test_a_non_loopback_bind_needs_allow_remote() -> None:
    ran = run_command(proxy_command.main, ["--upstream", "http://127.0.0.1:9", "--host", "0.0.0.0", "--port", "0"])
    assert ran.returncode == 2 and "--allow-remote" in ran.stderr


def _whole_answer(sock: socket.socket) -> bytes:
    """One JSON answer read off a raw socket, however many packets it came in."""
    sock.settimeout(10)
    data = b""
    while not data.endswith(b"}"):
        piece = sock.recv(65536)
        if not piece:
            break
        data += piece
    return data


def test_sigterm_answers_the_exchange_in_flight_with_a_503_records_it_and_stops_within_seconds(tmp_path: Path) -> None:
    """Also: a slow body gets its 408, and an Upgrade request a JSON refusal with the proxy's marker."""
    record = tmp_path / "c.jsonl"
    with hostile("drip") as upstream:  # an upstream that never finishes its answer
        command = [sys.executable, "-m", "juspay_kit.commands.proxy", "--upstream", upstream, "--port", "0",
                   "--body-timeout", "0.5", "--record", str(record)]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert process.stdout is not None
            ready = process.stdout.readline()[len(READY_PREFIX) :].split()[0]
            host, port = ready.removeprefix("http://").rsplit(":", 1)
            held = [socket.create_connection((host, int(port))) for _ in range(6)]
            for sock in held[:3]:
                sock.sendall(b"POST /initiateVerification HTTP/1.1\r\nhost: x\r\ncontent-length: 50\r\n\r\n{")
            held[0].settimeout(5)
            assert held[0].recv(100).startswith(b"HTTP/1.1 408 ")  # the body did not arrive in time
            held[4].sendall(b"GET /x HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n")
            refused = _whole_answer(held[4])
            assert refused.startswith(b"HTTP/1.1 400 ") and b"x-juspay-proxy: error" in refused
            assert b"upgrades" in refused
            body = json.dumps(trigger_body("flight")).encode()
            held[5].sendall(b"POST /initiateVerification HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                            b"content-length: %d\r\n\r\n%s" % (len(body), body))  # fmt: skip
            for sock in held[3:4]:
                sock.sendall(b"POST /initiateVerification HTTP/1.1\r\nhost: x\r\ncontent-length: 50\r\n\r\n{")
            time.sleep(0.3)  # the exchange is in flight: forwarded, its answer dripping
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            answered = _whole_answer(held[5])
            out, err = process.communicate(timeout=15)
        finally:
            process.kill()  # never left running after a failed assertion (a no-op once it has exited)
    for sock in held:
        sock.close()
    assert answered.startswith(b"HTTP/1.1 503 ") and b"x-juspay-proxy: error" in answered, answered
    assert time.monotonic() - started < 2 and "Traceback" not in err and "ERROR" not in err, err
    assert out.splitlines()[-1].startswith("juspay-proxy: ")
    recorded = [json.loads(line) for line in record.read_text().splitlines()[1:]]
    assert [r["error"].split(";")[0] for r in recorded] == ["the proxy stopped before the upstream answered"]
