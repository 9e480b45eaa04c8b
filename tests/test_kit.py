"""The installable kit as an integrator gets it: `make package`, the two wheels in a fresh virtual
environment, and everything run from a temporary folder outside the repository.

The fresh environment gets the kit and client wheels installed with pip; their third-party dependencies
come from this project's pinned .venv through a .pth line, so the test needs no package index.
"""

from __future__ import annotations

import glob
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from juspay_kit import __version__, spec

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("kit")]  # one worker builds the wheels
COMMANDS = ["juspay-mock", "juspay-contract", "juspay-proxy", "juspay-replay", "juspay-spec-diff", "juspay-fetch-spec",
            "juspay-convert", "juspay-drift", "juspay-learn"]  # fmt: skip


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The client and kit wheels `make package` builds (into a folder of this test run's own)."""
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run(["make", "package", f"DIST={dist}"], capture_output=True, text=True, cwd=spec.ROOT,
                           timeout=400)  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    names = sorted(p.name for p in dist.iterdir())
    assert [n for n in names if n.startswith("juspay_visa_agentic_kit")] == [
        f"juspay_visa_agentic_kit-{__version__}-py3-none-any.whl",
        f"juspay_visa_agentic_kit-{__version__}.tar.gz",
    ]
    assert len([n for n in names if n.startswith("juspay_visa_agentic_client") and n.endswith(".whl")]) == 1
    return sorted(dist.glob("*.whl"))


@pytest.fixture(scope="session")
def kit(wheels: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bin folder of a fresh venv holding only the two wheels."""
    env = tmp_path_factory.mktemp("kit") / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    py = env / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    (Path(site) / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--no-index",
         *map(str, wheels)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    assert (Path(site) / "juspay_kit" / "openapi.yaml").read_bytes() == spec.SPEC_PATH.read_bytes()
    yield env / "bin"


def outside(bin_dir: Path, tmp_path: Path, *command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    return subprocess.run(list(command), capture_output=True, text=True, cwd=tmp_path, env=env, timeout=timeout)


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help_and_version(command: str, kit: Path, tmp_path: Path) -> None:
    helped = outside(kit, tmp_path, command, "--help")
    assert helped.returncode == 0, helped.stderr
    assert "exit codes:" in helped.stdout and "  2  " in helped.stdout
    assert "default" in helped.stdout or command == "juspay-spec-diff"  # the one command with no option value
    if command == "juspay-contract":  # its help lists the environment it reads
        assert "JUSPAY_API_KEY" in helped.stdout and "JUSPAY_BASE_URL" in helped.stdout and "standin" in helped.stdout
    versioned = outside(kit, tmp_path, command, "--version")
    assert versioned.returncode == 0 and __version__ in versioned.stdout
    # an unknown flag is one line and exit 2: tests/test_delivery.py holds every command to it, in-process


def test_mock_and_contract_run_outside_the_repository(kit: Path, tmp_path: Path) -> None:
    env = {"PATH": f"{kit}:/usr/bin:/bin", "HOME": str(tmp_path)}
    mock = subprocess.Popen(["juspay-mock", "--port", "0", "--seed", "1"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=tmp_path, env=env)  # fmt: skip
    try:
        assert mock.stdout is not None
        line = mock.stdout.readline()
        assert line.startswith("Juspay mock listening on "), line
        url = line.split()[-1]
        assert mock.stdout.readline().strip() == f"OTP inbox page: {url}/__mock__/ui"
        checked = outside(kit, tmp_path, "juspay-contract", "--base-url", url, "--max-examples", "15", "--seed", "2",
                          "--operation", "triggerOtp", "--operation", "fetchPaymentCredentials", "--phases", "fuzzing",
                          "--report-dir", "reports", timeout=300)  # fmt: skip
    finally:
        mock.terminate()
        mock.wait(10)
        if mock.stdout is not None:
            mock.stdout.close()
    assert checked.returncode == 0, checked.stdout + checked.stderr
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text())
    assert summary["profile"] == "mock" and summary["outcome"] == "passed"
    assert "default credentials" in summary["credentials"]


def readme_consumer_test() -> str:
    readme = (spec.ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"## Use the mock in your tests.*?```python\n(.*?)```", readme, re.S)
    assert match, "README has no consumer test under 'Use the mock in your tests'"
    return match.group(1)


def test_readme_consumer_test_passes_with_the_installed_plugin(kit: Path, tmp_path: Path) -> None:
    (tmp_path / "test_binding.py").write_text(readme_consumer_test())
    ran = outside(kit, tmp_path, str(kit / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                  "--juspay-mock-seed", "4", "test_binding.py")  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert re.search(r"\b3 passed\b", ran.stdout), ran.stdout


def newest_python() -> str | None:
    """The newest interpreter above 3.11 the kit supports that this machine has (pyenv's or on PATH)."""
    for minor in ("3.13", "3.12"):
        candidates = [
            shutil.which(f"python{minor}"),
            *sorted(glob.glob(f"/root/.pyenv/versions/{minor}*/bin/python{minor}")),
        ]
        for candidate in filter(None, candidates):
            if subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:
                return candidate
    return None


def lowest_constraints() -> str:
    """`name==lowest` for every range of the kit's runtime dependencies (the slim set), from pyproject.toml."""
    project = tomllib.loads((spec.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lowest = []
    for requirement in project["dependencies"]:
        name, _, rest = requirement.partition(">=")
        if rest and not name.startswith("juspay-"):
            lowest.append(f"{name.strip()}=={rest.split(',')[0].split(';')[0].strip()}")
    return "\n".join(lowest) + "\n"


def test_the_slim_kit_installs_at_its_lowest_versions_on_a_newer_python(wheels: list[Path], tmp_path: Path) -> None:
    """A real install with dependency resolution (from the package index) on the newest interpreter found: the
    slim kit (no `contract` extra) at the lowest version of every range, beside a project's own pins. The
    fixture, faults and journal work; schemathesis and hypothesis are not there, and juspay-contract says
    which extra to install."""
    python = newest_python()
    if python is None:
        pytest.skip("no Python 3.12 or 3.13 on this machine")
    env = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)  # the dev pip installs
    (tmp_path / "lowest.txt").write_text(lowest_constraints())
    kit_wheel = next(str(w) for w in wheels if w.name.startswith("juspay_visa_agentic_kit"))
    installed = subprocess.run(  # no bytecode compilation: the test imports a fraction of what it installs
        [sys.executable, "-m", "pip", "--python", str(env / "bin" / "python"), "install", "-q",
         "--disable-pip-version-check", "--no-compile", "--find-links", str(wheels[0].parent),
         "-c", str(tmp_path / "lowest.txt"), kit_wheel, "pytest==9.2.0"],
        capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-2000:]
    (tmp_path / "test_binding.py").write_text(readme_consumer_test())
    shutil.copy(spec.ROOT / "tests" / "fixtures" / "double_consumer.py", tmp_path / "test_double.py")
    ran = outside(env / "bin", tmp_path, str(env / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                  "--juspay-mock-seed", "0", "test_binding.py", "test_double.py")  # fmt: skip
    assert ran.returncode == 0 and re.search(r"\b12 passed\b", ran.stdout), ran.stdout + ran.stderr
    missing = outside(env / "bin", tmp_path, str(env / "bin" / "python"), "-c", "import schemathesis")
    assert missing.returncode != 0  # the slim set really is slim
    contract = outside(env / "bin", tmp_path, "juspay-contract", "--max-examples", "1")
    # the hint adds the extra to the kit as it was installed (this wheel), never a name no index serves
    assert contract.returncode == 2 and f"{Path(kit_wheel).name}[contract]" in contract.stderr, contract.stderr
    assert len(contract.stderr.splitlines()) == 1, contract.stderr
