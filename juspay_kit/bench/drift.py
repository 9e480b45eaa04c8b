"""juspay-drift against Redocly CLI's drift on the same 20,000-exchange HAR, interleaved rounds, wall time of
each whole command (start-up included, as a user runs it).

The HAR is built here, from the spec's samples: the five operations' journey, each journey with identifiers
(and Fetch's credentials) of its own in requests and answers, and two of the planted differences of
tests/other_sandbox.py every 100 exchanges (an unknown refusal code, the counters as strings) so that both tools
have findings to report. `make bench` (or `--only drift`) runs it.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from juspay_kit import api, spec
from juspay_kit.bench.tools import API_KEY, BENCH_DIR, MERCHANT
from juspay_kit.wire import basic_authorization

EXCHANGES = 20_000
SERVER = "http://127.0.0.1:9"  # never contacted: the recorded server the traffic names
REDOCLY = spec.ROOT / "tools" / "redocly" / "node_modules" / ".bin" / "redocly"


def _entry(path: str, request: Any, status: int, answer: Any, second: int) -> dict[str, Any]:
    text, reply = json.dumps(request), json.dumps(answer)
    headers = [{"name": "Authorization", "value": basic_authorization(API_KEY)},
               {"name": "x-merchantid", "value": MERCHANT},
               {"name": "Content-Type", "value": "application/json"}]  # fmt: skip
    return {
        "startedDateTime": f"2026-12-06T00:{second // 60 % 60:02d}:{second % 60:02d}.000Z", "time": 1.0,
        "request": {"method": "POST", "url": SERVER + path, "httpVersion": "HTTP/1.1", "headers": headers,
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": len(text),
                    "postData": {"mimeType": "application/json", "text": text}},
        "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [], "redirectURL": "",
                     "headers": [{"name": "Content-Type", "value": "application/json"}], "headersSize": -1,
                     "bodySize": len(reply), "content": {"size": len(reply), "mimeType": "application/json",
                                                         "text": reply}},
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0},
    }  # fmt: skip


def _fresh(operation: str, journey: int) -> dict[str, Any]:
    """What a real answer carries that the sample does not: identifiers and credentials of its own journey."""
    return {
        "provisionTokenAndCreatePasskey": {"tokenReference": f"tr-{journey}", "vProvisionedTokenId": f"t-{journey}"},
        "setupAgenticPayment": {"instructionId": f"ins-{journey}"},
        "fetchPaymentCredentials": {"tokenNumber": f"4{journey:015d}", "cryptogram": f"cr{journey:012d}"},
    }.get(operation, {})


def build_har(path: Path, exchanges: int = EXCHANGES, planted: bool = True) -> Path:
    document = spec.load()
    samples = {op.operation_id: api.example(document, op.operation_id) for op in api.shared()}
    requests = {op.operation_id: _request(document, op.operation_id) for op in api.shared()}
    entries = []
    for n in range(exchanges):
        operation = list(samples)[n % len(samples)]
        journey = {
            "clientReferenceId": f"c-{n // 5}",
            "vProvisionedTokenId": f"t-{n // 5}",
            "tokenReference": f"tr-{n // 5}",
        }  # each five exchanges are one journey
        request = {**requests[operation], **{k: v for k, v in journey.items() if k in requests[operation]}}
        status, answer = 200, {**samples[operation], **_fresh(operation, n // 5)}
        if planted and n % 100 == 0:  # planted, like the other sandbox: a code the spec lacks, counters as strings
            status, answer = 429, {"status": "FAILURE", "errorCode": "OTP_REQUESTS_EXHAUSTED", "errorMessage": "x",
                                   "response": None}  # fmt: skip
        elif planted and n % 100 == 5 and operation == "triggerOtp":
            answer = {**answer, "response": {k: str(v) for k, v in answer["response"].items()}}
        entries.append(_entry(api.path_of(operation), request, status, answer, n))
    har = {"log": {"version": "1.2", "creator": {"name": "juspay-kit bench", "version": "1"}, "entries": entries}}
    path.write_text(json.dumps(har), encoding="utf-8")
    return path


def _request(document: dict[str, Any], operation_id: str) -> dict[str, Any]:
    for _, _, raw in spec.operations(document):
        if raw["operationId"] == operation_id:
            content = raw["requestBody"]["content"]["application/json"]
            examples: dict[str, Any] = content.get("examples") or {}
            first: dict[str, Any] = next(iter(examples.values()), {})
            value = first.get("value")
            if isinstance(value, dict):
                return value
    return {}


def drift_speed(rounds: int = 3) -> dict[str, Any]:
    """Seconds per run of each tool on the same HAR (median of interleaved rounds) and their ratio."""
    BENCH_DIR.mkdir(exist_ok=True)
    har = build_har(BENCH_DIR / "drift-20k.har")
    ours = [sys.executable, "-m", "juspay_kit.commands.drift", str(har), "--server", SERVER,
            "--report-dir", str(BENCH_DIR / "drift")]  # fmt: skip
    # --coverage: juspay-drift always reports what the traffic exercised, so Redocly is asked for it too
    theirs = [str(REDOCLY), "drift", str(har), "--api", str(spec.SPEC_PATH), "--server", SERVER, "--format", "json",
              "-o", str(BENCH_DIR / "redocly-drift.json"), "--coverage"]  # fmt: skip
    times: dict[str, list[float]] = {"juspay_drift_s": [], "redocly_drift_s": []}
    for index in range(rounds + 1):  # the first round warms the caches and is not counted
        for name, command in (("juspay_drift_s", ours), ("redocly_drift_s", theirs)):
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=spec.ROOT)
            elapsed = time.perf_counter() - started
            if done.returncode not in (0, 1):
                return {"error": f"{name.split('_s')[0]} exited {done.returncode}: {done.stderr.strip()[-300:]}"}
            if index:
                times[name].append(elapsed)
            print(f"  drift round {index or 'warm-up'}: {name.removesuffix('_s')} {elapsed:.2f} s", flush=True)
    result: dict[str, Any] = {name: round(statistics.median(values), 2) for name, values in times.items()}
    result["exchanges"] = EXCHANGES
    result["redocly_over_juspay"] = round(result["redocly_drift_s"] / result["juspay_drift_s"], 2)
    return result
