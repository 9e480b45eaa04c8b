"""Start the mock as a subprocess on a free loopback port and wait until it listens."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from juspay_kit.errors import HarnessError
from juspay_kit.mock import READY_PREFIX
from juspay_kit.spec import ROOT


@dataclass(frozen=True)
class RunningMock:
    url: str
    api_key: str
    merchant_id: str
    process: subprocess.Popen[str]


@contextmanager
def running_mock(
    api_key: str = "mock_api_key",
    merchant_id: str = "mock_merchant",
    extra_args: Sequence[str] = (),
    timeout: float = 20.0,
) -> Iterator[RunningMock]:
    """Run `juspay-mock` (as `python -m juspay_kit.commands.mock`) on 127.0.0.1:0; HarnessError with a hint
    if it does not come up."""
    command = [sys.executable, "-m", "juspay_kit.commands.mock", "--host", "127.0.0.1", "--port", "0"]
    command += ["--api-key", api_key, "--merchant-id", merchant_id, *extra_args]
    # stderr goes to a file so a chatty server can never block on a full pipe; stdout is drained by a thread.
    errors = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, cwd=str(ROOT))
    try:
        url = _wait_for_url(process, errors, timeout)
        yield RunningMock(url, api_key, merchant_id, process)
    finally:
        errors.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _wait_for_url(process: subprocess.Popen[str], errors: IO[str], timeout: float) -> str:
    found: list[str] = []
    ready = threading.Event()

    def drain() -> None:
        assert process.stdout is not None
        try:
            for line in process.stdout:
                if not found and line.startswith(READY_PREFIX):
                    found.append(line[len(READY_PREFIX) :].strip())
                    ready.set()
        except ValueError:  # closed on shutdown
            pass
        ready.set()

    threading.Thread(target=drain, daemon=True).start()
    ready.wait(timeout)
    if found:
        return found[0]
    process.kill()
    process.wait()
    errors.seek(0)
    stderr = errors.read()
    tail = " | ".join(stderr.strip().splitlines()[-3:])
    raise HarnessError(
        f"the embedded mock did not come up within {timeout:.0f}s "
        f"(exit code {process.poll()}); run `juspay-mock` to see why. {tail}".strip()
    )
