"""Delivery: spec refresh with provenance and patches, the breaking-change report, workflows, packaging."""

from __future__ import annotations

import copy
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from juspay_kit import refresh, spec, specdiff
from tests.commands import run_command
from tests.loopback import recording_server

SCRIPTS = spec.ROOT / "scripts"
SWAGGER2 = spec.ROOT / "tests" / "fixtures" / "swagger2.yaml"
DOCUMENT = spec.load()


def script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`scripts/NAME ARGS` through its command's entry point, in this process. `test_spec_diff_cli`'s first
    call keeps a real subprocess."""
    from juspay_kit.commands import fetch_spec, spec_diff

    return run_command({"fetch_spec.py": fetch_spec.main, "spec_diff.py": spec_diff.main}[name], args)


def script_process(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPTS / name), *args], capture_output=True, text=True, timeout=300)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "patches").mkdir()
    (tmp_path / "openapi.yaml").write_text("untouched\n")
    return tmp_path


def fetch(workspace: Path, source: str) -> subprocess.CompletedProcess[str]:
    return script(
        "fetch_spec.py",
        "--from",
        source,
        "--spec",
        str(workspace / "openapi.yaml"),
        "--patches",
        str(workspace / "patches"),
    )


def write_patch(workspace: Path, name: str, operations: list[dict[str, Any]]) -> None:
    (workspace / "patches" / name).write_text(json.dumps({"reason": "test patch", "patch": operations}))


# ---- fetch_spec.py ---------------------------------------------------------------------------------------


def test_refresh_from_a_local_file_normalises_and_records_provenance(workspace: Path) -> None:
    result = fetch(workspace, str(spec.SPEC_PATH))
    assert result.returncode == 0, result.stderr
    written = (workspace / "openapi.yaml").read_text()
    assert yaml.safe_load(written) == spec.load(), "normalising must not change the content"
    record = json.loads((workspace / "provenance.json").read_text())["source"]
    assert record["kind"] == "fetched" and record["from"] == str(spec.SPEC_PATH)
    assert record["raw_sha256"] == spec.sha256_of(spec.SPEC_PATH)
    assert record["normalised_sha256"] == spec.sha256_of(workspace / "openapi.yaml")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["retrieved_on"])
    again = fetch(workspace, str(workspace / "openapi.yaml"))
    assert again.returncode == 0 and (workspace / "openapi.yaml").read_text() == written, "normalisation is stable"


def test_normalisation_orders_keys_conventionally() -> None:
    shuffled = {"paths": {}, "info": {"version": "1", "title": "x"}, "openapi": "3.1.0"}
    assert list(refresh.normalise(shuffled)) == ["openapi", "info", "paths"]
    assert list(refresh.normalise(shuffled)["info"]) == ["title", "version"]
    assert "&" not in refresh.dump(spec.load()), "no YAML anchors in the normalised document"


def test_refresh_from_a_loopback_http_server(workspace: Path) -> None:
    import http.server
    import threading

    body = spec.SPEC_PATH.read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/yaml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/swagger?document=trigger-otp"
        result = fetch(workspace, url)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert json.loads((workspace / "provenance.json").read_text())["source"]["from"] == url


def test_swagger_2_input_is_converted(workspace: Path) -> None:
    result = fetch(workspace, str(SWAGGER2))
    assert result.returncode == 0, result.stderr
    document = yaml.safe_load((workspace / "openapi.yaml").read_text())
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "https://sandbox.juspay.in"}]
    assert document["components"]["securitySchemes"]["basicAuth"] == {"type": "http", "scheme": "basic"}
    operation = document["paths"]["/initiateVerification"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TriggerOtpRequest"
    }
    assert operation["parameters"] == [
        {"name": "x-merchantid", "in": "header", "required": True, "schema": {"type": "string"}}
    ]
    response = operation["responses"]["200"]["content"]["application/json"]
    assert response["schema"]["$ref"] == "#/components/schemas/TriggerOtpResponse"
    assert response["examples"]["example-0"]["value"]["status"] == "SUCCESS"
    assert document["components"]["schemas"]["TriggerOtpResponse"]["properties"]["errorCode"]["type"] == [
        "string",
        "null",
    ]
    assert json.loads((workspace / "provenance.json").read_text())["source"]["converted_from_swagger_2"] is True


COUNTER = "/components/schemas/TriggerOtpResponse/properties/response/properties/{}/type"


def counters_patch(op: str = "replace") -> list[dict[str, Any]]:
    names = ("maxOTPVerificationAllowed", "maxOTPRequestsAllowed", "codeExpiration")
    return [{"op": "test", "path": COUNTER.format(n), "value": "string"} for n in names] + [
        {"op": op, "path": COUNTER.format(n), "value": "integer"} for n in names
    ]


def test_patch_that_applies(workspace: Path) -> None:
    write_patch(workspace, "001-counters-are-integers.json", counters_patch())
    result = fetch(workspace, str(SWAGGER2))
    assert result.returncode == 0, result.stderr
    document = yaml.safe_load((workspace / "openapi.yaml").read_text())
    limits = document["components"]["schemas"]["TriggerOtpResponse"]["properties"]["response"]["properties"]
    assert {v["type"] for v in limits.values()} == {"integer"}
    record = json.loads((workspace / "provenance.json").read_text())["source"]
    assert record["patches"] == [{"file": "001-counters-are-integers.json", "reason": "test patch"}]


def test_patch_that_no_longer_applies_writes_nothing(workspace: Path) -> None:
    write_patch(workspace, "001-gone.json", [{"op": "replace", "path": "/components/schemas/Gone/type", "value": "x"}])
    result = fetch(workspace, str(SWAGGER2))
    assert result.returncode == 2 and "001-gone.json no longer applies" in result.stderr
    assert result.stderr.count("\n") == 1
    assert (workspace / "openapi.yaml").read_text() == "untouched\n" and not (workspace / "provenance.json").exists()


def test_patch_that_no_longer_changes_anything_writes_nothing(workspace: Path) -> None:
    write_patch(
        workspace, "001-noop.json", [{"op": "replace", "path": COUNTER.format("codeExpiration"), "value": "string"}]
    )
    result = fetch(workspace, str(SWAGGER2))
    assert result.returncode == 2 and "no longer changes anything" in result.stderr
    assert (workspace / "openapi.yaml").read_text() == "untouched\n"


def test_malformed_patch_file_is_refused(workspace: Path) -> None:
    (workspace / "patches" / "bad.json").write_text('{"patch": []}')
    result = fetch(workspace, str(SWAGGER2))
    assert result.returncode == 2 and "bad.json is not a patch file" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{not yaml: [", "not a JSON or YAML document"), (b"just: a mapping\n", "not an OpenAPI or Swagger document"),
     (b"\xff\xfe\x00", "not a JSON or YAML document"), (b"openapi: 3.1.0\ninfo: {}\npaths: {}\n", "does not validate")],
)  # fmt: skip
def test_unparsable_documents_write_nothing(workspace: Path, content: bytes, message: str) -> None:
    source = workspace / "vendor.yaml"
    source.write_bytes(content)
    result = fetch(workspace, str(source))
    assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1
    assert (workspace / "openapi.yaml").read_text() == "untouched\n"


def test_unreachable_sources_write_nothing(workspace: Path) -> None:
    with recording_server({}) as (url, _):
        missing = fetch(workspace, f"{url}/missing")  # the server answers 404 to GET
    closed = fetch(workspace, "http://127.0.0.1:9/swagger")
    absent = fetch(workspace, str(workspace / "nope.yaml"))
    for result, fragment in ((missing, "HTTP"), (closed, "cannot fetch"), (absent, "cannot read")):
        assert result.returncode == 2 and fragment in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert (workspace / "openapi.yaml").read_text() == "untouched\n"


def test_fetch_spec_bad_arguments() -> None:
    result = script("fetch_spec.py")
    assert result.returncode == 2 and result.stderr.count("\n") == 1


# ---- spec_diff.py: one minimal pair per rule ---------------------------------------------------------------


def mutate(change: Any) -> dict[str, Any]:
    document = copy.deepcopy(DOCUMENT)
    change(document)
    return document


def schemas(document: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"]
    return found


def op(document: dict[str, Any], path: str = "/validateOtp") -> dict[str, Any]:
    found: dict[str, Any] = document["paths"][path]["post"]
    return found


def props(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = schemas(document)[name]["properties"]
    return found


def require(document: dict[str, Any], name: str, field: str) -> None:
    schemas(document)[name]["required"].append(field)


def drop_request_field(document: dict[str, Any]) -> None:
    props(document, "ValidateOtpRequest").pop("otpValue")
    schemas(document)["ValidateOtpRequest"]["required"].remove("otpValue")


ROUTING = {"name": "x-routing-id", "in": "header", "required": True, "schema": {"type": "string"}}
RULE_CASES: list[tuple[str, bool, Any]] = [
    ("operation-removed", True, lambda d: d["paths"].pop("/validateOtp")),
    ("operation-added", False, lambda d: d["paths"].__setitem__("/other", {"post": {**op(d), "operationId": "other"}})),
    ("status-code-removed", True, lambda d: op(d)["responses"].pop("409")),
    ("status-code-added", False, lambda d: op(d)["responses"].__setitem__("422", op(d)["responses"]["400"])),
    ("response-field-removed", True, lambda d: props(d, "ValidateOtpResponse").pop("responseMessage")),
    ("response-field-added", False, lambda d: props(d, "ValidateOtpResponse").__setitem__("extra", {"type": "string"})),
    ("response-field-optional", True, lambda d: schemas(d)["ValidateOtpResponse"]["required"].remove("status")),
    ("response-type-changed", True, lambda d: props(d, "OtpLimits")["codeExpiration"].__setitem__("type", "string")),
    ("request-field-newly-required", True, lambda d: require(d, "ValidateOtpRequest", "deviceId")),
    (
        "request-field-added-optional",
        False,
        lambda d: props(d, "ValidateOtpRequest").__setitem__("deviceId", {"type": "string"}),
    ),
    ("request-field-removed", True, drop_request_field),
    (
        "request-field-narrowed",
        True,
        lambda d: props(d, "ValidateOtpRequest")["otpValue"].__setitem__("pattern", "^[0-9]{6}$"),
    ),
    ("security-changed", True, lambda d: op(d).__setitem__("security", [])),
    ("required-header-changed", True, lambda d: op(d)["parameters"].append(ROUTING)),
    ("docs-only", False, lambda d: op(d).__setitem__("description", "reworded")),
    ("path-changed", True, lambda d: d["paths"].__setitem__("/v2/validateOtp", d["paths"].pop("/validateOtp"))),
    (
        "method-changed",
        True,
        lambda d: d["paths"]["/validateOtp"].__setitem__("put", d["paths"]["/validateOtp"].pop("post")),
    ),
    ("operation-id-changed", True, lambda d: op(d).__setitem__("operationId", "checkOtp")),
]


@pytest.mark.parametrize(("rule", "breaking", "change"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_each_breaking_change_rule(rule: str, breaking: bool, change: Any) -> None:
    changes = specdiff.compare(DOCUMENT, mutate(change))
    found = {(c.rule, c.breaking) for c in changes}
    assert (rule, breaking) in found, changes
    if not breaking:
        assert not any(c.breaking for c in changes), changes


def test_response_enum_widened() -> None:
    def status_enum(values: list[str]) -> dict[str, Any]:
        return mutate(lambda d: schemas(d)["ValidateOtpResponse"]["properties"]["status"].__setitem__("enum", values))

    widened = specdiff.compare(status_enum(["SUCCESS"]), status_enum(["SUCCESS", "PENDING"]))
    assert [(c.rule, c.breaking) for c in widened] == [("response-enum-widened", True)]
    assert "PENDING" in widened[0].detail
    assert not any(c.breaking for c in specdiff.compare(status_enum(["SUCCESS", "PENDING"]), status_enum(["SUCCESS"])))


def test_enum_narrowing_in_a_response_is_safe_but_in_a_request_breaks() -> None:
    narrowed = mutate(lambda d: schemas(d)["NetworkType"].__setitem__("enum", []))
    assert any(c.rule == "request-field-narrowed" for c in specdiff.compare(DOCUMENT, narrowed))
    widened = mutate(lambda d: schemas(d)["NetworkType"].__setitem__("enum", ["VISA", "MASTERCARD"]))
    assert not any(c.breaking for c in specdiff.compare(DOCUMENT, widened))


def test_identical_specs_have_no_changes() -> None:
    assert specdiff.compare(DOCUMENT, copy.deepcopy(DOCUMENT)) == []


def test_spec_diff_cli(tmp_path: Path) -> None:
    new = tmp_path / "new.yaml"
    new.write_text(
        yaml.safe_dump(
            mutate(lambda d: schemas(d)["OtpLimits"]["properties"]["codeExpiration"].__setitem__("type", "string"))
        )
    )
    report = script_process("spec_diff.py", str(spec.SPEC_PATH), str(new))
    assert report.returncode == 0 and "response-type-changed" in report.stdout and "**1 breaking**" in report.stdout
    gate = script("spec_diff.py", str(spec.SPEC_PATH), str(new), "--fail-on-breaking")
    assert gate.returncode == 1
    same = script("spec_diff.py", str(spec.SPEC_PATH), str(spec.SPEC_PATH), "--fail-on-breaking")
    assert same.returncode == 0 and "No change visible" in same.stdout
    bad = script("spec_diff.py", str(spec.SPEC_PATH))
    missing = script("spec_diff.py", str(spec.SPEC_PATH), str(tmp_path / "nope.yaml"))
    assert (bad.returncode, missing.returncode) == (2, 2) and missing.stderr.count("\n") == 1


# ---- workflows and packaging ---------------------------------------------------------------------------------

WORKFLOWS = sorted((spec.ROOT / ".github" / "workflows").glob("*.yml"))


def test_workflows_validate_against_the_github_schema() -> None:
    assert {w.name for w in WORKFLOWS} == {"ci.yml", "regenerate.yml", "nightly.yml", "release.yml"}
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_to_exact_versions(workflow: Path) -> None:
    uses = re.findall(r"uses:\s*(\S+)", workflow.read_text())
    assert uses
    for action in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+\.\d+\.\d+", action), action


def test_workflows_call_the_local_commands() -> None:
    text = {w.name: w.read_text() for w in WORKFLOWS}
    assert "make test" in text["ci.yml"]
    assert "regenerate.py --check" in text["regenerate.yml"] and "spec_diff.py" in text["regenerate.yml"]
    assert "fetch_spec.py" in text["regenerate.yml"] and "workflow_dispatch" in text["regenerate.yml"]
    nightly = yaml.safe_load(text["nightly.yml"])
    assert "make contract" in text["nightly.yml"] and "secrets.JUSPAY_API_KEY" in text["nightly.yml"]
    assert nightly["concurrency"] and nightly["jobs"]["contract"]["timeout-minutes"]
    assert "scripts/nightly_issues.py" in text["nightly.yml"] and "upload-artifact" in text["nightly.yml"]
    assert "repository secrets missing" in text["nightly.yml"]
    assert "scripts/proxy.py --upstream https://sandbox.juspay.in" in text["nightly.yml"]
    assert "--record reports/sandbox.cassette.jsonl" in text["nightly.yml"]
    assert "scripts/replay.py reports/sandbox.cassette.jsonl" in text["nightly.yml"]
    assert "make package" in text["release.yml"] and "tags" in yaml.safe_load(text["release.yml"])[True]["push"]


@pytest.mark.parametrize(
    "name", ["contract", "mock", "proxy", "replay", "fetch_spec", "spec_diff", "convert", "drift", "learn"]
)
def test_every_command_answers_an_unknown_flag_with_one_line_and_exit_2(name: str) -> None:
    command = importlib.import_module(f"juspay_kit.commands.{name}")
    ran = run_command(command.main, ["--no-such-flag"])
    assert ran.returncode == 2 and ran.stderr.count("\n") == 1 and "Traceback" not in ran.stderr, ran.stderr


def test_a_command_whose_reader_went_away_says_so_on_one_line() -> None:
    """`juspay-... | head -c 1` of a long output: the print that met the closed pipe was "internal error
    (BrokenPipeError); rerun with JUSPAY_DEBUG=1", and the buffered rest was raised again at exit."""
    script = "from juspay_kit.cli import run\nrun(lambda argv: print('x' * 1_000_000) or 0)\n"
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as ran:
        assert ran.stdout is not None and ran.stderr is not None
        ran.stdout.read(1)
        ran.stdout.close()
        error = ran.stderr.read().decode()
    assert ran.returncode == 2 and error.count("\n") == 1 and "output was closed" in error, error
