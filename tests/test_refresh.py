"""The spec refresh as a fixed point, the patches as the whole of the transcription, and the spec tools
against hostile input: one line and exit 2, nothing written. The commands run in this process."""

from __future__ import annotations

import difflib
import http.server
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from juspay_kit import refresh, spec
from juspay_kit.cli import run
from juspay_kit.commands import fetch_spec, spec_diff

FIXTURE = spec.ROOT / "tests" / "fixtures" / "juspay-trigger-otp.swagger.yaml"
PATCHES = spec.ROOT / "spec" / "patches"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of spec/ (spec, provenance, patches) to refresh into."""
    shutil.copytree(spec.ROOT / "spec", tmp_path / "spec")
    return tmp_path / "spec"


def fetch(workspace: Path, source: str | Path, capsys: Any) -> tuple[int, str, str]:
    argv = ["--from", str(source), "--spec", str(workspace / "openapi.yaml"), "--patches", str(workspace / "patches")]
    with pytest.raises(SystemExit) as exited:
        run(fetch_spec.main, argv)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ---- a fixed point, and the patches as the whole transcription ---------------------------------------------


def test_the_committed_spec_is_in_the_normalised_form() -> None:
    text = spec.SPEC_PATH.read_text(encoding="utf-8")
    assert refresh.dump(refresh.normalise(yaml.safe_load(text))) == text
    assert "\\n" not in text and "  |" not in text.replace(": |", "")  # multi-line text is in block scalars


def test_refreshing_from_the_vendored_spec_changes_nothing(workspace: Path, capsys: Any) -> None:
    before = snapshot(workspace)
    code, out, _ = fetch(workspace, spec.SPEC_PATH, capsys)
    assert code == 0 and "nothing was written" in out
    assert snapshot(workspace) == before


def test_a_juspay_shaped_document_reproduces_the_spec_exactly(workspace: Path, capsys: Any) -> None:
    (workspace / "openapi.yaml").write_text("stale\n")
    code, out, err = fetch(workspace, FIXTURE, capsys)
    assert code == 0, err
    assert (workspace / "openapi.yaml").read_bytes() == spec.SPEC_PATH.read_bytes()
    assert "6 patch(es)" in out


def test_a_real_change_upstream_is_a_small_diff(workspace: Path, tmp_path: Path, capsys: Any) -> None:
    source = tmp_path / "juspay.yaml"
    field = "      stepUpRequestId: {type: string}\n"
    source.write_text(FIXTURE.read_text().replace(field, field + "      deviceName: {type: string}\n"))
    code, _, err = fetch(workspace, source, capsys)
    assert code == 0, err
    old = spec.SPEC_PATH.read_text().splitlines()
    new = (workspace / "openapi.yaml").read_text().splitlines()
    changed = [line for line in difflib.unified_diff(old, new, lineterm="", n=0) if line[:1] in "+-"][2:]
    assert changed == ["+        deviceName:", "+          type: string"], changed


def test_a_patch_made_stale_upstream_stops_the_refresh(workspace: Path, tmp_path: Path, capsys: Any) -> None:
    changed = tmp_path / "juspay.yaml"
    changed.write_text(FIXTURE.read_text().replace("title: Trigger OTP", "title: Trigger OTP v2"))
    before = snapshot(workspace)
    code, _, err = fetch(workspace, changed, capsys)
    assert code == 2 and "000-transcription.json no longer applies" in err and err.count("\n") == 1
    assert snapshot(workspace) == before


# ---- hostile input: one line, exit 2, nothing written -------------------------------------------------------

OPERATION = {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": None}}}}}


def document_with_schema(schema: dict[str, Any], components: dict[str, Any] | None = None) -> str:
    operation = {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}}
    document: dict[str, Any] = {"openapi": "3.1.0", "info": {"title": "x", "version": "1"},
                                "paths": {"/a": {"post": operation}}}  # fmt: skip
    if components:
        document["components"] = {"schemas": components}
    return yaml.safe_dump(document)


HOSTILE: dict[str, tuple[bytes, str]] = {
    "dangling-ref": (document_with_schema({"$ref": "#/components/schemas/Gone"}).encode(), "points at nothing"),
    "file-ref": (document_with_schema({"$ref": "file:///etc/passwd"}).encode(), "only local $refs"),
    "http-ref": (document_with_schema({"$ref": "http://example.com/s.json"}).encode(), "only local $refs"),
    "relative-ref": (document_with_schema({"$ref": "other.yaml#/S"}).encode(), "only local $refs"),
    "recursive": (
        document_with_schema(
            {"$ref": "#/components/schemas/Node"},
            {"Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}},
        ).encode(),  # fmt: skip
        "refers to itself",
    ),
    "alias-bomb": (
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"{k}: &{k} [{', '.join(['*' + p] * 10)}]\n" for p, k in zip("abcdefgh", "bcdefghi", strict=True))
            + "openapi: 3.1.0\n"
        ).encode(),  # fmt: skip
        "aliases expand it",
    ),
    "deep-nesting": (b"openapi: 3.1.0\nx: " + b"[" * 50_000 + b"]" * 50_000 + b"\n", "nests too deeply"),
    "non-utf8": (b"openapi: 3.1.0\ninfo: {title: \xff\xfe}\n", "not a JSON or YAML document"),
    "paths-list": (b"swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: []\n", "paths must be a mapping"),
    "path-not-mapping": (b"swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {/a: 3}\n", "must be a mapping"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_documents_are_refused_and_nothing_is_written(name: str, workspace: Path, tmp_path: Path,
                                                             capsys: Any) -> None:  # fmt: skip
    content, message = HOSTILE[name]
    source = tmp_path / "vendor.yaml"
    source.write_bytes(content)
    for patch in (workspace / "patches").glob("*.json"):
        patch.unlink()  # the document's own faults must stop the refresh, not a patch that fails first
    before = snapshot(workspace)
    code, _, err = fetch(workspace, source, capsys)
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert snapshot(workspace) == before


@pytest.mark.parametrize("name", ["dangling-ref", "file-ref", "recursive", "non-utf8", "deep-nesting", "alias-bomb"])
def test_spec_diff_refuses_the_same_documents_with_one_line(name: str, tmp_path: Path, capsys: Any) -> None:
    source = tmp_path / "new.yaml"
    source.write_bytes(HOSTILE[name][0])
    with pytest.raises(SystemExit) as exited:
        run(spec_diff.main, [str(spec.SPEC_PATH), str(source)])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and err.count("\n") == 1 and "Traceback" not in err, err


@pytest.mark.parametrize(
    ("source", "message"),
    [("/dev/zero", "larger than"), ("http://[::1", "not a valid URL"), ("/no/such/file.yaml", "cannot read")],
)
def test_unreadable_sources_are_one_line(source: str, message: str, workspace: Path, capsys: Any) -> None:
    code, _, err = fetch(workspace, source, capsys)
    assert code == 2 and message in err and err.count("\n") == 1, err


def test_a_corrupt_provenance_record_stops_the_refresh_before_any_write(workspace: Path, capsys: Any) -> None:
    (workspace / "provenance.json").write_text("{not json")
    (workspace / "openapi.yaml").write_text("stale\n")
    code, _, err = fetch(workspace, FIXTURE, capsys)
    assert code == 2 and "provenance.json is not a readable JSON record" in err
    assert (workspace / "openapi.yaml").read_text() == "stale\n"


@contextmanager
def trickling(total: int, pause: float) -> Iterator[str]:
    """An HTTP server that sends `total` bytes of body, one every `pause` seconds."""

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(total):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(pause)
            except OSError:
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/swagger"
    finally:
        server.shutdown()
        server.server_close()


def test_a_source_that_trickles_is_cut_off_at_the_deadline(workspace: Path, capsys: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(refresh.fetch, "SOURCE_DEADLINE", 0.5)
    with trickling(total=100, pause=0.05) as url:
        started = time.monotonic()
        code, _, err = fetch(workspace, url, capsys)
    assert code == 2 and "did not finish sending" in err and time.monotonic() - started < 3


def test_swagger_2_path_level_parameters_and_extensions_are_converted() -> None:
    source = {
        "swagger": "2.0", "info": {"title": "x", "version": "1"},
        "paths": {"/a": {
            "x-owner": "payments",
            "parameters": [{"name": "x-merchantid", "in": "header", "required": True, "type": "string"},
                           {"name": "x-trace", "in": "header", "type": "string"}],
            "post": {"parameters": [{"name": "x-trace", "in": "header", "required": True, "type": "string"}],
                     "responses": {"200": {"description": "ok"}}},
        }},
    }  # fmt: skip
    converted = refresh.swagger2_to_openapi3(source)["paths"]["/a"]
    assert converted["x-owner"] == "payments"
    names = [(p["name"], p.get("required")) for p in converted["post"]["parameters"]]
    assert names == [("x-merchantid", True), ("x-trace", True)]  # shared first, the operation's own wins
