"""One home for each fact of the API: an operation added to a copy of the spec reaches every user of those
facts (observations, the proxy's checks, replay's refusal codes, the client's templates) with no Python edit."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from juspay_kit import api, regenerate, spec
from juspay_kit.contract.observe import Observations
from juspay_kit.errors import SpecError
from juspay_kit.proxy.checks import ExchangeChecker


def with_toy_operation() -> dict[str, Any]:
    document = spec.load()
    schemas = document["components"]["schemas"]
    schemas["ToyRequest"] = {
        "type": "object",
        "required": ["toyId"],
        "additionalProperties": False,
        "properties": {"toyId": {"type": "string", "minLength": 1}},
        "x-inferred": {"id": "toy-request-closed", "reason": "a test"},
    }
    schemas["ToyResponse"] = {
        "type": "object",
        "required": ["outcome"],
        "properties": {"outcome": {"type": "string"}},
        "x-inferred": {"id": "toy-response-fields", "reason": "a test"},
    }
    schemas["ToyRefusal"] = {
        "type": "object",
        "required": ["outcome", "toyCode", "toyText"],
        "properties": {
            "outcome": {"type": "string", "not": {"const": "DONE"}},
            "toyCode": {
                "type": "string",
                "enum": ["TOY_BROKEN"],
                "x-inferred": {"id": "toy-codes", "reason": "a test"},
            },
            "toyText": {"type": "string"},
        },
        "x-inferred": {"id": "toy-refusal-envelope", "reason": "a test"},
    }

    def answer(name: str) -> dict[str, Any]:
        return {
            "description": name,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }

    document["paths"]["/toy"] = {
        "post": {
            "operationId": "toyOperation",
            "summary": "Toy Operation",
            "security": [{"basicAuth": []}],
            "x-juspay-success": {"field": "outcome", "value": "DONE"},
            "x-juspay-refusal": {"envelope": "ToyRefusal", "codeField": "toyCode", "messageField": "toyText"},
            "parameters": [{"$ref": "#/components/parameters/MerchantId"}],
            "requestBody": copy.deepcopy(answer("ToyRequest")) | {"required": True},
            "responses": {"200": answer("ToyResponse"), "409": answer("ToyRefusal")},
        }
    }
    spec.validate(document)
    return document


def test_an_operation_added_to_the_spec_reaches_every_user_of_its_facts() -> None:
    document = with_toy_operation()
    facts = api.load(document)
    toy = facts.operations["toyOperation"]
    assert (toy.method, toy.path, toy.summary) == ("POST", "/toy", "Toy Operation")
    assert (toy.refusal.envelope, toy.refusal.code_field, toy.refusal.message_field) == (
        "ToyRefusal",
        "toyCode",
        "toyText",
    )
    assert toy.refusal.codes == ("TOY_BROKEN",) and toy.refusal.codes_inferred == "toy-codes"
    assert (toy.request_inferred, toy.response_inferred, toy.statuses) == (
        "toy-request-closed",
        "toy-response-fields",
        (200, 409),
    )
    assert facts.refusal_code({"outcome": "NO", "toyCode": "TOY_BROKEN"}) == "TOY_BROKEN"  # replay's comparison

    seen = Observations(document)
    seen.record("toyOperation", 409, {"outcome": "NO", "toyCode": "TOY_BROKEN", "toyText": "x"}, negative_body=False)
    seen.record("toyOperation", 409, {"outcome": "NO", "toyCode": "TOY_NEW", "toyText": "x"}, negative_body=False)
    seen.record("toyOperation", 200, {"outcome": "DONE"}, negative_body=False)
    seen.record("toyOperation", 400, {"status": "error"}, negative_body=True)
    report = seen.inferred_report()
    assert (report["toy-codes"]["confirmed"], report["toy-codes"]["contradicted"]) == (1, 1)
    assert report["toy-refusal-envelope"]["confirmed"] == 1  # the unknown code breaks the envelope's enum
    assert report["toy-response-fields"]["verdict"] == "confirmed"
    assert report["toy-request-closed"]["verdict"] == "confirmed"

    checker = ExchangeChecker(document)
    headers = {"authorization": "Basic bWs6", "x-merchantid": "m", "content-type": "application/json"}
    exchange = checker.exchange("POST", "/toy", headers, b'{"toyId": "1"}')
    assert checker.request(exchange) == []
    found = checker.response(exchange, 200, {"content-type": "application/json"}, b'{"outcome": "SUCCESS"}')
    assert [(v.check, v.path) for v in found] == [("success_envelope", "/outcome")]

    context = regenerate.package_context(document)
    assert context["refusal_fields"]["toyOperation"] == ("toyCode", "toyText")
    assert {
        "value": "TOY_BROKEN",
        "class_name": "ToyBroken",
        "operations": "Toy Operation",
        "base": "Refused",
    } in context["refusal_codes"]


def test_an_operation_without_its_envelope_extensions_is_refused_by_name() -> None:
    document = with_toy_operation()
    del document["paths"]["/toy"]["post"]["x-juspay-refusal"]
    with pytest.raises(SpecError, match="toyOperation needs x-juspay-refusal"):
        api.load(document)


def test_what_the_journey_needs_before_a_call_is_read_from_the_spec() -> None:
    needs = {operation.operation_id: operation.requires for operation in api.shared() if operation.requires}
    assert needs == {"validateOtp": "otp", "setupAgenticPayment": "bound-card",
                     "fetchPaymentCredentials": "instruction"}  # fmt: skip
    document = with_toy_operation()
    document["paths"]["/toy"]["post"]["x-juspay-requires"] = "a-coffee"
    with pytest.raises(SpecError, match="toyOperation has x-juspay-requires 'a-coffee'"):
        api.load(document)


def test_an_operation_added_to_the_spec_gets_a_method_of_the_client() -> None:
    toy = next(op for op in regenerate.client_context(with_toy_operation())["client_operations"]
               if op["operation_id"] == "toyOperation")  # fmt: skip
    assert (toy["method"], toy["signature"], toy["returns"], toy["secret"]) == ("toy_operation", "toy_id: str",
                                                                               "ToyResponse", "None")  # fmt: skip
