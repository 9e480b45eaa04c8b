"""Hypothesis strategies from the JSON-schema subset the vendored spec uses.

hypothesis-jsonschema does not run on the pinned Hypothesis, and schemathesis keeps its generator
private, so this covers exactly the keywords our schemas use and refuses any other: a spec change that
needs more fails these tests loudly instead of generating the wrong data.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

ANNOTATIONS = {"description", "example", "examples", "title", "summary"}
SUPPORTED = ANNOTATIONS | {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "minLength",
    "maxLength",
    "enum",
    "not",
    "anyOf",
    "items",
}
_ANY_JSON = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))

_extra_values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    unknown = {k for k in schema if not k.startswith("x-")} - SUPPORTED
    if unknown:
        raise NotImplementedError(f"schema keywords not supported by the test strategy: {sorted(unknown)}")
    if "anyOf" in schema:
        return st.one_of([from_schema(option) for option in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    types = schema.get("type")
    if isinstance(types, list):
        return st.one_of([from_schema({**schema, "type": t}) for t in types])
    strategy: st.SearchStrategy[Any]
    if types is None and not schema.get("properties"):
        strategy = _ANY_JSON  # an untyped field (a page cut before its value)
    elif types == "number":
        strategy = st.floats(allow_nan=False, allow_infinity=False, width=32)
    elif types == "array":
        strategy = st.lists(from_schema(schema.get("items", {})), max_size=2)
    elif types == "null":
        strategy = st.none()
    elif types == "string":
        strategy = st.text(min_size=schema.get("minLength", 0), max_size=min(40, schema.get("maxLength", 40)))
    elif types == "integer":
        strategy = st.integers(min_value=-(2**31), max_value=2**31)
    elif types == "boolean":
        strategy = st.booleans()
    elif types == "object":
        strategy = _object(schema)
    else:
        raise NotImplementedError(f"schema type not supported by the test strategy: {types!r}")
    if "not" in schema:
        excluded = schema["not"]
        if set(excluded) != {"const"}:
            raise NotImplementedError("only `not: {const: ...}` is supported")
        strategy = strategy.filter(lambda value: value != excluded["const"])
    return strategy


def _object(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    fixed = st.fixed_dictionaries(
        {name: from_schema(sub) for name, sub in properties.items() if name in required},
        optional={name: from_schema(sub) for name, sub in properties.items() if name not in required},
    )
    if schema.get("additionalProperties", True) is False:
        return fixed
    extra_keys = st.text(min_size=1, max_size=10).filter(lambda key: key not in properties)
    extras = st.dictionaries(extra_keys, _extra_values, max_size=3)
    return st.tuples(fixed, extras).map(lambda pair: {**pair[1], **pair[0]})
