"""The measurements: each one a baseline and a subject, run side by side, interleaved."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from juspay_kit.bench.processes import cpu_seconds, running_proxy, wait_until_serving
from juspay_kit.bench.tools import API_KEY, BENCH_DIR, FETCH_PATH, MERCHANT, TRIGGER_PATH, api_headers, wrk
from juspay_kit.errors import HarnessError
from juspay_kit.mock import drive
from juspay_kit.spec import ROOT


def fuzz_rate(base_url: str, seed: int, max_examples: int, server_pid: int) -> tuple[float, int, float]:
    """Contract-check cases/s against base_url with the priming-free profile, and the server's CPU share."""
    from juspay_kit.contract import runner
    from juspay_kit.contract.settings import resolve
    from juspay_kit.redact import Redactor

    settings = resolve(
        base_url=base_url, mode="all", max_examples=max_examples, seed=seed, report_dir=BENCH_DIR / "reports",
        profile="sandbox", rate_limit=0, budget=0, request_timeout=10,
        environ={"JUSPAY_API_KEY": API_KEY, "JUSPAY_MERCHANT_ID": MERCHANT},
    )  # fmt: skip
    cpu_before, started = cpu_seconds(server_pid), time.perf_counter()
    # Response-driven generation off: both targets then get the same cases, and only the server differs.
    same_cases = {"fuzzing": {"extra-data-sources": {"responses": False}}}
    result = runner.run(settings, Redactor(), progress=lambda line: None, phases=same_cases)
    wall = time.perf_counter() - started
    return result.cases / wall, result.cases, (cpu_seconds(server_pid) - cpu_before) / wall


def client_cost(base_url: str, rounds: int, calls: int = 2000) -> dict[str, Any]:
    """Calls/s of the generated high-level client and of raw httpx on one shared pool, interleaved."""
    from juspay_visa_agentic_client import JuspayClient

    step_up = "Y2UyOWU0N2E1NGYzNGM2OTY4MjQxZTZhYzkxMTNkMDE="
    headers = api_headers()
    client_rates: list[float] = []
    raw_rates: list[float] = []
    with httpx.Client(timeout=10) as pool:
        api = JuspayClient(API_KEY, MERCHANT, base_url=base_url, http_client=pool)

        def with_client(prefix: str) -> None:
            for index in range(calls):
                api.trigger_otp(token_reference="t", v_provisioned_token_id="v",
                                client_reference_id=f"{prefix}-{index}", step_up_request_id=step_up)  # fmt: skip

        def with_httpx(prefix: str) -> None:
            for index in range(calls):
                body = {"tokenReference": "t", "vProvisionedTokenId": "v", "clientReferenceId": f"{prefix}-{index}",
                        "stepUpRequestId": step_up}  # fmt: skip
                answer = pool.post(f"{base_url}{TRIGGER_PATH}", json=body, headers=headers)
                if answer.status_code != 200:
                    raise HarnessError(f"raw httpx baseline got {answer.status_code}")

        with_client("warm-client")
        with_httpx("warm-raw")
        for index in range(rounds):
            for rates, call in ((client_rates, with_client), (raw_rates, with_httpx)):
                started = time.perf_counter()
                call(f"{call.__name__}-{index}")
                rates.append(calls / (time.perf_counter() - started))
            print(f"  round {index + 1}: client {client_rates[-1]:7.0f} calls/s  "
                  f"raw httpx {raw_rates[-1]:7.0f} calls/s", flush=True)  # fmt: skip
    client_rate, raw_rate = statistics.median(client_rates), statistics.median(raw_rates)
    return {"client_calls_per_s": round(client_rate), "raw_httpx_calls_per_s": round(raw_rate),
            "client_cost": round(raw_rate / client_rate, 3)}  # fmt: skip


