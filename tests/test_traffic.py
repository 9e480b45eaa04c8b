"""Traffic teaches the spec (issue 26): a plausible other sandbox (tests/other_sandbox.py), its traffic recorded
by tools no kit code is part of (mitmproxy's HAR, pytest-recording's VCR cassette) and by juspay-proxy (HAR and
cassette); drift finds every planted difference in each format, learn proposes exactly the planted inferences,
the patches apply, spec-diff classifies them, the client regenerates, and no planted secret reaches an output."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from juspay_kit import api, regenerate, schema, spec, specdiff
from juspay_kit.commands import drift as drift_command
from juspay_kit.commands import learn as learn_command
from juspay_kit.mock.app import MockApp, MockSettings
from juspay_kit.mock.matching import parse_matching_fault
from juspay_kit.mock.refusals import Refusals
from juspay_kit.proxy.app import ProxyApp
from juspay_kit.proxy.recordings import read, recorder_for
from juspay_kit.redact import Redactor
from juspay_kit.refresh.learned import apply_proposal
from tests import other_sandbox
from tests.broken_servers import serve_app
from tests.test_mock_callers import api_call

pytestmark = pytest.mark.xdist_group("traffic")
ROOT = Path(__file__).resolve().parent.parent
MITMDUMP = ROOT / ".tools" / "mitmproxy" / "bin" / "mitmdump"
REDOCLY = ROOT / "tools" / "redocly" / "node_modules" / ".bin" / "redocly"
SECRETS = (other_sandbox.API_KEY, other_sandbox.CARD_NUMBER, other_sandbox.CRYPTOGRAM, other_sandbox.OTP)
PLANTED = {
    ("triggerOtp", "unknown_refusal_code"), ("validateOtp", "unknown_refusal_code"),
    ("validateOtp", "status_code_conformance"), ("fetchPaymentCredentials", "undocumented_field"),
    ("fetch-before-setup", "journey_rule"), ("otp-counters-type", "doc_conflict"),
    ("otp-counters-casing", "doc_conflict"),
}  # fmt: skip
LEARNED = {
    ("refusal-codes", ("trigger-refusal-codes",)), ("refusal-codes", ("validate-refusal-codes",)),
    ("status", ("validate-otp-status-423",)), ("counters", ("otp-counters-casing", "otp-counters-type")),
    ("fields", ("fetch-response-open",)),
}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _mitmproxy(directory: Path) -> Path:
    """The journey through mitmdump in reverse-proxy mode, saved as HAR on exit (`--set hardump=`)."""
    har, port = directory / "mitmproxy.har", _free_port()
    with serve_app(other_sandbox.OtherSandbox()) as upstream:
        command = [str(MITMDUMP), "--mode", f"reverse:{upstream}", "--listen-host", "127.0.0.1", "--listen-port",
                   str(port), "--set", f"hardump={har}", "-q"]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            with other_sandbox.client(f"http://127.0.0.1:{port}") as http:
                other_sandbox.journey(http)
        finally:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=30)
    return har


APP_TEST = """
import pytest
from tests import other_sandbox


@pytest.mark.vcr
def test_the_journey(upstream):
    with other_sandbox.client(upstream) as http:
        other_sandbox.journey(http)
"""
APP_CONFTEST = """
import pytest


def pytest_addoption(parser):
    parser.addoption("--upstream")


@pytest.fixture
def upstream(request):
    return request.config.getoption("--upstream")
"""


def _pytest_recording(directory: Path) -> Path:
    """An httpx app's test under pytest-recording: the VCR.py cassette it writes (YAML)."""
    app = directory / "app"
    app.mkdir()
    (app / "conftest.py").write_text(APP_CONFTEST)
    (app / "test_app.py").write_text(APP_TEST)
    with serve_app(other_sandbox.OtherSandbox()) as upstream:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        ran = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "--record-mode=once",
             f"--upstream={upstream}", "test_app.py"], cwd=app, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    (cassette,) = (app / "cassettes").rglob("*.yaml")
    return cassette


