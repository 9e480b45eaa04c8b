"""Maintenance: python -m juspay_kit.refresh derive JUSPAY_DOCUMENT (re-derive spec/patches/ after an edit), or
python -m juspay_kit.refresh apply PROPOSAL (apply a proposal juspay-learn wrote; see refresh/learned.py)."""

from __future__ import annotations

import sys

from juspay_kit.cli import run
from juspay_kit.refresh.learned import apply_main
from juspay_kit.refresh.patch import derive_main

if sys.argv[1:2] == ["apply"]:
    run(lambda argv: apply_main(list(argv or [])), sys.argv[2:])
run(derive_main, sys.argv[1:])
