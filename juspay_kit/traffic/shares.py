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
from typing import Any

from juspay_kit.errors import HarnessError, UsageError
from juspay_kit.proxy.recordings import Recording
from juspay_kit.traffic.drift import Judge

PARALLEL_FROM = 4_000  # entries from which juspay-drift --jobs shares a recording between processes
PARALLEL_BYTES = 128 * 1024  # a smaller file holds fewer entries (a HAR entry takes 36 bytes or more): no fork
FIRST_SHARE_EXTRA = 0.05  # what a worker's hand-over costs, against judging (measured: 30 ms of 0.5 s)


def judge(parent: Judge, load: Callable[[], Recording], jobs: int) -> None:
    """Judge the recording `load` parses in `jobs` processes, into `parent`."""
    context = multiprocessing.get_context("fork")
    start = parent.result.exchanges
    workers = []
    try:
        for index in range(1, jobs):
            receiver, sender = context.Pipe(duplex=False)
            worker = context.Process(target=_judge_share, args=(parent, load, index, jobs, sender), daemon=True)
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
    parent.result.sources.append(
        {"path": str(recording.path), "format": recording.format, "exchanges": parent.result.exchanges - start}
    )


def _judge_share(parent: Judge, load: Callable[[], Recording], index: int, jobs: int, sender: Connection) -> None:
    """In a forked worker: a fresh judge over one share of the recording; sends its state, or the fault it met
    (a bug as its name only, which the parent reports on one line as its own)."""
    try:
        judge = Judge(parent.custom, parent.server)
        recording = load()
        judge.each(recording, _share(recording, index, jobs))
        sender.send(judge.state())
    except HarnessError as error:
        sender.send(error)
    except BaseException as error:  # noqa: BLE001 - the worker's bug is the parent's to report
        sender.send(RuntimeError(type(error).__name__))
    finally:
        sender.close()


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
