"""Shared command-line plumbing: one-line errors and exit codes for every script."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from juspay_kit.errors import HarnessError

EXIT_OK = 0
EXIT_VIOLATION = 1
EXIT_ERROR = 2


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line on stderr and exit code 2, never a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see --help)\n")


_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` safe for a terminal or a Markdown summary: control characters (an ANSI escape a hostile server or
    caller put in a code, a field name or a path), line separators and lone surrogates are shown escaped."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)


def command_parser(
    prog: str, doc: str | None, exit_codes: dict[int, str], environment: dict[str, str]
) -> ArgumentParser:
    """A command's parser: the docstring as description, exit codes and environment variables in --help,
    and --version."""
    from juspay_kit import __version__

    lines = ["exit codes:", *(f"  {code}  {meaning}" for code, meaning in exit_codes.items())]
    if environment:
        lines += ["", "environment variables:", *(f"  {name:<22}{meaning}" for name, meaning in environment.items())]
    parser = ArgumentParser(
        prog=prog,
        description=doc,
        epilog="\n".join(lines),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__} (juspay-visa-agentic-kit)")
    return parser


def positive(text: str) -> int:
    """argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """argparse type: an integer from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}, got {text[:40]!r}")
        return value

    return parse


def non_negative_int(text: str) -> int:
    """argparse type: an integer of at least 0."""
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def seconds(text: str) -> float:
    """argparse type: a finite number of seconds in (0, 3600]."""
    value = float(text)
    if not 0 < value <= 3600:  # also refuses nan and inf
        raise ValueError(text)
    return value


def _drop_output() -> None:
    """Point stdout at /dev/null: what is still buffered for a closed pipe is dropped, not raised again at exit."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real stdout (a test's, or none at all)
        pass


def run(
    main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None = None, *, hard_exit: bool = False
) -> NoReturn:
    """Run a script's main; a HarnessError becomes one line on stderr and exit code 2. `hard_exit`: a command
    that holds a large recording in memory leaves without freeing it object by object (0.06 s on 20,000
    exchanges); the OS takes it back at once (its output is flushed first)."""
    try:
        code = main(argv)
    except HarnessError as exc:
        prog = sys.argv[0].rsplit("/", 1)[-1]
        print(f"{prog}: error: {exc}", file=sys.stderr)
        code = EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = EXIT_ERROR
    except BrokenPipeError:  # the reader of its output went away (`| head`): the rest is no one's to read
        _drop_output()
        print(f"{sys.argv[0].rsplit('/', 1)[-1]}: error: its output was closed before all of it was written",
              file=sys.stderr)  # fmt: skip
        code = EXIT_ERROR
    except Exception as exc:  # a bug, not the user's input: still one line, and no message that may hold a secret
        if os.environ.get("JUSPAY_DEBUG"):
            raise
        prog = sys.argv[0].rsplit("/", 1)[-1]
        print(f"{prog}: internal error ({type(exc).__name__}); rerun with JUSPAY_DEBUG=1 to see where", file=sys.stderr)
        code = EXIT_ERROR
    if hard_exit:
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:  # None: the command started with that descriptor closed (`>&-`)
                    stream.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more can be said
                pass
        os._exit(code)
    sys.exit(code)
