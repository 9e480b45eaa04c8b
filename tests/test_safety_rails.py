"""The promises that keep Juspay production and the cardholder safe, each with a test that fails if it breaks."""

from __future__ import annotations

from pathlib import Path

import pytest

from juspay_kit.contract.runner import schemathesis_config
from juspay_kit.contract.safety import TargetKind, bind_address, classify, is_loopback_host
from juspay_kit.contract.settings import resolve
from juspay_kit.errors import TargetRefused


@pytest.mark.parametrize(
    "url", ["https://evilsandbox.juspay.in", "https://x.sandbox.juspay.in", "https://sandbox.juspay.in.evil.example"]
)
def test_only_the_sandbox_host_itself_is_allowed(url: str) -> None:
    with pytest.raises(TargetRefused):
        classify(url)
    assert classify("https://sandbox.juspay.in") is TargetKind.SANDBOX


def test_the_sandbox_profile_never_resends_or_shrinks() -> None:
    settings = resolve(
        base_url="https://sandbox.juspay.in", mode="all", max_examples=None, seed=1, report_dir=Path("r"),
        profile=None, rate_limit=None, budget=None, request_timeout=10,
        environ={"JUSPAY_API_KEY": "k", "JUSPAY_MERCHANT_ID": "m"},
    )  # fmt: skip
    config = schemathesis_config(settings)
    assert config["request-retries"] == 0 and config["generation"]["no-shrink"] is True
    assert config["phases"]["stateful"]["enabled"] is False and config["rate-limit"] == "2/s"


@pytest.mark.parametrize("host", ["127.0.0.1.", "LOCALHOST.", "localhost", "LocalHost"])
def test_loopback_names_bind_without_asking_dns(host: str) -> None:
    assert is_loopback_host(host) and bind_address(host) == "127.0.0.1"
