"""Normalise: one key order and one readable YAML form, so that a refresh from the spec itself changes nothing."""

from __future__ import annotations

from typing import Any

import yaml

# Key order of the normalised document: these keys first, in this order, at every level; any other key keeps
# its source order after them. Name maps (paths, properties, ...) keep their source order.
KEY_ORDER = [
    "openapi", "info", "servers", "tags", "security", "paths", "webhooks", "components",
    "title", "version", "name", "url", "operationId", "summary", "in", "required", "deprecated", "type", "scheme",
    "format", "enum", "const", "minLength", "maxLength", "pattern", "not", "description", "externalDocs",
    "x-inferred", "x-doc-conflict", "parameters", "requestBody", "content", "schema", "additionalProperties",
    "items", "properties", "responses", "schemas", "securitySchemes", "example", "examples", "value",
]  # fmt: skip
_RANK = {key: index for index, key in enumerate(KEY_ORDER)}
_NAME_MAPS = {"paths", "properties", "schemas", "responses", "securitySchemes", "examples", "parameters", "content"}


def normalise(node: Any, parent: str = "") -> Any:
    """Stable key order: KEY_ORDER first, then source order; name maps keep source order."""
    if isinstance(node, dict):
        if parent in _NAME_MAPS:
            keys = list(node)
        else:
            position = {key: index for index, key in enumerate(node)}
            keys = sorted(node, key=lambda k: (_RANK.get(k, len(_RANK)), position[k]))
        return {key: normalise(node[key], str(key)) for key in keys}
    if isinstance(node, list):
        return [normalise(value) for value in node]
    return node


class _Dumper(yaml.SafeDumper):
    """One readable form: block mappings, lists indented under their key, short scalar lists inline,
    multi-line text as literal blocks, long sentences folded at the line width, no anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> Any:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if len(value) > 100 and value == value.strip() and "  " not in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> Any:
    scalars = all(isinstance(v, str | int | float | bool) or v is None for v in value)
    inline = scalars and len(repr(value)) < 80 and not any("\n" in str(v) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=inline)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def dump(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110, indent=2)
