"""Maintenance: python -m juspay_kit.refresh derive JUSPAY_DOCUMENT (re-derive spec/patches/ after an edit)."""

from __future__ import annotations

import sys

from juspay_kit.cli import run
from juspay_kit.refresh.patch import derive_main

run(derive_main, sys.argv[1:])
