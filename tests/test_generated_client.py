"""The generated package: installed, typed, parses every documented answer, round-trips its models."""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from juspay_visa_agentic_client import AuthenticatedClient, models
from juspay_visa_agentic_client.api.device_binding import trigger_otp, validate_otp
from juspay_visa_agentic_client.api.lifecycle import (
    fetch_payment_credentials,
    provision_token_and_create_passkey,
    setup_agentic_payment,
)

from juspay_kit import api, spec
from juspay_kit.schema import resolve
from tests.loopback import recording_server
from tests.schema_strategy import from_schema
from tests.test_spec import (
    TRIGGER_SAMPLE_REQUEST,
    TRIGGER_SAMPLE_RESPONSE,
    VALIDATE_SAMPLE_REQUEST,
    VALIDATE_SAMPLE_RESPONSE,
)

DOCUMENT = spec.load_valid()
SCHEMAS = DOCUMENT["components"]["schemas"]
OBJECT_SCHEMAS = sorted(name for name, schema in SCHEMAS.items() if schema.get("type") == "object")
CLIENT_DIR = spec.ROOT / "generated" / "juspay-visa-agentic-client"
API_KEY = "test_key_0123456789"
MERCHANT = "agentic_merchant"
OPERATIONS = {
    "triggerOtp": trigger_otp,
    "validateOtp": validate_otp,
    "provisionTokenAndCreatePasskey": provision_token_and_create_passkey,
    "setupAgenticPayment": setup_agentic_payment,
    "fetchPaymentCredentials": fetch_payment_credentials,
}
SAMPLE_REQUESTS = {
    raw["operationId"]: next(iter(raw["requestBody"]["content"]["application/json"]["examples"].values()))["value"]
    for _, _, raw in spec.operations(DOCUMENT)
}


def model(name: str) -> Any:
    return getattr(models, name)


def basic(key: str) -> str:
    return base64.b64encode(f"{key}:".encode()).decode()


@pytest.mark.parametrize(
    ("name", "sample"),
    [
        ("TriggerOtpRequest", TRIGGER_SAMPLE_REQUEST),
        ("TriggerOtpResponse", TRIGGER_SAMPLE_RESPONSE),
        ("ValidateOtpRequest", VALIDATE_SAMPLE_REQUEST),
        ("ValidateOtpResponse", VALIDATE_SAMPLE_RESPONSE),
    ],
)
def test_docs_samples_parse_into_models(name: str, sample: dict[str, Any]) -> None:
    parsed = model(name).from_dict(sample)
    assert parsed.to_dict() == sample
    assert not getattr(parsed, "additional_properties", {})


def test_sample_fields_map_to_typed_attributes() -> None:
    parsed = models.TriggerOtpResponse.from_dict(TRIGGER_SAMPLE_RESPONSE)
    assert parsed.status == "SUCCESS" and parsed.error_code is None and parsed.error_message is None
    assert (parsed.response.max_otp_verification_allowed, parsed.response.code_expiration) == (3, 5)
    request = models.ValidateOtpRequest.from_dict(VALIDATE_SAMPLE_REQUEST)
    assert (request.otp_value, request.network_type) == ("456789", "VISA")


def test_every_component_schema_has_a_model() -> None:
    assert OBJECT_SCHEMAS
    for name in OBJECT_SCHEMAS:
        assert hasattr(models, name), name


@pytest.mark.parametrize("name", OBJECT_SCHEMAS)
def test_models_round_trip_data_generated_from_their_schema(name: str) -> None:
    schema = resolve(DOCUMENT, SCHEMAS[name])

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(from_schema(schema))
    def round_trip(instance: dict[str, Any]) -> None:
        assert model(name).from_dict(instance).to_dict() == instance

    round_trip()


def documented_answers() -> list[tuple[str, str, str, Any]]:
    """(operationId, status, example name, body) for every documented response example."""
    found = []
    for _, _, raw in spec.operations(DOCUMENT):
        op = resolve(DOCUMENT, raw)
        for status, response in op["responses"].items():
            for name, example in response["content"]["application/json"]["examples"].items():
                found.append((op["operationId"], status, name, example["value"]))
    return found


SUCCESS_MODELS = {
    raw["operationId"]: raw["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    for _, _, raw in spec.operations(DOCUMENT)
}


def expected_model(operation_id: str, body: dict[str, Any]) -> str:
    if "error_info" in body:
        return "JuspayError"
    facts = api.shared().operations[operation_id]
    return SUCCESS_MODELS[operation_id] if facts.is_success(body) else facts.refusal.envelope


@pytest.mark.parametrize(("operation_id", "status", "name", "body"), documented_answers())
def test_every_documented_status_parses_into_its_model(operation_id: str, status: str, name: str, body: Any) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(int(status), json=body))
    client = AuthenticatedClient(
        base_url="http://127.0.0.1:9", token=basic(API_KEY), prefix="Basic", httpx_args={"transport": transport}
    )
    request_model = model(api.shared().operations[operation_id].request_schema)
    response = OPERATIONS[operation_id].sync_detailed(
        client=client, body=request_model.from_dict(SAMPLE_REQUESTS[operation_id]), x_merchantid=MERCHANT
    )
    assert response.status_code == int(status)
    assert type(response.parsed).__name__ == expected_model(operation_id, body)
    assert response.parsed is not None and response.parsed.to_dict() == body


