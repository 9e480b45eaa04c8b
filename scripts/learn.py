#!/usr/bin/env python3
"""`juspay-learn` run from a checkout: see juspay_kit/commands/learn.py, or --help."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # a checkout need not install the kit

from juspay_kit.commands.learn import console  # noqa: E402

if __name__ == "__main__":
    console()
