#!/usr/bin/env python3
"""Hold the embedded mock (default) or Juspay's sandbox to spec/openapi.yaml.

Exit codes: 0 no violation · 1 violations found · 2 usage or configuration error, refused target, or
target unreachable (an outage, never reported as a violation). Reports: DIR/summary.json, junit.xml,
summary.md. Credentials for a non-embedded target come from JUSPAY_API_KEY and JUSPAY_MERCHANT_ID.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.cli import EXIT_ERROR, EXIT_OK, EXIT_VIOLATION, ArgumentParser, run  # noqa: E402
from harness.contract.redact import Redactor  # noqa: E402
from harness.contract.settings import MODES, resolve  # noqa: E402
from harness.errors import HarnessError, TargetUnreachable  # noqa: E402


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(prog="contract_check.py", description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--base-url", help="target: a loopback URL or https://sandbox.juspay.in (default: embedded mock)"
    )
    parser.add_argument("--mode", choices=MODES, default="all", help="generation mode (default: %(default)s)")
    parser.add_argument("--max-examples", type=int, help="fuzzing cases per operation (default: 250 mock, 20 sandbox)")
    parser.add_argument("--seed", type=non_negative_int, help="reproduce a run (printed at the end of every run)")
    parser.add_argument(
        "--report-dir", type=Path, default=Path("reports"), help="where reports go (default: %(default)s)"
    )
    parser.add_argument(
        "--profile", choices=("mock", "sandbox"), help="default: sandbox for the sandbox host, else mock"
    )
    parser.add_argument("--rate-limit", type=float, help="requests per second (sandbox default: 2)")
    parser.add_argument("--budget", type=non_negative_int, help="requests per run (sandbox default: 200)")
    parser.add_argument("--request-timeout", type=float, default=10.0, help="seconds (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.request_timeout <= 0:
        parser.error("argument --request-timeout: must be positive")
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
    )
    from harness.contract import report, runner  # heavy imports after the arguments are known good

    redactor = Redactor()
    print(f"Contract check of {settings.describe_target()} (profile {settings.profile.value}, seed {settings.seed})")
    try:
        result = runner.run(settings, redactor, progress=lambda line: print(line, flush=True))
    except TargetUnreachable as exc:
        _write_outage(settings.report_dir, settings.describe_target(), str(exc), redactor)
        raise
    except HarnessError as exc:
        raise HarnessError(redactor.text(str(exc))) from None
    data = report.write(result, settings.report_dir, redactor)
    print(redactor.text(report.console(data)))
    print(f"  reports: {settings.report_dir}/summary.json, junit.xml, summary.md")
    if result.outage is not None:
        return EXIT_ERROR
    if result.violations:
        return EXIT_VIOLATION
    return EXIT_ERROR if result.errors else EXIT_OK


def _write_outage(directory: Path, target: str, message: str, redactor: Redactor) -> None:
    """An unreachable target still leaves a summary, so the nightly job can tell an outage apart."""
    import json

    directory.mkdir(parents=True, exist_ok=True)
    data = {"outcome": "target_unreachable", "target": target, "outage": message, "cases": 0, "failures": 0,
            "duration_s": 0.0, "violations": []}  # fmt: skip
    (directory / "summary.json").write_text(redactor.text(json.dumps(data, indent=2)) + "\n")
    (directory / "summary.md").write_text(
        redactor.text(f"## ⚠️ Juspay contract check: target unreachable\n\n{message}\n")
    )


if __name__ == "__main__":
    run(main)
