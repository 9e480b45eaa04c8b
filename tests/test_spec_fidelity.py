"""Spec fidelity for the three cut pages: every field a page names is in the spec under that name, typed from
the sample and required (the pages give no flags; the samples show them), and every part of the spec that no
page shows is marked inferred.

NAMED transcribes what the reference (docs/visa-agentic-docs.md of the team's shared notes, sections 4.1, 7.1
and 8.1) shows of each page: the field names of the sample requests with their sample values. The response
fields of these pages have no visible names, so every name in their answers must be marked inferred."""

from __future__ import annotations

from typing import Any

import pytest

from juspay_kit import spec
from juspay_kit.schema import resolve

DOCUMENT = spec.load_valid()
CUT = object()  # the page is cut before the value

NAMED: dict[str, dict[str, Any]] = {
    "provisionTokenAndCreatePasskey": {
        "customerId": "user_f96UTs2u7DpLrzh2",
        "sessionContext": {},
        "sessionContext.secureToken": "ezAwMX06AAM1NkHHoGTHlinW2m5qFZyyKbZYfqJqtRWoUKTkamXXzNYzFFifYHHtH46AB7CCeEkh",
    },
    "setupAgenticPayment": {
        "cardNetwork": "VISA",
        "clientReferenceId": "xxxxxxxxxxxxxxxxxxxxx",
        "vProvisionedTokenId": "xxxxxxxxxxxxxxxxxxxxx",
        "customerId": "user_1234567",
        "verificationData": {},
        "verificationData.verifyType": CUT,
    },
    "fetchPaymentCredentials": {
        "networkType": "VISA",
        "vProvisionedTokenId": "xxxxxxxxxxxxxxxxxxxxxx",
        "clientReferenceId": "some-client-ref-id",
        "nwTransactionId": "some-txn-id-1",
        "transactionDetails": [],
        "transactionDetails[].transactionId": "txn-ref-123",
        "transactionDetails[].transactionType": "PURCHASE",
        "transactionDetails[].transactionAmount": {},
        "transactionDetails[].transactionAmount.totalAmount": 11.10,
        "transactionDetails[].transactionAmount.subTotalAmount": 11.10,
        "transactionDetails[].transactionAmount.tax": 0.00,
        "transactionDetails[].transactionAmount.currencyCode": "USD",
        "transactionDetails[].orderId": "merch-ord-123",
        "transactionDetails[].shippingAddress": {},
        "transactionDetails[].shippingAddress.addLine1": "123 Main St",
        "transactionDetails[].shippingAddress.city": "Greater Noida",
        "transactionDetails[].shippingAddress.stateAdd": "Uttar Pradesh",
    },
}
JSON_TYPES = {str: "string", float: "number", int: "number", dict: "object", list: "array"}


def operation(operation_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(raw for _, _, raw in spec.operations(DOCUMENT) if raw["operationId"] == operation_id)
    return found


def body_schema(node: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = resolve(DOCUMENT, resolve(DOCUMENT, node)["content"]["application/json"]["schema"])
    return schema


def walk(schema: dict[str, Any], prefix: str = "") -> dict[str, tuple[dict[str, Any], dict[str, Any], Any]]:
    """dotted name -> (the parent object schema, the field's schema resolved, the field's schema as written)"""
    found = {}
    for name, raw in schema.get("properties", {}).items():
        field = resolve(DOCUMENT, raw)
        path = prefix + name
        found[path] = (schema, field, raw)
        if field.get("type") == "array":
            found.update(walk(resolve(DOCUMENT, field["items"]), path + "[]."))
        elif field.get("properties"):
            found.update(walk(field, path + "."))
    return found


def inferred(*nodes: Any) -> bool:
    return any(isinstance(node, dict) and node.get("x-inferred", {}).get("id") for node in nodes)


@pytest.mark.parametrize("operation_id", sorted(NAMED))
def test_every_named_field_is_in_the_spec_typed_from_the_sample_and_required_as_inferred(operation_id: str) -> None:
    fields = walk(body_schema(operation(operation_id)["requestBody"]))
    for path, sample in NAMED[operation_id].items():
        assert path in fields, f"{operation_id}: the page names {path}, the spec does not"
        parent, field, _ = fields[path]
        if sample is not CUT:
            assert field.get("type") == JSON_TYPES[type(sample)], (path, field.get("type"))
        else:
            assert "type" not in field, f"{path}: the page is cut before its value; no type can be known"
        assert path.rsplit(".", 1)[-1].removeprefix("transactionDetails[]") in parent.get("required", []), path
        assert inferred(parent), f"{path} is required because the sample shows it: the parent must say so"
        assert parent.get("additionalProperties") is True, f"{path}: a cut page's object stays open"


@pytest.mark.parametrize("operation_id", sorted(NAMED))
def test_every_part_no_page_shows_is_marked_inferred(operation_id: str) -> None:
    raw = operation(operation_id)
    request = walk(body_schema(raw["requestBody"]))
    guessed: list[str] = []  # unnamed fields marked inferred: what lies inside them is covered
    for path, (_, field, written) in request.items():
        if path not in NAMED[operation_id] and not any(path.startswith(g + ".") for g in guessed):
            assert inferred(field, written), f"{operation_id}: {path} is named by no page and not marked inferred"
            guessed.append(path)
    answer = body_schema(raw["responses"]["200"])
    assert inferred(answer) and answer.get("additionalProperties") is True
    for path, (_, field, written) in walk(answer).items():
        assert inferred(field, written), f"{operation_id} 200: {path} is named by no page and not marked inferred"
        assert path not in answer.get("required", []), f"{operation_id} 200: an inferred field is never required"
    for status, response in raw["responses"].items():
        if status != "200":
            assert inferred(resolve(DOCUMENT, response)), f"{operation_id} {status}"


def test_the_page_examples_are_the_spec_examples() -> None:
    for operation_id, named in NAMED.items():
        example = next(iter(resolve(DOCUMENT, operation(operation_id)["requestBody"])["content"]["application/json"]
                            ["examples"].values()))["value"]  # fmt: skip
        for path, sample in named.items():
            node: Any = example
            for part in path.replace("[]", ".0").split("."):
                node = node[int(part)] if part.isdigit() else node[part]
            if not isinstance(sample, dict | list):
                assert node == (None if sample is CUT else sample), (operation_id, path)


def test_the_readme_lists_every_inferred_part_of_the_three_pages() -> None:
    readme = (spec.ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Inferred parts of Provision, Setup and Fetch", 1)[1].split("\n## ", 1)[0]
    pages = ("Provision", "provision-token", "Setup", "setUp", "Fetch", "fetchAgentic", "SessionContext",
             "VerificationData", "AmountLimit", "Transaction", "ShippingAddress")  # fmt: skip
    for marker in spec.markers(DOCUMENT):
        if marker.kind == "inferred" and any(name in marker.pointer for name in pages):
            assert f"`{marker.id}`" in section, f"README's table lacks {marker.id}"
