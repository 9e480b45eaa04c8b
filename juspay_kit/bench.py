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
   throughput under wrk (16 connections) and the median latency of one sequential caller.

`python -m juspay_kit.bench constant-server` runs the constant-response server on its own.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from juspay_kit.errors import HarnessError
from juspay_kit.spec import ROOT, SPEC_PATH

BENCH_DIR = ROOT / ".bench"
PRISM_VERSION = "5.16.0"
PRISM_BIN = BENCH_DIR / "prism" / "node_modules" / ".bin" / "prism"
LUA = ROOT / "scripts" / "bench" / "trigger.lua"
API_KEY = "bench_key_" + "0" * 8
MERCHANT = "bench_merchant"


def api_headers() -> dict[str, str]:
    """What every benchmark request sends: Basic auth with the bench key, the merchant, JSON."""
    basic = base64.b64encode(f"{API_KEY}:".encode()).decode()
    return {"Authorization": f"Basic {basic}", "x-merchantid": MERCHANT, "Content-Type": "application/json"}


@dataclass
class Load:
    requests_per_s: float
    p99_ms: float
    non_2xx: int


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (Debian package) ...", flush=True)
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)  # type: ignore[call-overload]
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, env=env, **quiet)  # type: ignore[call-overload]
    found = shutil.which("wrk")
    if not found:
        raise HarnessError("wrk is not installed and could not be installed (apt-get install wrk)")
    return found


def ensure_prism() -> Path | None:
    if PRISM_BIN.exists():
        return PRISM_BIN
    if not shutil.which("npm"):
        print("npm not found: skipping the Prism baseline", flush=True)
        return None
    print(f"installing @stoplight/prism-cli@{PRISM_VERSION} into .bench/prism ...", flush=True)
    subprocess.run(
        ["npm", "install", "--prefix", str(PRISM_BIN.parents[2]), "--no-audit", "--no-fund",
         f"@stoplight/prism-cli@{PRISM_VERSION}"],
        check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600,
    )  # fmt: skip
    return PRISM_BIN if PRISM_BIN.exists() else None


