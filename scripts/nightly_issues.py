#!/usr/bin/env python3
"""After the nightly run: open, update or close one GitHub issue per violation fingerprint (and one for an
outage), and open or update one pull request per learned spec proposal (--proposals). See
juspay_kit/nightly/ for the rules. Needs GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL (a --dry-run without
them plans against nothing open)."""

import os
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # a checkout need not install the kit

from juspay_kit.cli import EXIT_OK, ArgumentParser, run  # noqa: E402
from juspay_kit.errors import UsageError  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(prog="nightly_issues.py", description=__doc__)
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="the contract check's report folder")
    parser.add_argument("--flow-junit", type=Path, default=Path("reports/flow-junit.xml"), help="the flow's JUnit")
    parser.add_argument("--run-url", help="link to this run, quoted in every comment (required unless --dry-run)")
    parser.add_argument("--proposals", type=Path, help="juspay-learn's folder of proposals: one pull request each")
    parser.add_argument("--base", default="main", help="the branch a learned pull request targets (default main)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; read GitHub, never write to it")
    args = parser.parse_args(argv)
    if not args.run_url and not args.dry_run:
        raise UsageError("--run-url is required (or --dry-run)")
    missing = [name for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY") if not os.environ.get(name)]
    if missing and not args.dry_run:
        raise UsageError(f"{' and '.join(missing)} must be set")
    from juspay_kit import nightly
    from juspay_kit.nightly import bookkeeping

    github = None if missing else nightly.GitHub(
        os.environ.get("GITHUB_API_URL", "https://api.github.com"), os.environ["GITHUB_REPOSITORY"],
        os.environ["GITHUB_TOKEN"],
    )  # fmt: skip
    night = bookkeeping.run(args.reports, args.flow_junit, args.run_url or "(dry run)", github,
                            proposals=args.proposals, base=args.base, dry_run=args.dry_run)  # fmt: skip
    for line in night.lines():
        print(line)
    planned = "planned, nothing written (dry run)" if args.dry_run else "done"
    print(f"{len(night.issues)} issue action(s), {len(night.pulls)} pull request action(s) {planned}")
    return EXIT_OK


if __name__ == "__main__":
    run(main)
