#!/usr/bin/env python3
"""After the nightly run: open, update or close one GitHub issue per violation fingerprint (and one for an
outage). See juspay_kit/nightly.py for the rules. Needs GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL."""

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
    parser.add_argument("--run-url", required=True, help="link to this run, quoted in every comment")
    args = parser.parse_args(argv)
    missing = [name for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY") if not os.environ.get(name)]
    if missing:
        raise UsageError(f"{' and '.join(missing)} must be set")
    from juspay_kit import nightly

    github = nightly.GitHub(
        os.environ.get("GITHUB_API_URL", "https://api.github.com"), os.environ["GITHUB_REPOSITORY"],
        os.environ["GITHUB_TOKEN"],
    )  # fmt: skip
    actions = nightly.run(args.reports, args.flow_junit, args.run_url, github)
    for action in actions:
        print(f"{action.kind} {action.issue or ''} {action.title}".rstrip())
    print(f"{len(actions)} issue action(s)")
    return EXIT_OK


if __name__ == "__main__":
    run(main)