def fetch_client_cost(base_url: str, rounds: int, calls: int = 1000) -> dict[str, Any]:
    """The same comparison on Fetch, whose nested request models cost the most to build, on one bound card with
    an instruction without limit (set up through the mock's controls)."""
    from juspay_visa_agentic_client import JuspayClient
    from juspay_visa_agentic_client.models import TransactionDetail

    with httpx.Client(base_url=base_url, headers=api_headers(), timeout=10) as pool:
        token_id = drive.bound_card(pool, "bench")["vProvisionedTokenId"]
        drive.set_up(pool, token_id, "bench", "bench")
        detail = drive.transaction(11.1)
        body = {"networkType": "VISA", "vProvisionedTokenId": token_id, "clientReferenceId": "bench",
                "nwTransactionId": "n", "transactionDetails": [detail]}  # fmt: skip
        api = JuspayClient(API_KEY, MERCHANT, base_url=base_url, http_client=pool)

        def with_client() -> None:
            for _ in range(calls):
                api.fetch_payment_credentials(v_provisioned_token_id=token_id, nw_transaction_id="n",
                                              client_reference_id="bench",
                                              transaction_details=[TransactionDetail.from_dict(detail)])  # fmt: skip

        def with_httpx() -> None:
            for _ in range(calls):
                if pool.post(FETCH_PATH, json=body).status_code != 200:
                    raise HarnessError("raw httpx baseline of Fetch was refused")

        rates: dict[str, list[float]] = {"client": [], "raw": []}
        with_client()  # warm both
        with_httpx()
        for _ in range(rounds):
            for name, call in (("client", with_client), ("raw", with_httpx)):
                started = time.perf_counter()
                call()
                rates[name].append(calls / (time.perf_counter() - started))
    client_rate, raw_rate = statistics.median(rates["client"]), statistics.median(rates["raw"])
    return {"client_calls_per_s": round(client_rate), "raw_httpx_calls_per_s": round(raw_rate),
            "client_cost": round(raw_rate / client_rate, 3)}  # fmt: skip


