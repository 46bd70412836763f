"""vscode-client/package.json declares the server's Settings: same keys, types, defaults, bounds.

package.json `contributes.configuration` is the VS Code side's source of truth (camelCase
keys under `tether.`); the pydantic Settings model is the server's. The client sends the
explicitly set values as initializationOptions, so a key missing on either side, or a default
or bound that differs, is a silent bug this test turns into a failure.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tether.config import ModelConfig, Settings
from tether.slider import LeashLimits, Level

MANIFEST = Path(__file__).resolve().parents[2] / "vscode-client" / "package.json"
CLIENT_ONLY = {"serverCommand", "trace.server", "review.mode"}
SCALAR_KEYS = ("default", "minimum", "maximum", "exclusiveMinimum", "enum")


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@pytest.fixture(scope="module")
def declared() -> dict[str, dict[str, Any]]:
    props = json.loads(MANIFEST.read_text(encoding="utf-8"))["contributes"]["configuration"]["properties"]
    return {key.removeprefix("tether."): value for key, value in props.items() if key.startswith("tether.")}


def resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Inline a pydantic `$ref` (directly or through a one-item allOf), keeping sibling keys."""
    ref = node.get("$ref") or (node.get("allOf", [{}])[0].get("$ref") if len(node.get("allOf", [])) == 1 else None)
    if not ref:
        return node
    target = dict(defs[ref.rsplit("/", 1)[-1]])
    target.update({k: v for k, v in node.items() if k not in ("$ref", "allOf")})
    return target


def server_leaves(schema: dict[str, Any], defs: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Dotted snake_case path -> schema, descending into nested models (complete, edit)."""
    out: dict[str, dict[str, Any]] = {}
    for name, node in schema["properties"].items():
        node = resolve(node, defs)
        if node.get("type") == "object" and "properties" in node:
            out.update(server_leaves(node, defs, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = node
    return out


@pytest.fixture(scope="module")
def server() -> dict[str, dict[str, Any]]:
    schema = Settings.model_json_schema()
    return server_leaves(schema, schema.get("$defs", {}))


def json_types(node: dict[str, Any]) -> set[str]:
    if "anyOf" in node:
        return set().union(*(json_types(option) for option in node["anyOf"]))
    kind = node.get("type")
    if kind is None and "enum" in node:
        return {"string"}
    return set(kind) if isinstance(kind, list) else {kind}


def to_client(path: str) -> str:
    return ".".join(camel(part) for part in path.split("."))


def test_every_server_setting_is_declared_in_package_json(server, declared):
    missing = sorted(to_client(path) for path in server if to_client(path) not in declared)
    assert not missing, f"package.json lacks tether.{', tether.'.join(missing)}"


def test_every_declared_setting_exists_on_the_server(server, declared):
    unknown = sorted(key for key in declared if key not in CLIENT_ONLY and ".".join(map(snake, key.split("."))) not in server)
    assert not unknown, f"package.json declares settings the server does not have: {unknown}"


def test_scalar_settings_match_types_defaults_and_bounds(server, declared):
    checked = 0
    for path, node in server.items():
        client = declared[to_client(path)]
        assert json_types(client) == json_types(node), f"tether.{to_client(path)}: type differs"
        if json_types(node) & {"object", "array"}:
            continue
        for key in SCALAR_KEYS:
            if key in node:
                assert client.get(key) == node[key], f"tether.{to_client(path)}: {key} {client.get(key)!r} != {node[key]!r}"
        checked += 1
    assert checked >= 13  # level, max_level, data_dir, 4 complete.*, 6 edit.*


def test_levels_are_the_servers(declared):
    values = [level.value for level in Level]
    assert declared["level"]["enum"] == values
    assert declared["maxLevel"]["enum"] == values
    assert declared["limits"]["propertyNames"]["enum"] == values


def _check_object_fields(client_props: dict[str, Any], model: type) -> None:
    schema = model.model_json_schema()
    assert set(client_props) == set(schema["properties"]), f"{model.__name__} fields differ"
    for name, node in schema["properties"].items():
        assert json_types(client_props[name]) == json_types(node), f"{model.__name__}.{name}: type differs"
        for key in ("default", "minimum", "enum"):
            if key in client_props[name] and key in node:
                assert client_props[name][key] == node[key], f"{model.__name__}.{name}: {key} differs"


def test_model_slots_and_limits_declare_the_server_fields(declared):
    _check_object_fields(declared["models"]["additionalProperties"]["properties"], ModelConfig)
    _check_object_fields(declared["limits"]["additionalProperties"]["properties"], LeashLimits)
    assert declared["roles"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def test_package_json_defaults_are_valid_server_settings(server, declared):
    """The values VS Code shows as defaults, sent as they would be, validate and change nothing."""
    nested: dict[str, Any] = {}
    for path in server:
        default = declared[to_client(path)].get("default")
        if default in (None, {}):
            continue
        node = nested
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = default
    assert Settings.model_validate(nested).model_dump() == Settings().model_dump()
