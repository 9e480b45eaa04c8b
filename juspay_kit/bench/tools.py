"""The load tools and what every benchmark request sends: wrk (Debian) and Stoplight Prism (npm), installed
on first use."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from juspay_kit import api
from juspay_kit.errors import HarnessError
from juspay_kit.spec import ROOT
from juspay_kit.wire import basic_authorization

BENCH_DIR = ROOT / ".bench"
PRISM_VERSION = "5.16.0"
PRISM_BIN = BENCH_DIR / "prism" / "node_modules" / ".bin" / "prism"
LUA = ROOT / "scripts" / "bench" / "trigger.lua"
API_KEY = "bench_key_" + "0" * 8
MERCHANT = "bench_merchant"
# The paths the benchmarks call, from the spec
TRIGGER_PATH = api.path_of("triggerOtp")
VALIDATE_PATH = api.path_of("validateOtp")
FETCH_PATH = api.path_of("fetchPaymentCredentials")


def api_headers() -> dict[str, str]:
    """What every benchmark request sends: Basic auth with the bench key, the merchant, JSON."""
    return {"Authorization": basic_authorization(API_KEY), "x-merchantid": MERCHANT, "Content-Type": "application/json"}


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
    env = dict(os.environ, BENCH_AUTH=basic_authorization(API_KEY).removeprefix("Basic "), BENCH_MERCHANT=MERCHANT)
    command = [wrk_bin, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(LUA), url]
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=seconds + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if rate is None or p99 is None:
        raise HarnessError(f"could not read wrk's output: {out[-300:]}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return Load(float(rate.group(1)), float(p99.group(1)) * scale, int(non_2xx.group(1)) if non_2xx else 0)


def describe(load: Load) -> str:
    return f"{load.requests_per_s:9.0f} req/s  p99 {load.p99_ms:.2f} ms"