def wrk(wrk_bin: str, url: str, seconds: int, connections: int = 16) -> Load:
    env = dict(os.environ, BENCH_AUTH=base64.b64encode(f"{API_KEY}:".encode()).decode(), BENCH_MERCHANT=MERCHANT)
    command = [wrk_bin, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(LUA), url]
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=seconds + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if rate is None or p99 is None:
        raise HarnessError(f"could not read wrk's output: {out[-300:]}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return Load(float(rate.group(1)), float(p99.group(1)) * scale, int(non_2xx.group(1)) if non_2xx else 0)


def _load(load: Load) -> str:
    return f"{load.requests_per_s:9.0f} req/s  p99 {load.p99_ms:.2f} ms"


def _free_port() -> int:
    from juspay_kit.mock.server import bind

    sock = bind("127.0.0.1", 0)
    port: int = sock.getsockname()[1]
    sock.close()
    return port


def _wait_until_serving(url: str, timeout: float = 60) -> None:
    body = {"tokenReference": "t", "vProvisionedTokenId": "t", "clientReferenceId": "warmup", "stepUpRequestId": "s"}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            answer = httpx.post(
                f"{url}/initiateVerification",
                json=body,
                auth=(API_KEY, ""),
                headers={"x-merchantid": MERCHANT},
                timeout=2,
            )
            if answer.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise HarnessError(f"{url} did not come up")


@contextmanager
def prism(binary: Path) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [str(binary), "mock", str(SPEC_PATH), "-h", "127.0.0.1", "-p", str(port), "-v", "silent"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_serving(url)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def constant_server() -> Iterator[tuple[str, int]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "juspay_kit.bench", "constant-server"], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().rsplit(" ", 1)[-1]
        _wait_until_serving(url)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(10)


def constant_app() -> Any:
    """Answers every request with the docs' 200 sample of the operation (a server that costs nothing)."""
    trigger = json.dumps(
        {
            "errorMessage": None,
            "status": "SUCCESS",
            "errorCode": None,
            "response": {"maxOTPVerificationAllowed": 3, "maxOTPRequestsAllowed": 3, "codeExpiration": 5},
        }
    ).encode()
    validate = json.dumps({"status": "SUCCESS", "responseCode": None, "responseMessage": None}).encode()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        body = validate if scope["path"] == "/validateOtp" else trigger
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def fuzz_rate(base_url: str, seed: int, max_examples: int, server_pid: int) -> tuple[float, int, float]:
    """Contract-check cases/s against base_url with the priming-free profile, and the server's CPU share."""
    from juspay_kit.contract import runner
    from juspay_kit.contract.redact import Redactor
    from juspay_kit.contract.settings import resolve

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
                answer = pool.post(f"{base_url}/initiateVerification", json=body, headers=headers)
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


@contextmanager
def running_proxy(upstream: str) -> Iterator[str]:
    """`juspay-proxy` as a subprocess in front of `upstream`; yields its URL, stops it with Ctrl-C."""
    from juspay_kit.proxy import READY_PREFIX

    command = [sys.executable, "-m", "juspay_kit.commands.proxy", "--upstream", upstream, "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    try:
        ready = process.stdout.readline()
        if not ready.startswith(READY_PREFIX):
            raise HarnessError("juspay-proxy did not come up")
        threading.Thread(target=process.stdout.read, daemon=True).start()  # keep draining its console
        yield ready[len(READY_PREFIX) :].split()[0]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def median_latency_ms(url: str, calls: int, prefix: str) -> float:
    """Median round trip of one sequential caller posting valid Trigger OTP requests on one connection."""
    headers = api_headers()
    times = []
    with httpx.Client(base_url=url, timeout=10, trust_env=False) as http:
        for index in range(calls):
            body = {"tokenReference": "t", "vProvisionedTokenId": "t", "clientReferenceId": f"{prefix}-{index}",
                    "stepUpRequestId": "s"}  # fmt: skip
            started = time.perf_counter()
            answer = http.post("/initiateVerification", json=body, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise HarnessError(f"latency probe got {answer.status_code} from {url}")
    return statistics.median(times)


def proxy_cost(wrk_bin: str, rounds: int, seconds: int, calls: int = 1000) -> dict[str, Any]:
    """The proxy in front of the mock versus the mock alone: wrk throughput and one caller's median latency."""
    from juspay_kit.mock.process import running_mock

    direct_rates: list[float] = []
    proxy_rates: list[float] = []
    direct_p50: list[float] = []
    proxy_p50: list[float] = []
    with running_mock(API_KEY, MERCHANT) as mock, running_proxy(mock.url) as proxy_url:
        _wait_until_serving(proxy_url)
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
                sock.sendall(b"POST /initiateVerification HTTP/1.1\r\nX-Slow: ")
            with httpx.Client(base_url=mock.url, timeout=10, trust_env=False) as http:
                for index in range(calls):
                    body = {"tokenReference": "t", "vProvisionedTokenId": "t", "clientReferenceId": f"slow-{index}",
                            "stepUpRequestId": "s"}  # fmt: skip
                    started = time.perf_counter()
                    if http.post("/initiateVerification", json=body, headers=headers).status_code != 200:
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
                f"  round {index + 1}: mock  {_load(mock_loads[-1])}",
                flush=True,
            )
            if prism_bin is not None:
                with prism(prism_bin) as prism_url:
                    prism_loads.append(wrk(wrk_bin, prism_url, seconds))
                print(
                    f"  round {index + 1}: prism {_load(prism_loads[-1])}",
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
    results["proxy"] = proxy_cost(wrk_bin, rounds, seconds)
    results["hostile"] = {"memory": session_memory(), "slow_clients": slow_clients_latency()}
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


def serve_constant() -> None:
    import uvicorn

    from juspay_kit.mock.server import bind, url_of

    sock = bind("127.0.0.1", 0)
    print(f"constant server listening on {url_of(sock)}", flush=True)
    uvicorn.Server(uvicorn.Config(constant_app(), log_level="warning", lifespan="off")).run(sockets=[sock])


if __name__ == "__main__":
    if sys.argv[1:] == ["constant-server"]:
        serve_constant()
