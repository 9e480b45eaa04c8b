"""Benchmarks, as ratios against baselines run side by side on the same machine (never timed tests).

1. Mock throughput: wrk, 16 connections, valid Trigger OTP requests each on a fresh session, against the
   embedded mock and against Stoplight Prism 5.16 (`prism mock spec/openapi.yaml`), interleaved rounds.
2. Fuzzing throughput: contract-check cases/s against the embedded mock versus a constant-response server
   (same harness profile, no priming, no shrinking, no rate limit), interleaved rounds.
3. Client cost: `JuspayClient.trigger_otp` calls/s versus raw httpx posting the same JSON on the same
   connection pool to the embedded mock, one caller, interleaved rounds.
6. The suite: wall time of `pytest -n 2` (what `make test` runs after lint and type checks); target 90 s.
5. Hostile load on the mock: memory of 10,000 sessions at the identifier bound (256 characters), and the
   latency of valid requests while 300 slow clients hold connections with unfinished request heads.
4. Proxy cost: `juspay-proxy` in front of the embedded mock versus the mock directly, same load, interleaved:
   throughput under wrk (16 connections) and the median latency of one sequential caller; and the recording
   proxy's median latency with 1 distinct key learned versus after 10,000 callers each sent their own key.
7. The inbox page's cost (page.py): Trigger OTP's p50/p99/max at 100,000 sessions with the page open (a poller
   doing what the page's script does) versus no page, interleaved rounds.
8. The mock's RSS with every store at its cap (stores.py): sessions, cards and instructions (100,000 each),
   the journal and the pending faults at their byte bounds, the redactor's learned pieces.
9. Drift (drift.py): juspay-drift versus Redocly CLI 2.77's drift on the same 20,000-exchange HAR, whole
   commands, interleaved rounds.

`python -m juspay_kit.bench constant-server` runs the constant-response server on its own.
"""

from __future__ import annotations

import json
import os
import statistics
from typing import Any

from juspay_kit.bench.drift import drift_speed
from juspay_kit.bench.measures import (
    client_cost,
    fetch_client_cost,
    fuzz_rate,
    learned_keys_cost,
    proxy_cost,
    session_memory,
    slow_clients_latency,
    suite_wall_time,
)
from juspay_kit.bench.page import page_cost
from juspay_kit.bench.processes import constant_server, prism
from juspay_kit.bench.stores import stores_at_cap
from juspay_kit.bench.tools import (
    API_KEY,
    BENCH_DIR,
    MERCHANT,
    PRISM_VERSION,
    Load,
    describe,
    ensure_prism,
    ensure_wrk,
    wrk,
)


def main(rounds: int = 2, seconds: int = 8, max_examples: int = 300) -> dict[str, Any]:
    from juspay_kit.mock.process import running_mock

    BENCH_DIR.mkdir(exist_ok=True)
    wrk_bin = ensure_wrk()
    prism_bin = ensure_prism()
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}, "rounds": rounds}

    mock_loads: list[Load] = []
    prism_loads: list[Load] = []
    with running_mock(API_KEY, MERCHANT) as mock:
        for index in range(rounds):
            mock_loads.append(wrk(wrk_bin, mock.url, seconds))
            print(
                f"  round {index + 1}: mock  {describe(mock_loads[-1])}",
                flush=True,
            )
            if prism_bin is not None:
                with prism(prism_bin) as prism_url:
                    prism_loads.append(wrk(wrk_bin, prism_url, seconds))
                print(
                    f"  round {index + 1}: prism {describe(prism_loads[-1])}",
                    flush=True,
                )
    mock_rate = statistics.median(load.requests_per_s for load in mock_loads)
    results["mock"] = {"requests_per_s": mock_rate, "p99_ms": max(load.p99_ms for load in mock_loads),
                       "non_2xx": sum(load.non_2xx for load in mock_loads)}  # fmt: skip
    if prism_loads:
        prism_rate = statistics.median(load.requests_per_s for load in prism_loads)
        results["prism"] = {"version": PRISM_VERSION, "requests_per_s": prism_rate,
                            "p99_ms": max(load.p99_ms for load in prism_loads)}  # fmt: skip
        results["mock_vs_prism"] = round(mock_rate / prism_rate, 2)

    mock_fuzz: list[float] = []
    constant_fuzz: list[float] = []
    mock_share: list[float] = []
    constant_share: list[float] = []
    with running_mock(API_KEY, MERCHANT) as mock, constant_server() as (constant_url, constant_pid):
        fuzz_rate(mock.url, 99, 30, mock.process.pid)  # warm-up: imports and schema compilation
        fuzz_rate(constant_url, 99, 30, constant_pid)
        for index in range(rounds):
            rate, cases, share = fuzz_rate(mock.url, index, max_examples, mock.process.pid)
            mock_fuzz.append(rate)
            mock_share.append(share)
            baseline, baseline_cases, baseline_share = fuzz_rate(constant_url, index, max_examples, constant_pid)
            constant_fuzz.append(baseline)
            constant_share.append(baseline_share)
            print(
                f"  round {index + 1}: fuzzing mock {rate:6.1f} cases/s ({cases}, server CPU {share:.1%})"
                f"  constant {baseline:6.1f} cases/s ({baseline_cases}, server CPU {baseline_share:.1%})",
                flush=True,
            )
    with running_mock(API_KEY, MERCHANT) as mock:
        results["client"] = client_cost(mock.url, max(rounds, 3))
        results["client_fetch"] = fetch_client_cost(mock.url, max(rounds, 3))
    results["proxy"] = proxy_cost(wrk_bin, rounds, seconds)
    results["proxy_learned_keys"] = learned_keys_cost()
    results["hostile"] = {"memory": session_memory(), "slow_clients": slow_clients_latency()}
    results["stores"] = stores_at_cap()
    print(f"  mock RSS with every store at its cap: {results['stores'].get('at_caps_mb')} MB", flush=True)
    results["page"] = page_cost(rounds)
    results["drift"] = drift_speed(rounds)
    results["suite"] = suite_wall_time()
    results["fuzzing"] = {
        "mock_cases_per_s": round(statistics.median(mock_fuzz), 1),
        "constant_cases_per_s": round(statistics.median(constant_fuzz), 1),
        "mock_cost": round(1 - statistics.median(mock_fuzz) / statistics.median(constant_fuzz), 3),
        "mock_server_cpu_share": round(statistics.median(mock_share), 3),
        "constant_server_cpu_share": round(statistics.median(constant_share), 3),
    }
    (BENCH_DIR / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return results