def _juspay_proxy(directory: Path, name: str) -> Path:
    """The journey through juspay-proxy's app, recording to `name` (.har: HAR 1.2, else the kit's cassette)."""
    target = directory / name
    with serve_app(other_sandbox.OtherSandbox()) as upstream:
        redactor = Redactor()
        recorder = recorder_for(target, {"upstream": upstream}, redactor)
        app = ProxyApp(upstream, recorder=recorder, redactor=redactor, out=io.StringIO(), timeout=5)
        try:
            with serve_app(app, lifespan="on") as url, other_sandbox.client(url) as http:
                other_sandbox.journey(http)
        finally:
            recorder.close()
    return target


@pytest.fixture(scope="session")  # session: xdist's loadgroup may interleave other modules, which would end a
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:  # module fixture, and record again
    directory = tmp_path_factory.mktemp("traffic")
    return {
        "mitmproxy-har": _mitmproxy(directory),
        "pytest-recording-vcr": _pytest_recording(directory),
        "juspay-proxy-har": _juspay_proxy(directory, "proxy.har"),
        "juspay-proxy-cassette": _juspay_proxy(directory, "proxy.jsonl"),
    }


def _outputs(directory: Path, *texts: str) -> str:
    return "\n".join([*texts, *(p.read_text(encoding="utf-8") for p in sorted(directory.rglob("*")) if p.is_file())])


@pytest.mark.parametrize(
    "source", ["mitmproxy-har", "pytest-recording-vcr", "juspay-proxy-har", "juspay-proxy-cassette"]
)
def test_drift_finds_every_planted_difference_in_each_format(
    recordings: dict[str, Path], source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = drift_command.main([str(recordings[source]), "--report-dir", str(tmp_path)])
    out = capsys.readouterr()
    assert code == 1, out
    report = json.loads((tmp_path / "drift.json").read_text(encoding="utf-8"))
    found = {(f["operation"], f["check"]) for f in report["findings"]}
    found |= {(rule, "journey_rule") for rule, v in report["rules"].items() if v["verdict"] == "contradicted"}
    found |= {(k, "doc_conflict") for k, v in report["conflicts"].items() if "contradicts" in v["verdict"]}
    assert PLANTED <= found, PLANTED - found
    assert report["exchanges"]["judged"] == 14
    assert not {f["check"] for f in report["findings"]} & {"basic_auth", "required_header", "request_schema"}
    sarif = json.loads((tmp_path / "drift.sarif").read_text(encoding="utf-8"))
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0" and {r["ruleId"] for r in run["results"]} >= {
        "unknown_refusal_code",
        "journey_rule",
    }
    rules = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    for result in run["results"]:  # what GitHub code scanning needs of each result
        where = result["locations"][0]["physicalLocation"]
        assert result["ruleId"] in rules and result["level"] in ("error", "warning") and result["message"]["text"]
        assert where["artifactLocation"]["uri"] == "spec/openapi.yaml" and where["region"]["startLine"] >= 1
    text = _outputs(tmp_path, out.out, out.err)
    assert not [secret for secret in SECRETS if secret in text]


def test_learn_proposes_exactly_the_planted_inferences_and_only_from_a_trusted_source(
    recordings: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fingerprints = []
    for source, path in recordings.items():
        out = tmp_path / source
        assert learn_command.main([str(path), "--out", str(out), "--trust-source", "--date", "2026-12-06"]) == 1
        proposals = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))]
        assert {(p["learned"]["kind"], tuple(p["learned"]["inferred"])) for p in proposals} == LEARNED, source
        fingerprints.append(sorted(p["learned"]["fingerprint"] for p in proposals))
        assert not [secret for secret in SECRETS if secret in _outputs(out, capsys.readouterr().out)]
    assert all(found == fingerprints[0] for found in fingerprints)  # the same lessons, whoever recorded them
    with pytest.raises(SystemExit) as refused:
        from juspay_kit.cli import run

        run(learn_command.main, [str(recordings["mitmproxy-har"]), "--out", str(tmp_path / "refused")])
    assert refused.value.code == 2 and "only the sandbox" in capsys.readouterr().err
    assert not (tmp_path / "refused").exists()