def median_latency_ms(url: str, calls: int, prefix: str) -> float:
    """Median round trip of one sequential caller posting valid Trigger OTP requests on one connection."""
    headers = api_headers()
    times = []
    with httpx.Client(base_url=url, timeout=10, trust_env=False) as http:
        for index in range(calls):
            body = {"tokenReference": "t", "vProvisionedTokenId": "t", "clientReferenceId": f"{prefix}-{index}",
                    "stepUpRequestId": "s"}  # fmt: skip
            started = time.perf_counter()
            answer = http.post(TRIGGER_PATH, json=body, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise HarnessError(f"latency probe got {answer.status_code} from {url}")
    return statistics.median(times)


def learned_keys_cost(keys: int = 10_000, calls: int = 1000) -> dict[str, Any]:
    """The recording proxy's per-request cost with 1 distinct key learned, then after `keys` callers each sent
    a key of their own (each a 401 from the mock): the median latency of one sequential caller, both times."""
    import tempfile

    from juspay_kit.mock.process import running_mock
    from juspay_kit.wire import basic_authorization

    with tempfile.TemporaryDirectory() as folder, running_mock(API_KEY, MERCHANT) as mock:
        with running_proxy(mock.url, Path(folder) / "bench.cassette.jsonl") as proxy_url:
            wait_until_serving(proxy_url)
            median_latency_ms(proxy_url, 200, "warm")
            one_key = median_latency_ms(proxy_url, calls, "one-key")
            body = {"tokenReference": "t", "vProvisionedTokenId": "t", "clientReferenceId": "k", "stepUpRequestId": "s"}
            with httpx.Client(base_url=proxy_url, timeout=10, trust_env=False) as http:
                for index in range(keys):
                    headers = {
                        **api_headers(),
                        "Authorization": basic_authorization(f"caller-{index:06d}-{index * 7919}"),
                    }
                    http.post(TRIGGER_PATH, json=body, headers=headers)
            many_keys = median_latency_ms(proxy_url, calls, "many-keys")
    print(f"  proxy p50 with 1 key {one_key:.3f} ms, after {keys} keys {many_keys:.3f} ms", flush=True)
    return {"keys": keys, "p50_ms_one_key": round(one_key, 3), "p50_ms_after_keys": round(many_keys, 3),
            "ratio": round(many_keys / one_key, 3)}  # fmt: skip


def proxy_cost(wrk_bin: str, rounds: int, seconds: int, calls: int = 1000) -> dict[str, Any]:
    """The proxy in front of the mock versus the mock alone: wrk throughput and one caller's median latency."""
    from juspay_kit.mock.process import running_mock

    direct_rates: list[float] = []
    proxy_rates: list[float] = []
    direct_p50: list[float] = []
    proxy_p50: list[float] = []
    with running_mock(API_KEY, MERCHANT) as mock, running_proxy(mock.url) as proxy_url:
        wait_until_serving(proxy_url)
        median_latency_ms(mock.url, 200, "warm-direct")
        median_latency_ms(proxy_url, 200, "warm-proxy")
        for index in range(rounds):
            direct_rates.append(wrk(wrk_bin, mock.url, seconds).requests_per_s)
            proxy_rates.append(wrk(wrk_bin, proxy_url, seconds).requests_per_s)
            direct_p50.append(median_latency_ms(mock.url, calls, f"direct-{index}"))
            proxy_p50.append(median_latency_ms(proxy_url, calls, f"proxy-{index}"))
            print(f"  round {index + 1}: mock {direct_rates[-1]:7.0f} req/s p50 {direct_p50[-1]:.2f} ms  "
                  f"proxy {proxy_rates[-1]:7.0f} req/s p50 {proxy_p50[-1]:.2f} ms", flush=True)  # fmt: skip
    direct_rate, proxy_rate = statistics.median(direct_rates), statistics.median(proxy_rates)
    return {"direct_requests_per_s": round(direct_rate), "proxy_requests_per_s": round(proxy_rate),
            "throughput_share": round(proxy_rate / direct_rate, 3),
            "direct_p50_ms": round(statistics.median(direct_p50), 3),
            "proxy_p50_ms": round(statistics.median(proxy_p50), 3),
            "added_p50_ms": round(statistics.median(proxy_p50) - statistics.median(direct_p50), 3)}  # fmt: skip


def session_memory(sessions: int = 10_000, bound: int = 256) -> dict[str, Any]:
    """Bytes held by `sessions` OTP sessions whose identifiers are all at the spec's maxLength."""
    import gc
    import tracemalloc

    from juspay_kit.mock.sessions import Limits, SessionStore

    store = SessionStore(limits=Limits(), seed=1)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for index in range(sessions):
        ident = f"{index:0{bound}d}"  # a fresh 256-character string per field, as a client would send
        store.trigger(("m" * bound, ident, ident[::-1]), "v" * (bound - 1) + str(index % 10))
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    per_session = used / sessions
    cap = Limits().max_sessions
    return {"sessions": sessions, "identifier_chars": bound, "bytes": used, "bytes_per_session": round(per_session),
            "max_sessions": cap, "worst_case_mb": round(per_session * cap / 1e6, 1)}  # fmt: skip


def slow_clients_latency(clients: int = 300, calls: int = 200) -> dict[str, Any]:
    """Median and max latency of valid requests while `clients` connections hold unfinished request heads."""
    import socket

    from juspay_kit.mock.process import running_mock

    headers = api_headers()
    times: list[float] = []
    with running_mock(API_KEY, MERCHANT) as mock:
        host, port = mock.url.removeprefix("http://").rsplit(":", 1)
        slow = [socket.create_connection((host, int(port))) for _ in range(clients)]
        try:
            for sock in slow:
                sock.sendall(f"POST {TRIGGER_PATH} HTTP/1.1\r\nX-Slow: ".encode())
            with httpx.Client(base_url=mock.url, timeout=10, trust_env=False) as http:
                for index in range(calls):
                    body = {"tokenReference": "t", "vProvisionedTokenId": "t", "clientReferenceId": f"slow-{index}",
                            "stepUpRequestId": "s"}  # fmt: skip
                    started = time.perf_counter()
                    if http.post(TRIGGER_PATH, json=body, headers=headers).status_code != 200:
                        raise HarnessError("a valid request failed while slow clients held connections")
                    times.append((time.perf_counter() - started) * 1000)
                    if index % 20 == 0:
                        for sock in slow:
                            sock.send(b"a")  # keep the heads unfinished but alive
        finally:
            for sock in slow:
                sock.close()
    return {"slow_clients": clients, "calls": calls, "median_ms": round(statistics.median(times), 2),
            "max_ms": round(max(times), 2)}  # fmt: skip


def suite_wall_time() -> dict[str, Any]:
    """Seconds for the project's own test suite, as `make test` runs it."""
    started = time.monotonic()
    ran = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-q"], cwd=ROOT,
                         capture_output=True, text=True, timeout=900)  # fmt: skip
    seconds = round(time.monotonic() - started, 1)
    last = ran.stdout.strip().splitlines()[-1] if ran.stdout.strip() else ""
    return {"seconds": seconds, "passed": ran.returncode == 0, "result": last}
