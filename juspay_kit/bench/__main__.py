"""`python -m juspay_kit.bench constant-server` runs the constant-response server on its own."""

from __future__ import annotations

import sys

from juspay_kit.bench.processes import serve_constant

if sys.argv[1:] == ["constant-server"]:
    serve_constant()
