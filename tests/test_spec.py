"""The vendored document: valid, faithful to Juspay's samples, explicit about what it inferred."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from juspay_kit import spec
from juspay_kit.schema import resolve

DOCUMENT = spec.load_valid()

TRIGGER_SAMPLE_REQUEST = {
    "tokenReference": "479518c708c3e3ccb68314501ee4c702",
    "vProvisionedTokenId": "479518c708c3e3ccb68314501ee4c702",
    "clientReferenceId": "9d4050c011ee4654adec05873299a640",
    "stepUpRequestId": "Y2UyOWU0N2E1NGYzNGM2OTY4MjQxZTZhYzkxMTNkMDE=",
}
TRIGGER_SAMPLE_RESPONSE = {
    "errorMessage": None,
    "status": "SUCCESS",
    "errorCode": None,
    "response": {"maxOTPVerificationAllowed": 3, "maxOTPRequestsAllowed": 3, "codeExpiration": 5},
}
VALIDATE_SAMPLE_REQUEST = {
    "tokenReference": "479518c708c3e3ccb68314501ee4c702",
    "otpValue": "456789",
    "clientReferenceId": "9d4050c011ee4654adec05873299a640",
    "networkType": "VISA",
    "vProvisionedTokenId": "479518c708c3e3ccb68314501ee4c702",
}
VALIDATE_SAMPLE_RESPONSE = {"status": "SUCCESS", "responseCode": None, "responseMessage": None}


def operation(operation_id: str) -> dict[str, Any]:
    for _, _, op in spec.operations(DOCUMENT):
        if op["operationId"] == operation_id:
            resolved: dict[str, Any] = resolve(DOCUMENT, op)
            return resolved
    raise AssertionError(operation_id)


def media_examples() -> list[tuple[str, dict[str, Any], Any]]:
    found = []
    for _, _, raw in spec.operations(DOCUMENT):
        op = resolve(DOCUMENT, raw)
        media = op["requestBody"]["content"]["application/json"]
        for name, example in media["examples"].items():
            found.append((f"{op['operationId']} request {name}", media["schema"], example["value"]))
        for status, response in op["responses"].items():
            media = response["content"]["application/json"]
            assert media.get("examples"), f"{op['operationId']} {status} has no example"
            for name, example in media["examples"].items():
                found.append((f"{op['operationId']} {status} {name}", media["schema"], example["value"]))
    return found


def test_document_validates_as_openapi_3_1() -> None:
    assert DOCUMENT["openapi"] == "3.1.0"


def test_operations_and_ids() -> None:
    """Juspay's five pages, where the transcription put them; an operation added to the spec is no failure here."""
    found = {(path, method): op["operationId"] for path, method, op in spec.operations(DOCUMENT)}
    pages = {("/initiateVerification", "POST"): "triggerOtp", ("/validateOtp", "POST"): "validateOtp",
             ("/provision-token-passkey", "POST"): "provisionTokenAndCreatePasskey",
             ("/cards/setUpAgenticPaymentInstruction", "POST"): "setupAgenticPayment",
             ("/cards/fetchAgenticTransactCreds", "POST"): "fetchPaymentCredentials"}  # fmt: skip
    assert found.items() >= pages.items()
    assert len(set(found.values())) == len(found)  # an operationId names one operation


@pytest.mark.parametrize("operation_id", ["triggerOtp", "validateOtp"])
def test_operation_level_basic_auth_and_merchant_header(operation_id: str) -> None:
    op = operation(operation_id)
    assert op["security"] == [{"basicAuth": []}]
    assert DOCUMENT["components"]["securitySchemes"]["basicAuth"] == {
        **DOCUMENT["components"]["securitySchemes"]["basicAuth"],
        "type": "http",
        "scheme": "basic",
    }
    (header,) = op["parameters"]
    assert (header["name"], header["in"], header["required"], header["schema"]["type"]) == (
        "x-merchantid",
        "header",
        True,
        "string",
    )


def test_servers_are_sandbox_then_production() -> None:
    assert [s["url"] for s in DOCUMENT["servers"]] == ["https://sandbox.juspay.in", "https://api.juspay.in"]
    assert "Sandbox" in DOCUMENT["servers"][0]["description"]
    assert "Production" in DOCUMENT["servers"][1]["description"]