def test_the_learned_patches_apply_are_classified_regenerate_the_client_and_the_mock_plays_a_learned_code(
    recordings: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "learned"
    learn_command.main([str(recordings["juspay-proxy-cassette"]), "--out", str(out), "--trust-source"])
    document = tmp_path / "openapi.yaml"
    document.write_bytes(spec.SPEC_PATH.read_bytes())
    for proposal in sorted(out.glob("*.json")):
        apply_proposal(proposal, document)
    old, new = spec.load(), spec.load_valid(document)
    changes = specdiff.compare(old, new)
    assert any(c.breaking for c in changes) and {c.operation for c in changes} >= {"triggerOtp", "validateOtp"}
    assert (
        "OTP_REQUESTS_EXHAUSTED" in new["components"]["schemas"]["TriggerOtpRefusal"]["properties"]["errorCode"]["enum"]
    )
    client = tmp_path / "client"
    regenerate.generate(client, document)
    models = "".join(p.read_text(encoding="utf-8") for p in (client / "juspay_visa_agentic_client").rglob("*.py"))
    assert "OTP_REQUESTS_EXHAUSTED" in models and "pan_reference_id" in models
    app, known = MockApp(MockSettings()), Refusals(new, api.load(new))  # the mock, serving the patched spec
    app.faults.add(parse_matching_fault({"operation": "triggerOtp", "code": "OTP_REQUESTS_EXHAUSTED"},
                                        app.operations_by_id, known))  # fmt: skip
    status, raw = api_call(app, api.path_of("triggerOtp"), b"{}")
    body = json.loads(raw)
    assert (status, body["errorCode"]) == (429, "OTP_REQUESTS_EXHAUSTED")  # the status it was learned under
    assert schema.Validators(new).errors("triggerOtp", status, body) == []


def test_every_finding_redocly_makes_on_the_same_har_is_made_here_or_explained(
    recordings: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    har = recordings["mitmproxy-har"]
    server = read(har).origin
    redocly = tmp_path / "redocly.json"
    command = [str(REDOCLY), "drift", str(har), "--api", str(spec.SPEC_PATH), "--server", server, "--format", "json",
               "-o", str(redocly)]  # fmt: skip
    ran = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert redocly.is_file(), ran.stderr[-2000:]
    assert drift_command.main([str(har), "--redocly", str(redocly), "--report-dir", str(tmp_path)]) == 1
    side = json.loads((tmp_path / "drift.json").read_text(encoding="utf-8"))["redocly"]
    assert side["redocly"] >= 5 and side["both"] and side["unexplained"] == [], side["unexplained"]
    only = {row["check"] for row in side["oursOnly"]}
    assert {"unknown_refusal_code", "status_code_conformance", "journey_rule", "undocumented_field"} <= only
    assert "Side by side with Redocly drift" in (tmp_path / "drift.md").read_text(encoding="utf-8")
    capsys.readouterr()


def test_juspay_proxys_har_is_read_by_mitmproxy_and_by_redocly(recordings: dict[str, Path], tmp_path: Path) -> None:
    har = recordings["juspay-proxy-har"]
    flows = subprocess.run([str(MITMDUMP), "-n", "-r", str(har)], capture_output=True, text=True, timeout=60)
    assert flows.returncode == 0 and flows.stdout.count(" << ") == 14, flows.stdout[-2000:] + flows.stderr[-2000:]
    report = tmp_path / "redocly.json"
    command = [str(REDOCLY), "drift", str(har), "--api", str(spec.SPEC_PATH), "--server", read(har).origin,
               "--format", "json", "-o", str(report)]  # fmt: skip
    subprocess.run(command, capture_output=True, text=True, timeout=120)
    run = json.loads(report.read_text(encoding="utf-8"))["run"]
    assert (run["totalExchanges"], run["documentedExchanges"]) == (14, 14)
    assert other_sandbox.API_KEY not in har.read_text(encoding="utf-8")  # masked exactly like a cassette
