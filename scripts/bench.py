#!/usr/bin/env python3
"""Benchmark the embedded mock against Stoplight Prism and the contract check against a constant server.

Installs wrk (Debian) and Prism (npm, into .bench/) on first use. Prints both figures and their ratios and
writes .bench/results.json. Targets: mock >= 3x Prism with p99 < 10 ms; fuzzing cost of the mock <= 10%;
the high-level client at most 1.15x the cost of raw httpx; the proxy keeps >= 50% of the mock's throughput and
adds < 2 ms to the median latency; with the inbox page open on 100,000 sessions, Trigger OTP's p99 stays < 10 ms
(`--only page` runs that measure alone); on a 20,000-exchange HAR juspay-drift is at least as fast as Redocly
CLI's drift (`--only drift`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from juspay_kit.cli import EXIT_OK, EXIT_VIOLATION, ArgumentParser, run  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(prog="bench.py", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, choices=range(1, 11), metavar="N", help="interleaved rounds")
    parser.add_argument("--seconds", type=int, default=8, choices=range(2, 61), metavar="S", help="wrk duration")
    parser.add_argument("--max-examples", type=int, default=300, help="fuzzing cases per operation per run")
    parser.add_argument("--only", choices=["page", "drift"],
                        help="one measure alone (page: the inbox page; drift: juspay-drift vs Redocly)")  # fmt: skip
    args = parser.parse_args(argv)
    from juspay_kit import bench

    if args.only == "page":
        from juspay_kit.bench.page import page_cost

        return EXIT_OK if _page(page_cost(args.rounds)) else EXIT_VIOLATION
    if args.only == "drift":
        from juspay_kit.bench.drift import drift_speed

        return EXIT_OK if _drift(drift_speed(args.rounds)) else EXIT_VIOLATION
    results = bench.main(args.rounds, args.seconds, args.max_examples)
    mock, fuzz = results["mock"], results["fuzzing"]
    print()
    print(f"mock:     {mock['requests_per_s']:.0f} req/s, p99 {mock['p99_ms']:.2f} ms, non-2xx {mock['non_2xx']}")
    ok = mock["p99_ms"] < 10 and mock["non_2xx"] == 0
    if "prism" in results:
        prism = results["prism"]
        print(
            f"prism:    {prism['requests_per_s']:.0f} req/s, p99 {prism['p99_ms']:.2f} ms "
            f"(@stoplight/prism-cli {prism['version']})"
        )
        print(f"ratio:    {results['mock_vs_prism']:.2f}x (target >= 3x)")
        ok = ok and results["mock_vs_prism"] >= 3
    print(f"fuzzing:  mock {fuzz['mock_cases_per_s']} cases/s vs constant server "
          f"{fuzz['constant_cases_per_s']} cases/s "
          f"-> {fuzz['mock_cost'] * 100:.1f}% fewer cases/s (target <= 10%)")  # fmt: skip
    print(f"          server CPU per second of the run: mock {fuzz['mock_server_cpu_share']:.1%}, "
          f"constant {fuzz['constant_server_cpu_share']:.1%}")  # fmt: skip
    ok = ok and fuzz["mock_cost"] <= 0.10
    client = results["client"]
    print(f"client:   JuspayClient {client['client_calls_per_s']} calls/s vs raw httpx "
          f"{client['raw_httpx_calls_per_s']} calls/s -> {client['client_cost']:.3f}x (target <= 1.15x)")  # fmt: skip
    ok = ok and client["client_cost"] <= 1.15
    proxy = results["proxy"]
    print(f"proxy:    {proxy['proxy_requests_per_s']} req/s vs the mock alone {proxy['direct_requests_per_s']} req/s "
          f"-> {proxy['throughput_share']:.0%} (target >= 50%); median latency {proxy['proxy_p50_ms']:.2f} ms vs "
          f"{proxy['direct_p50_ms']:.2f} ms -> +{proxy['added_p50_ms']:.2f} ms (target < 2 ms)")  # fmt: skip
    ok = ok and proxy["throughput_share"] >= 0.5 and proxy["added_p50_ms"] < 2
    memory, slow = results["hostile"]["memory"], results["hostile"]["slow_clients"]
    print(f"hostile:  {memory['bytes_per_session']} bytes per session at the {memory['identifier_chars']}-character "
          f"bound -> {memory['worst_case_mb']} MB at the {memory['max_sessions']}-session cap; with "
          f"{slow['slow_clients']} slow clients a valid request takes {slow['median_ms']} ms median, "
          f"{slow['max_ms']} ms max")  # fmt: skip
    ok = _page(results["page"]) and ok
    ok = _drift(results["drift"]) and ok
    suite = results["suite"]
    print(f"suite:    pytest -n 2 took {suite['seconds']} s ({suite['result']}); target < 90 s")
    ok = ok and suite["passed"] and suite["seconds"] < 90
    return EXIT_OK if ok else EXIT_VIOLATION


def _drift(drift: dict[str, Any]) -> bool:
    if "error" in drift:
        print(f"drift:    not measured: {drift['error']}")
        return False
    print(f"drift:    {drift['exchanges']} exchanges of HAR: juspay-drift {drift['juspay_drift_s']} s, Redocly drift "
          f"{drift['redocly_drift_s']} s -> Redocly takes {drift['redocly_over_juspay']}x juspay-drift's time "
          "(target >= 1)")  # fmt: skip
    return bool(drift["redocly_over_juspay"] >= 1)


def _page(page: dict[str, Any]) -> bool:
    none, shown, full, rows = page["no_page"], page["page"], page["full_state"], page["page_of_rows"]
    print(f"page:     Trigger OTP at {page['sessions']} sessions, {page['calls']} calls each: "
          f"p99 {shown['p99_ms']:.2f} ms with the inbox page open vs {none['p99_ms']:.2f} ms without "
          f"-> {page['p99_ratio']:.2f}x (target p99 < 10 ms)")  # fmt: skip
    print(f"          p50 {shown['p50_ms']:.2f} vs {none['p50_ms']:.2f} ms, max {shown['max_ms']:.1f} vs "
          f"{none['max_ms']:.1f} ms; polls {page['polls']}; one page of rows {rows['bytes'] / 1e3:.0f} kB in "
          f"{rows['ms']} ms vs the full state {full['bytes'] / 1e6:.1f} MB in {full['ms']} ms")  # fmt: skip
    return bool(shown["p99_ms"] < 10)


if __name__ == "__main__":
    run(main)
