"""One large recording judged in several processes, with the result one process gives (`juspay-drift --jobs`).

    parent ── fork ──► worker k: parses the recording's bytes (read once, before the fork), judges share k,
       │                        sends its judge's state (findings, steps, observations, coverage, secrets)
       └─ parses the same bytes, judges share 0, then adds each worker's state in order (`Judge.absorb`)

Each process parses the bytes itself, so the objects it counts references on are its own and no page is copied
on write. A recording of fewer than PARALLEL_FROM entries (or a kit cassette, streamed) is judged by the parent
alone. A worker's fault reaches the parent as its own: a UsageError as it was, a bug by its name, on one line.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.context import ForkProcess
from typing import Any

from juspay_kit.errors import HarnessError, UsageError
from juspay_kit.proxy.recordings import Recording
from juspay_kit.traffic.drift import Judge

PARALLEL_FROM = 4_000  # entries from which juspay-drift --jobs shares a recording between processes
FIRST_SHARE_EXTRA = 0.05  # what a worker's hand-over costs, against judging (measured: 30 ms of 0.5 s)


def worth_sharing(raw: bytes) -> bool:
    """Whether a HAR or VCR.py file's bytes may hold PARALLEL_FROM entries: each names its `request` (counted up
    to that many, in a few milliseconds). A file that cannot is judged without forking a process that would
    parse it for nothing."""
    at = 0
    for _ in range(PARALLEL_FROM):
        at = raw.find(b"request", at) + 1
        if not at:
            return False
    return True


def judge(parent: Judge, load: Callable[[], Recording], jobs: int) -> None:
    """Judge the recording `load` parses in `jobs` processes, into `parent`."""
    context = multiprocessing.get_context("fork")
    start = parent.result.exchanges
    workers: list[tuple[ForkProcess, Connection]] = []
    try:
        for index in range(1, jobs):
            receiver, sender = context.Pipe(duplex=False)
            inherited = [receiver, *(held for _, held in workers)]  # read ends the worker closes (`_judge_share`)
            arguments = (parent, load, index, jobs, sender, inherited)
            worker = context.Process(target=_judge_share, args=arguments, daemon=True)
            worker.start()
            sender.close()
            workers.append((worker, receiver))
        recording = load()
        parent.each(recording, _share(recording, 0, jobs))
        states = [_received(receiver) for _, receiver in workers]
    except BaseException:
        for worker, _ in workers:
            worker.kill()
        raise
    finally:
        for worker, receiver in workers:
            receiver.close()
            parent.workers.append(worker)  # joined in `finish`: meanwhile the system takes its memory back
    parent.parsed = recording  # freed with the judge, not object by object before the reports are written
    for state in states:
        if isinstance(state, BaseException):
            raise state
        parent.absorb(state)
    parent.judged_source(recording, start)


def _judge_share(
    parent: Judge, load: Callable[[], Recording], index: int, jobs: int, sender: Connection, inherited: list[Connection]
) -> None:
    """In a forked worker: a fresh judge over one share of the recording; sends its state, or the fault it met
    (a bug as its name only, which the parent reports on one line as its own). The read ends the fork copied are
    closed first: held here, a parent killed meanwhile would leave this process blocked on a full pipe forever."""
    for end in inherited:
        end.close()
    try:
        judge = Judge(parent.custom, parent.server)
        recording = load()
        judge.each(recording, _share(recording, index, jobs))
        _send(sender, judge.state())
    except HarnessError as error:
        _send(sender, error)
    except BaseException as error:  # noqa: BLE001 - the worker's bug is the parent's to report
        _send(sender, RuntimeError(type(error).__name__))
    finally:
        sender.close()


def _send(sender: Connection, message: object) -> None:
    try:
        sender.send(message)
    except OSError:  # the parent is gone: no one to tell, and no traceback for its terminal
        pass


def _received(receiver: Connection) -> dict[str, Any] | BaseException:
    try:
        state: dict[str, Any] | BaseException = receiver.recv()
    except EOFError:
        return UsageError("a process judging a share of the recording ended without its result (out of memory?)")
    return state


def _share(recording: Recording, index: int, jobs: int) -> Iterator[dict[str, Any]]:
    """The exchanges of share `index` of `jobs`: all of them in the first when the recording is too small to share.
    The first share, this process's, is FIRST_SHARE_EXTRA larger: the workers' results arrive while it ends it."""
    size = recording.size
    if recording.part is None or size < PARALLEL_FROM:
        return recording.exchanges if index == 0 else iter(())
    first = min(size, round(size / jobs * (1 + FIRST_SHARE_EXTRA)))
    if index == 0:
        return recording.part(0, first)
    rest = size - first
    return recording.part(first + rest * (index - 1) // (jobs - 1), first + rest * index // (jobs - 1))
