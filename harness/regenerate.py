"""Regenerate the typed client from the vendored spec, or check that the committed client is current.

The output depends only on: the spec, `generator/config.yaml`, `generator/templates/`, and the pinned
openapi-python-client and ruff (both must be the versions below, run from this interpreter's environment).
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from harness import spec
from harness.errors import HarnessError, SpecError

GENERATOR_VERSION = "0.29.1"
RUFF_VERSION = "0.17.6"
PROJECT_NAME = "juspay-visa-agentic-client"
PACKAGE_NAME = "juspay_visa_agentic_client"
CONFIG_PATH = spec.ROOT / "generator" / "config.yaml"
TEMPLATES_PATH = spec.ROOT / "generator" / "templates"
OUTPUT_PATH = spec.ROOT / "generated" / PROJECT_NAME
IGNORED_NAMES = {".ruff_cache", "__pycache__", ".mypy_cache", "dist", "build"}


@dataclass
class Drift:
    added: list[str] = field(default_factory=list)  # in the fresh output, not committed
    missing: list[str] = field(default_factory=list)  # committed, no longer produced
    changed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.missing or self.changed)

    def lines(self) -> list[str]:
        return (
            [f"added:   {p}" for p in self.added]
            + [f"missing: {p}" for p in self.missing]
            + [f"changed: {p}" for p in self.changed]
        )


def _check_tools() -> Path:
    """The bin directory holding the pinned tools; HarnessError when a version is wrong."""
    for name, wanted in (("openapi-python-client", GENERATOR_VERSION), ("ruff", RUFF_VERSION)):
        try:
            found = version(name)
        except PackageNotFoundError:
            raise HarnessError(f"{name}=={wanted} is not installed in {sys.prefix}; run `make install`") from None
        if found != wanted:
            raise HarnessError(f"{name} {found} is installed but {wanted} is pinned; run `make install`")
    return Path(sys.executable).parent


def generate(output: Path, spec_path: Path = spec.SPEC_PATH) -> None:
    """Validate the spec and generate the client project into `output` (replaced if present)."""
    spec.load_valid(spec_path)
    bin_dir = _check_tools()
    if output.exists():
        shutil.rmtree(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", NO_COLOR="1")
    command = [
        str(bin_dir / "openapi-python-client"),
        "generate",
        "--path", str(spec_path),
        "--config", str(CONFIG_PATH),
        "--custom-template-path", str(TEMPLATES_PATH),
        "--meta", "uv",
        "--output-path", str(output),
        "--fail-on-warning",
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=output.parent, check=False)
    if result.returncode != 0:
        detail = [
            line.strip()
            for line in (result.stderr + result.stdout).splitlines()
            if line.strip() and not line.startswith(("If you believe", "Generating "))
        ]
        raise SpecError(f"openapi-python-client failed: {' | '.join(detail[:3]) or 'no output'}")
    for leftover in output.rglob(".ruff_cache"):
        shutil.rmtree(leftover)


def _files(root: Path) -> set[str]:
    if not root.exists():
        return set()
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not IGNORED_NAMES.intersection(p.relative_to(root).parts)
    }


def compare(expected: Path, actual: Path) -> Drift:
    """How `actual` (committed) differs from `expected` (freshly generated)."""
    want, have = _files(expected), _files(actual)
    changed = [p for p in sorted(want & have) if not filecmp.cmp(expected / p, actual / p, shallow=False)]
    return Drift(added=sorted(want - have), missing=sorted(have - want), changed=changed)


def provenance_block(spec_path: Path = spec.SPEC_PATH) -> dict[str, str]:
    return {
        "spec_sha256": spec.sha256_of(spec_path),
        "openapi-python-client": GENERATOR_VERSION,
        "ruff": RUFF_VERSION,
        "output": OUTPUT_PATH.relative_to(spec.ROOT).as_posix(),
    }


def regenerate(spec_path: Path = spec.SPEC_PATH, output: Path = OUTPUT_PATH) -> None:
    """Rewrite the committed client and the generation record in spec/provenance.json."""
    with tempfile.TemporaryDirectory(prefix="regen-") as tmp:
        fresh = Path(tmp) / PROJECT_NAME
        generate(fresh, spec_path)
        if output.exists():
            shutil.rmtree(output)
        shutil.copytree(fresh, output)
    record = spec.read_provenance() if spec.PROVENANCE_PATH.exists() else {}
    record["generation"] = provenance_block(spec_path)
    spec.write_provenance(record)


def check(spec_path: Path = spec.SPEC_PATH, output: Path = OUTPUT_PATH) -> Drift:
    """Regenerate into a temporary folder and compare; also checks the recorded spec hash."""
    with tempfile.TemporaryDirectory(prefix="regen-check-") as tmp:
        fresh = Path(tmp) / PROJECT_NAME
        generate(fresh, spec_path)
        drift = compare(fresh, output)
    recorded = spec.read_provenance().get("generation", {}) if spec.PROVENANCE_PATH.exists() else {}
    if recorded != provenance_block(spec_path):
        drift.changed.append(spec.PROVENANCE_PATH.relative_to(spec.ROOT).as_posix() + " (generation record)")
    return drift