@pytest.mark.parametrize(
    ("operation_id", "sample"),
    [("triggerOtp", TRIGGER_SAMPLE_REQUEST), ("validateOtp", VALIDATE_SAMPLE_REQUEST)],
)
def test_request_carries_every_documented_field_as_required_string(operation_id: str, sample: dict[str, Any]) -> None:
    schema = operation(operation_id)["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == set(sample) == set(schema["properties"])
    for name, prop in schema["properties"].items():
        assert prop.get("type") == "string", name
    assert (
        operation(operation_id)["requestBody"]["content"]["application/json"]["examples"]["docs-sample"]["value"]
        == sample
    )


def test_network_type_is_an_enum_of_visa() -> None:
    schema = operation("validateOtp")["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["networkType"]["enum"] == ["VISA"]


@pytest.mark.parametrize(
    ("operation_id", "sample"),
    [("triggerOtp", TRIGGER_SAMPLE_RESPONSE), ("validateOtp", VALIDATE_SAMPLE_RESPONSE)],
)
def test_success_response_is_the_docs_sample(operation_id: str, sample: dict[str, Any]) -> None:
    media = operation(operation_id)["responses"]["200"]["content"]["application/json"]
    assert media["examples"]["docs-sample"]["value"] == sample
    assert set(media["schema"]["required"]) == set(sample)
    jsonschema.Draft202012Validator(media["schema"]).validate(sample)


@pytest.mark.parametrize(
    ("operation_id", "fields"),
    [("triggerOtp", ["errorCode", "errorMessage"]), ("validateOtp", ["responseCode", "responseMessage"])],
)
def test_envelope_codes_are_nullable(operation_id: str, fields: list[str]) -> None:
    schema = operation(operation_id)["responses"]["200"]["content"]["application/json"]["schema"]
    for name in fields:
        assert schema["properties"][name]["type"] == ["string", "null"]


@pytest.mark.parametrize(("label", "schema", "value"), media_examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_example_validates_against_its_own_schema(label: str, schema: dict[str, Any], value: Any) -> None:
    jsonschema.Draft202012Validator(schema).validate(value)


def test_counter_conflict_is_decided_for_the_wire_sample() -> None:
    limits = DOCUMENT["components"]["schemas"]["OtpLimits"]["properties"]
    for name in ("maxOTPVerificationAllowed", "maxOTPRequestsAllowed", "codeExpiration"):
        assert limits[name]["type"] == "integer"
        conflict = limits[name]["x-doc-conflict"]
        assert conflict["id"] == "otp-counters-type"
        assert conflict["decision"] == "integer"


def test_every_non_200_response_is_marked_inferred() -> None:
    for _, _, raw in spec.operations(DOCUMENT):
        for status, response in resolve(DOCUMENT, raw)["responses"].items():
            if status != "200":
                assert response.get("x-inferred", {}).get("id"), f"{raw['operationId']} {status}"
                assert response["x-inferred"].get("reason")


def test_markers_have_unique_ids_and_reasons() -> None:
    inferred: dict[str, str] = {}
    for marker in spec.markers(DOCUMENT):
        assert marker.id, marker.pointer
        if marker.kind == "inferred":
            assert marker.detail.get("reason"), marker.pointer
            assert inferred.setdefault(marker.id, marker.pointer) == marker.pointer, f"duplicate id {marker.id}"
        else:
            assert marker.detail.get("decision"), marker.pointer
    assert len(inferred) >= 10


def test_spec_readme_lists_every_decision() -> None:
    readme = (spec.ROOT / "spec" / "README.md").read_text(encoding="utf-8")
    for marker in spec.markers(DOCUMENT):
        assert f"`{marker.id}`" in readme, f"spec/README.md does not mention {marker.id}"


def test_provenance_matches_the_spec() -> None:
    record = spec.read_provenance()
    assert record["source"]["kind"] in {"transcribed", "fetched"}
    assert record["source"]["retrieved_on"]
    assert all(page.startswith("https://juspay.io/") for page in record["source"]["pages"])
    assert record["generation"]["spec_sha256"] == spec.sha256_of(spec.SPEC_PATH)
    assert record["generation"]["openapi-python-client"] == "0.29.1"
