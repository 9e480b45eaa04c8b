"""The mock's resident memory with every store at its cap (`make bench`, results key `stores`).

A fresh interpreter builds the mock's application (`MockApp`, as `juspay-mock` serves it) and fills, through the
same store methods the API and controls call, each store to its bound: OTP sessions, provisioned cards and
payment instructions (100,000 each, identifiers of 256 characters), the journal (to its byte bound, 64 KB
bodies), pending faults (to their byte bound) and the redactor's learned pieces. It reports the RSS
(`/proc/self/status`) before and after each store. Linux only; elsewhere the measure is skipped.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

ID_CHARS = 256


def stores_at_cap(timeout: float = 600) -> dict[str, Any]:
    """Run `fill()` in a fresh interpreter; its report, or {"skipped": why}."""
    if not Path("/proc/self/status").exists():
        return {"skipped": "no /proc: RSS is read on Linux only"}
    done = subprocess.run([sys.executable, "-m", "juspay_kit.bench.stores"], capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip
    if done.returncode != 0:
        return {"skipped": f"the measure failed (exit {done.returncode})"}
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def fill() -> dict[str, Any]:
    from juspay_kit.bench.tools import VALIDATE_PATH
    from juspay_kit.mock.app import MockApp
    from juspay_kit.mock.double import ControlError
    from juspay_kit.mock.journal import JOURNAL_BYTES
    from juspay_kit.mock.journey import Card
    from juspay_kit.mock.matching import MAX_FAULT_BYTES, parse_matching_fault

    app = MockApp()
    app.journal.redactor.text("warm")  # the spec's facts, loaded once, belong to the baseline
    report: dict[str, Any] = {"baseline_mb": rss_mb(), "added_mb": {}}
    cap = app.store.limits.max_sessions

    def step(name: str) -> None:
        report["added_mb"][name] = round(rss_mb() - report["baseline_mb"] - sum(report["added_mb"].values()), 1)

    scope = {"method": "POST", "path": VALIDATE_PATH, "headers": [(b"content-type", b"application/json")]}
    body = json.dumps({"note": "x" * (63 * 1024)}).encode()
    while app.journal.dropped == 0:
        app.journal.body(app.journal.arrive("validateOtp", scope), body)
    step(f"journal ({JOURNAL_BYTES // 1024 // 1024} MiB)")
    fat = json.dumps({"operation": "*", "status": 500, "body": [[0]] * 10_000})  # parsed afresh, as a control does
    try:
        while True:
            app.faults.add(parse_matching_fault(json.loads(fat), app.operations_by_id))
    except ControlError:
        pass
    step(f"faults ({MAX_FAULT_BYTES // 1024 // 1024} MiB)")
    for _ in range(200):
        app.journal.redactor.add_secret(secrets.token_hex(512))
    step("redactor (100,000 pieces)")
    for index in range(cap):
        ident = f"{index:0{ID_CHARS}d}"
        app.store.trigger(("m" * 20, ident, ident[::-1]), "v" * (ID_CHARS - 1) + str(index % 10))
    step(f"sessions ({cap})")
    cards = [app.journey.provision(f"{index:0{ID_CHARS}d}", f"{index:0{ID_CHARS}d}"[::-1]) for index in range(cap)]
    step(f"cards ({cap})")
    for card in cards:
        if isinstance(card, Card):
            app.journey.bound(card.token_reference)
            app.journey.setup(card.token_id, card.client_reference_id, card.customer_id,
                              {"totalAmount": 50, "currencyCode": "USD"})  # fmt: skip
    del cards
    step(f"instructions ({cap})")
    report["at_caps_mb"] = rss_mb()
    return report


if __name__ == "__main__":
    print(json.dumps(fill()))
