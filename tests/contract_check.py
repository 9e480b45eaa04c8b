"""Running `juspay-contract` from the harness self-tests: in this process, or as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from juspay_kit.spec import ROOT
from tests.broken_servers import API_KEY, MERCHANT
from tests.commands import run_command

SCRIPT = ROOT / "scripts" / "contract_check.py"
CREDENTIALS = {"JUSPAY_API_KEY": API_KEY, "JUSPAY_MERCHANT_ID": MERCHANT}


# What a self-test checks (reports, secrets, profiles, faults) does not depend on the operation, and a run of
# all five costs about three times as many cases: without `--operation`, the self-tests check the two OTP
# operations. `test_default_run_against_the_embedded_mock` and `make contract` run all five.
OTP_OPERATIONS = ("--operation", "triggerOtp", "--operation", "validateOtp")


def contract_check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`juspay-contract ARGS` in this process, with only `env` as JUSPAY_* variables. The real sockets, servers
    and schemathesis runs are unchanged; only the interpreter start is saved. `test_default_run_...` and the
    refused-target tests keep real subprocesses. Without `--operation` in ARGS: the OTP operations only."""
    from juspay_kit.commands.contract import main

    chosen = args if "--operation" in args else (*args, *OTP_OPERATIONS)
    return run_command(main, chosen, env=env or {})


def contract_check_process(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """The same command as a real subprocess of `scripts/contract_check.py`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JUSPAY_")}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**clean, **(env or {})},
    )


def summary(report_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((report_dir / "summary.json").read_text())
    return data


def all_reports(report_dir: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(report_dir.iterdir()))
