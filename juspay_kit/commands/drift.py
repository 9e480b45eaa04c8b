"""Judge recorded traffic against the spec: HAR (DevTools, mitmproxy, Redocly's proxy, juspay-proxy), VCR.py
cassettes (pytest-recording) and the kit's own cassettes, the format found from the file (--format forces it).

Each exchange is matched to an operation (--server strips a server prefix; the rest is listed as
undocumented) and judged: status, content type, schema with the field path, Basic auth and x-merchantid,
refusal codes the spec lacks. The journey's rules are judged over the recorded order, every inferred part
the answers touch gets a verdict, and coverage says what the traffic exercised. Reports: DIR/drift.json,
drift.md, drift-junit.xml and drift.sarif (GitHub code scanning); secrets masked in each.
"""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from juspay_kit.cli import EXIT_ERROR, EXIT_OK, EXIT_VIOLATION, command_parser, run, whole_number
from juspay_kit.commands import add_recording_arguments, recording_format


def main(argv: Sequence[str] | None = None) -> int:
    parser = command_parser(
        "juspay-drift",
        __doc__,
        {
            EXIT_OK: "the traffic matches the spec: no finding, no contradicted rule or inference",
            EXIT_VIOLATION: "drift: at least one finding, contradicted rule, inference or decision; or nothing judged",
            EXIT_ERROR: "bad arguments, or a recording this command cannot read (named with the position)",
        },
        {"JUSPAY_KIT_SPEC": "judge against this OpenAPI document instead of the kit's spec"},
    )
    add_recording_arguments(parser, "judged")
    parser.add_argument(
        "--report-dir", type=Path, default=Path("reports"), help="where drift.json/.md/-junit.xml/.sarif go"
    )
    parser.add_argument("--redocly", type=Path, metavar="REPORT", help="Redocly's `drift --format json` report on "
                        "the same traffic: its findings are set side by side with these")  # fmt: skip
    parser.add_argument("--jobs", type=whole_number(1, 16), default=min(os.cpu_count() or 1, 4),
                        help="processes that judge a large HAR or VCR file (default: the CPUs, at most 4)")  # fmt: skip
    args = parser.parse_args(argv)
    from juspay_kit.contract.report import prepare
    from juspay_kit.proxy.recordings import read, whole
    from juspay_kit.traffic import drift, report, shares
    from juspay_kit.traffic.compare import compare, read_report

    judge = drift.Judge(server=args.server)  # a bad --server is refused here, before anything is written
    problems = read_report(args.redocly) if args.redocly is not None else None
    prepare(args.report_dir)
    for path in args.recordings:
        fmt = recording_format(args)
        raw = whole(path, fmt) if args.jobs > 1 else None  # read once, parsed by each process that shares it
        if raw is not None and shares.worth_sharing(raw):
            shares.judge(judge, functools.partial(read, path, fmt, raw), args.jobs)
        else:
            judge.recording(read(path, fmt, raw))
    result = judge.finish()
    if problems is not None:
        result.redocly = compare(problems, result)
    report.write(result, args.report_dir, judge.redactor)
    print(judge.redactor.text(report.console(result)))  # nothing when stdout was closed: the reports are written
    return EXIT_VIOLATION if result.failures or not result.judged else EXIT_OK


def console() -> NoReturn:
    gc.disable()  # a process that ends once judged: the recording's many small objects make no cycles, and the
    # collector would walk them again and again (0.2 s of 2 on 20,000 exchanges)
    run(main, hard_exit=True)


if __name__ == "__main__":
    console()