def test_sync_and_async_calls_send_basic_auth_and_merchant_header() -> None:
    replies = {"/initiateVerification": (200, TRIGGER_SAMPLE_RESPONSE), "/validateOtp": (200, VALIDATE_SAMPLE_RESPONSE)}
    with recording_server(replies) as (base_url, recorder):
        with AuthenticatedClient(base_url=base_url, token=basic(API_KEY), prefix="Basic") as client:
            sent = trigger_otp.sync(
                client=client, body=models.TriggerOtpRequest.from_dict(TRIGGER_SAMPLE_REQUEST), x_merchantid=MERCHANT
            )

        async def validate() -> Any:
            async with AuthenticatedClient(base_url=base_url, token=basic(API_KEY), prefix="Basic") as client:
                return await validate_otp.asyncio(
                    client=client,
                    body=models.ValidateOtpRequest.from_dict(VALIDATE_SAMPLE_REQUEST),
                    x_merchantid=MERCHANT,
                )

        checked = asyncio.run(validate())
    assert isinstance(sent, models.TriggerOtpResponse) and isinstance(checked, models.ValidateOtpResponse)
    assert [path for path, _, _ in recorder.requests] == ["/initiateVerification", "/validateOtp"]
    for (_, headers, body), sample in zip(
        recorder.requests, [TRIGGER_SAMPLE_REQUEST, VALIDATE_SAMPLE_REQUEST], strict=True
    ):
        assert headers["authorization"] == f"Basic {basic(API_KEY)}"
        assert base64.b64decode(headers["authorization"].split()[1]) == f"{API_KEY}:".encode()
        assert headers["x-merchantid"] == MERCHANT
        assert headers["content-type"] == "application/json"
        assert json.loads(body) == sample


def test_package_version_and_readme() -> None:
    from importlib.metadata import version

    import yaml

    config = yaml.safe_load((spec.ROOT / "generator" / "config.yaml").read_text(encoding="utf-8"))
    assert version("juspay-visa-agentic-client") == config["package_version_override"]
    assert (CLIENT_DIR / "juspay_visa_agentic_client" / "py.typed").exists()
    readme = (CLIENT_DIR / "README.md").read_text(encoding="utf-8")
    assert "not published" in readme and "JuspayClient(" in readme and "connect_retries" in readme


def test_installed_package_is_the_committed_one() -> None:
    installed = Path(importlib.import_module("juspay_visa_agentic_client").__file__ or "").parent
    assert installed != CLIENT_DIR / "juspay_visa_agentic_client", "expected an installed copy, not the source tree"
    for source in (CLIENT_DIR / "juspay_visa_agentic_client").rglob("*.py"):
        twin = installed / source.relative_to(CLIENT_DIR / "juspay_visa_agentic_client")
        assert twin.read_bytes() == source.read_bytes(), f"stale install: {twin} (run make install)"


@pytest.mark.slow
def test_bare_venv_installs_package_and_strict_consumer_runs(tmp_path: Path) -> None:
    env_dir = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False).create(env_dir)  # no pip of its own: the dev pip installs into it
    py = env_dir / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, str(CLIENT_DIR)], check=True, capture_output=True, timeout=400)
    consumer = spec.ROOT / "tests" / "fixtures" / "consumer.py"
    # The pinned mypy of the dev environment, resolving imports in the bare one (PEP 561: py.typed).
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-executable", str(py), str(consumer)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert typed.returncode == 0, typed.stdout
    replies = {"/initiateVerification": (200, TRIGGER_SAMPLE_RESPONSE), "/validateOtp": (200, VALIDATE_SAMPLE_RESPONSE)}
    with recording_server(replies) as (base_url, recorder):
        ran = subprocess.run(
            [str(py), str(consumer), base_url, API_KEY, MERCHANT],
            capture_output=True,
            text=True,
            timeout=60,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
            cwd=tmp_path,
        )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "codeExpiration=5 bound=True"
    assert all(h["authorization"] == f"Basic {basic(API_KEY)}" for _, h, _ in recorder.requests)
    assert sys.prefix not in ran.stdout


def test_the_package_loads_its_names_when_first_used_and_still_reaches_every_submodule() -> None:
    """`import juspay_visa_agentic_client` loads no httpx (the kit's recording commands import its `limits`);
    its names, and the submodules importing it once reached (`models`, `api`, `guard`), are there when asked."""
    script = (
        "import sys, juspay_visa_agentic_client as j\n"
        "light = 'httpx' not in sys.modules\n"
        "print(light, j.models.TriggerOtpRequest.__name__, j.api.device_binding.__name__, j.guard.MAX_JSON_DEPTH,"
        " j.JuspayClient.__name__, hasattr(j, 'nothing'))\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == [
        "True", "TriggerOtpRequest", "juspay_visa_agentic_client.api.device_binding", "64", "JuspayClient", "False"
    ]  # fmt: skip
