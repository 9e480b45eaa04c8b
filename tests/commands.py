"""Run a console command's entry point in this process, as `cli.run` would from the shell: the same code
path minus an interpreter start, with stdout, stderr and the exit code captured."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO

import pytest

from juspay_kit.cli import run


def run_command(
    main: Callable[[Sequence[str] | None], int], args: Sequence[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`main(args)` through `cli.run`. With `env`, the JUSPAY_* variables are exactly `env` meanwhile."""
    saved = dict(os.environ)
    if env is not None:
        os.environ.clear()
        os.environ.update({k: v for k, v in saved.items() if not k.startswith("JUSPAY_")} | env)
    out, err = StringIO(), StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(err), pytest.raises(SystemExit) as exited:
            run(main, list(args))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    code = exited.value.code
    return subprocess.CompletedProcess(list(args), code if isinstance(code, int) else 2, out.getvalue(), err.getvalue())
