"""Which server a run talks to: the embedded mock started for it, or a loopback or sandbox URL probed first
(a TCP connect, then the mock's /__mock__/health to choose the mock or the stand-in profile)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import urlsplit

import httpx
from juspay_visa_agentic_client import guard

from juspay_kit.contract.settings import Profile, Settings
from juspay_kit.errors import TargetUnreachable, UsageError
from juspay_kit.mock.process import running_mock


def preflight(base_url: str, timeout: float = 5.0) -> None:
    """TCP connect only (no HTTP request): TargetUnreachable when nothing answers."""
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            pass
    except OSError as exc:
        raise TargetUnreachable(f"{base_url} is unreachable ({exc.strerror or exc}); no contract was checked") from None


def reset_mock_controls(settings: Settings, base_url: str) -> bool:
    """Whether the loopback server has the mock's /__mock__/ controls; if so, its state is reset."""
    with guard.guarded_client(
        settings.request_timeout, settings.max_answer_bytes, timeout=settings.request_timeout
    ) as http:
        try:
            answer = http.get(f"{base_url}/__mock__/health")
            ok = answer.status_code == 200 and answer.json().get("status") == "ok"
            if ok:
                http.post(f"{base_url}/__mock__/reset", json={})  # controls take JSON only
        except guard.Breach as exc:  # a hostile target: the run ends before anything else is sent
            raise TargetUnreachable(f"{base_url} broke the limit on its answer's {exc.limit} (health): {exc}") from None
        except (httpx.HTTPError, ValueError, AttributeError):
            ok = False
    return bool(ok)


@contextmanager
def target(settings: Settings) -> Iterator[tuple[str, Settings]]:
    """The base URL to test and the settings for it: a loopback target without --profile gets the mock
    profile when it has the /__mock__/ controls and the stand-in profile when it has not."""
    if settings.base_url is None:
        with running_mock(settings.api_key, settings.merchant_id, ["--seed", str(settings.seed)]) as mock:
            yield mock.url, settings
        return
    base_url = settings.base_url
    preflight(base_url)
    if settings.detect_profile or settings.profile is Profile.MOCK:
        controls = reset_mock_controls(settings, base_url)
        if settings.detect_profile:
            settings = replace(settings, profile=Profile.MOCK if controls else Profile.STANDIN)
        elif not controls:
            raise UsageError(
                f"{base_url} has no /__mock__/ test controls, so positive cases cannot get fresh OTP "
                "sessions; leave --profile out (or use --profile standin) to test your own stand-in"
            )
    yield base_url, settings
