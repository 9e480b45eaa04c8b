"""scripts/regenerate.py: deterministic output, drift detection, one-line errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from juspay_kit import regenerate, spec

COPIED = ["spec", "generator", "generated", "juspay_kit", "scripts"]


def run_script(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "scripts" / "regenerate.py"), *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    for name in COPIED:
        shutil.copytree(spec.ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_generation_reproduces_the_committed_client_byte_for_byte(tmp_path: Path) -> None:
    """A fresh run gives exactly what an earlier run committed (run to run, machine to machine), and leaves no
    formatter cache behind. (`make test` also runs `regenerate.py --check` itself; the command's own output is
    held by the drift tests below.)"""
    regenerate.generate(tmp_path / "fresh")
    assert not regenerate.compare(regenerate.OUTPUT_PATH, tmp_path / "fresh")
    assert not list((tmp_path / "fresh").rglob(".ruff_cache"))


def test_check_fails_and_lists_files_after_a_spec_change(repo_copy: Path) -> None:
    document = repo_copy / "spec" / "openapi.yaml"
    text = document.read_text(encoding="utf-8")
    edited = text.replace(
        "Identifier of the step-up method chosen for the cardholder", "The step-up method (edited)", 1
    ).replace(
        "    ValidateOtpRefusal:\n",
        "    ExtraThing:\n      type: object\n      properties:\n        a: {type: string}\n    ValidateOtpRefusal:\n",
        1,
    )
    assert edited != text
    document.write_text(edited, encoding="utf-8")
    result = run_script(repo_copy, "--check")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "changed: juspay_visa_agentic_client/models/trigger_otp_request.py" in result.stdout
    assert "spec/provenance.json (generation record)" in result.stdout
    regenerated = run_script(repo_copy)
    assert regenerated.returncode == 0, regenerated.stderr
    model = repo_copy / "generated" / "juspay-visa-agentic-client" / "juspay_visa_agentic_client" / "models"
    assert "The step-up method (edited)" in (model / "trigger_otp_request.py").read_text(encoding="utf-8")
    assert (model / "extra_thing.py").exists()  # the regenerated tree follows the edit (a fresh --check would pass)


def test_check_reports_missing_and_added_files(repo_copy: Path) -> None:
    package = repo_copy / "generated" / "juspay-visa-agentic-client" / "juspay_visa_agentic_client"
    (package / "models" / "otp_limits.py").unlink()
    (package / "hand_written.py").write_text("x = 1\n")
    result = run_script(repo_copy, "--check")
    assert result.returncode == 1
    assert "added:   juspay_visa_agentic_client/models/otp_limits.py" in result.stdout
    assert "missing: juspay_visa_agentic_client/hand_written.py" in result.stdout


def test_a_hand_edit_alone_is_drift(tmp_path: Path) -> None:
    """Only content differs (no file added or missing): the comparison must still call it drift."""
    from juspay_kit.regenerate import compare

    committed, fresh = tmp_path / "committed", tmp_path / "fresh"
    for root in (committed, fresh):
        (root / "pkg").mkdir(parents=True)
        (root / "pkg" / "models.py").write_text("x = 1\n")
        (root / "pkg" / "api.py").write_text("y = 2\n")
    assert not compare(fresh, committed)
    (committed / "pkg" / "models.py").write_text("x = 1  # hand edit\n")
    drift = compare(fresh, committed)
    assert drift and (drift.added, drift.missing, drift.changed) == ([], [], ["pkg/models.py"])
    assert drift.lines() == ["changed: pkg/models.py"]


def test_duplicate_keys_are_refused(repo_copy: Path) -> None:
    document = repo_copy / "spec" / "openapi.yaml"
    document.write_text(document.read_text().replace("  title: ", "  title: Twice\n  title: ", 1))
    result = run_script(repo_copy, "--check")
    assert result.returncode == 2 and "duplicate key 'title'" in result.stderr, result.stderr


def test_invalid_spec_is_a_one_line_error(repo_copy: Path) -> None:
    (repo_copy / "spec" / "openapi.yaml").write_text("openapi: 3.1.0\ninfo: {title: x}\npaths: {}\n")
    result = run_script(repo_copy, "--check")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "not a valid OpenAPI document" in result.stderr
    assert "Traceback" not in result.stderr
    (repo_copy / "spec" / "openapi.yaml").write_text("openapi: [unclosed\n")
    result = run_script(repo_copy)
    assert (result.returncode, result.stderr.count("\n")) == (2, 1)
    assert "not valid YAML" in result.stderr


@pytest.mark.parametrize("args", [["--bogus"], ["--spec"], ["extra"]])
def test_bad_arguments_exit_2_with_one_line(args: list[str]) -> None:
    result = run_script(spec.ROOT, *args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("regenerate.py: error:")


def test_missing_spec_file_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_script(spec.ROOT, "--check", "--spec", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2 and "cannot read" in result.stderr and result.stderr.count("\n") == 1
