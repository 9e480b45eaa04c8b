"""Hold a server to the vendored spec: the embedded mock (default), any loopback server, or Juspay's sandbox.

A loopback target with the mock's /__mock__/ controls runs the mock profile (fresh, primed OTP sessions;
valid data must get 2xx); one without them runs the stand-in profile (documented refusals allowed for valid
data, no priming, no rate limit or budget unless asked). https://sandbox.juspay.in runs the sandbox profile
(rate limit, budget, no replays). Nothing else is ever contacted. Reports: DIR/summary.json, junit.xml,
summary.md.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit
from urllib.request import url2pathname

from juspay_visa_agentic_client.guard import MAX_ANSWER_BYTES

from juspay_kit.cli import EXIT_ERROR, EXIT_OK, EXIT_VIOLATION, command_parser, non_negative_int, printable, run
from juspay_kit.contract.settings import ENVIRONMENT, MODES, PROFILES, resolve
from juspay_kit.errors import HarnessError, TargetUnreachable, UsageError
from juspay_kit.redact import Redactor

CONTRACT_EXTRA = "the contract check needs schemathesis and hypothesis, which a slim install leaves out; add the "
KIT = "juspay-visa-agentic-kit"


def contract_extra_hint() -> str:
    """One line: how to add the `contract` extra to the kit as it was installed (the same wheel, folder, VCS
    URL or index), read from its PEP 610 record; the kit is on no public index."""
    try:
        installed = metadata.distribution(KIT)
    except metadata.PackageNotFoundError:  # run from a checkout
        from juspay_kit.spec import ROOT

        return CONTRACT_EXTRA + f'extra to the checkout: pip install "{ROOT}[contract]"'
    source = _installed_from(installed.read_text("direct_url.json"))
    if source is None:
        return CONTRACT_EXTRA + (
            f'extra from the index the kit came from: pip install "{KIT}[contract]=={installed.version}"'
        )
    return CONTRACT_EXTRA + f"extra to the kit as it was installed: pip install {source}"


def _installed_from(record: str | None) -> str | None:
    """The pip argument that installs the kit with its contract extra from where it came, or None (an index)."""
    try:
        found = json.loads(record or "null")
        url = urlsplit(str(found["url"]))
    except (ValueError, KeyError, TypeError):
        return None
    clean = url._replace(netloc=url.netloc.rpartition("@")[2]).geturl()  # never a credential in the hint
    if url.scheme == "file" and "vcs_info" not in found:
        editable = "-e " if found.get("dir_info", {}).get("editable") else ""
        return f'{editable}"{url2pathname(url.path)}[contract]"'
    vcs = found.get("vcs_info")
    if isinstance(vcs, dict):
        return f'"{KIT}[contract] @ {vcs.get("vcs", "git")}+{clean}@{vcs.get("commit_id", "")}"'
    return f'"{KIT}[contract] @ {clean}"'


def main(argv: Sequence[str] | None = None) -> int:
    parser = command_parser(
        "juspay-contract",
        __doc__,
        {
            EXIT_OK: "no violation (a rule or an inferred part not exercised is a note; see --require-rules)",
            EXIT_VIOLATION: "violations found: a failed check, a journey rule or an inferred part the target "
            "contradicts, or (with --require-rules) a rule not exercised",
            EXIT_ERROR: "usage or configuration error, refused target, or target unreachable (an outage, "
            "never reported as a violation)",
        },
        ENVIRONMENT,
    )
    parser.add_argument("--base-url", help="a loopback URL or https://sandbox.juspay.in (default: the embedded mock)")
    parser.add_argument("--mode", choices=MODES, default="all", help="generation mode (default: %(default)s)")
    parser.add_argument("--max-examples", type=int, help="fuzzing cases per operation (default: 250; sandbox 20)")
    parser.add_argument("--seed", type=non_negative_int, help="reproduce a run (printed at the end of every run)")
    parser.add_argument(
        "--report-dir", type=Path, default=Path("reports"), help="where reports go (default: %(default)s)"
    )
    parser.add_argument(
        "--profile", choices=PROFILES, help="default: sandbox for the sandbox host; for loopback, mock when the "
        "server has the /__mock__/ controls, else standin"
    )  # fmt: skip
    parser.add_argument("--rate-limit", type=float, help="requests per second (default: none; sandbox 2)")
    parser.add_argument("--budget", type=non_negative_int, help="requests per run (default: none; sandbox 200)")
    parser.add_argument(
        "--request-timeout", type=float, default=10.0, help="seconds for a whole answer, from sending to its last "
        "byte: a total deadline, however slowly the answer drips (default: %(default)s)"
    )  # fmt: skip
    parser.add_argument(
        "--max-answer-bytes", type=non_negative_int, default=MAX_ANSWER_BYTES, help="an answer larger than this is "
        "not read further and ends the run as target_unreachable (default: %(default)s, 1 MiB)"
    )  # fmt: skip
    parser.add_argument(
        "--phases", metavar="LIST", help="comma-separated schemathesis phases to run, of examples, coverage, "
        "fuzzing (default: all three; JUSPAY_PHASES); the rule probe always runs"
    )  # fmt: skip
    parser.add_argument(
        "--operation", action="append", metavar="OPERATION_ID", help="check only this operation (repeatable; "
        "default: every operation of the spec, e.g. triggerOtp, fetchPaymentCredentials)"
    )  # fmt: skip
    parser.add_argument(
        "--require-rules", action="store_true", default=None, help="fail the run when a rule of the journey (the "
        "probe) was not exercised; default: a note. Rules whose operations --operation leaves out are not required"
    )  # fmt: skip
    args = parser.parse_args(argv)
    if not 0 < args.request_timeout <= 600:  # also refuses nan and inf
        parser.error("argument --request-timeout: must be a number of seconds in (0, 600]")
    settings = resolve(
        base_url=args.base_url,
        mode=args.mode,
        max_examples=args.max_examples,
        seed=args.seed,
        report_dir=args.report_dir,
        profile=args.profile,
        rate_limit=args.rate_limit,
        budget=args.budget,
        request_timeout=args.request_timeout,
        operations=args.operation,
        require_rules=args.require_rules,
        max_answer_bytes=args.max_answer_bytes,
        phases=args.phases,
    )
    if find_spec("schemathesis") is None or find_spec("hypothesis") is None:
        raise UsageError(contract_extra_hint())
    from juspay_kit.contract import report, runner  # heavy imports after the arguments are known good

    report.prepare(settings.report_dir)  # an unwritable report directory is found before any request
    redactor = Redactor()
    if settings.credentials_note:
        print(f"  note: {settings.credentials_note}")
    try:
        result = runner.run(
            settings,
            redactor,
            progress=lambda line: print(printable(line), flush=True),
            announce=lambda s: print(
                f"Contract check of {s.describe_target()} (profile {s.profile.value}, seed {s.seed})", flush=True
            ),
        )
    except TargetUnreachable as exc:
        _write_outage(settings.report_dir, settings.describe_target(), str(exc), redactor)
        raise
    except HarnessError as exc:
        raise HarnessError(redactor.text(str(exc))) from None
    data = report.write(result, settings.report_dir, redactor)
    print(printable(redactor.text(report.console(data))))
    print(f"  reports: {settings.report_dir}/summary.json, junit.xml, summary.md")
    if result.violations:  # also when the target was lost afterwards: the outcome says the run was cut short
        return EXIT_VIOLATION
    if result.outage is not None:
        return EXIT_ERROR
    return EXIT_ERROR if result.errors else EXIT_OK


def _write_outage(directory: Path, target: str, message: str, redactor: Redactor) -> None:
    """An unreachable target still leaves a summary, so the nightly job can tell an outage apart."""
    directory.mkdir(parents=True, exist_ok=True)
    data = {"outcome": "target_unreachable", "target": target, "outage": message, "cases": 0, "failures": 0,
            "duration_s": 0.0, "violations": []}  # fmt: skip
    (directory / "summary.json").write_text(redactor.text(json.dumps(data, indent=2)) + "\n")
    (directory / "summary.md").write_text(
        redactor.text(f"## ⚠️ Juspay contract check: target unreachable\n\n{message}\n")
    )


def console() -> NoReturn:
    run(main)


if __name__ == "__main__":
    console()
