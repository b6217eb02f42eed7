"""Walk the served OpenAPI document: every operation, the roles it admits (the bearer
scheme's scopes), and a schema-valid sample for its JSON body, so that a test can take
each field in turn and break it."""

from __future__ import annotations

import base64
import copy
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from walletguard.app import create_app
from walletguard.config import Settings

Json = Any


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]
    roles: tuple[str, ...] | None  # None: public; (): any signed-in caller
    body_schema: dict[str, Any] | None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_params(self) -> list[str]:
        return [p["name"] for p in self.spec.get("parameters", []) if p["in"] == "path"]

    @property
    def query_params(self) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == "query"]

    def url(self, **values: str) -> str:
        url = self.path
        for name in self.path_params:
            url = url.replace("{" + name + "}", values.get(name, f"missing_{name}"))
        return url

    def credential_role(self) -> str | None:
        """The role whose credential the test presents: the first one admitted."""
        if self.roles is None:
            return None
        return self.roles[0] if self.roles else "owner"


@cache
def document() -> dict[str, Any]:
    """The app's OpenAPI document, built without touching any database."""
    key = base64.b64encode(b"k" * 32).decode()
    settings = Settings(
        mode="test", data_dir=Path(tempfile.mkdtemp(prefix="wg-openapi-")),
        database_url="sqlite://", pii_key=key, pin_pepper=key, token_key=key,
        password_hash_memory_kib=1024)
    return create_app(settings).openapi()


def resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def operations() -> list[Operation]:
    doc = document()
    found = []
    for path, methods in doc["paths"].items():
        for method, spec in methods.items():
            security = spec.get("security")
            roles = None if not security else tuple(security[0].get("bearer", ()))
            body = spec.get("requestBody", {}).get("content", {}).get("application/json")
            body_schema = resolve(body["schema"], doc) if body else None
            found.append(Operation(method.upper(), path, spec, roles, body_schema))
    return found


def json_body_operations() -> list[Operation]:
    return [op for op in operations() if op.body_schema is not None]


def _non_null(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    schema = resolve(schema, doc)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [resolve(s, doc) for s in schema[key] if s.get("type") != "null"]
            return _non_null(options[0], doc)
    return schema


def sample(schema: dict[str, Any], doc: dict[str, Any] | None = None) -> Json:
    """A value the schema accepts; objects carry every declared property."""
    doc = doc or document()
    schema = _non_null(schema, doc)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {name: sample(prop, doc) for name, prop in schema.get("properties", {}).items()}
    if kind == "string":
        if schema.get("format") == "date-time":
            return "2024-01-01T00:00:00+00:00"
        low, high = schema.get("minLength", 1), schema.get("maxLength", 40)
        return ("sample" * 10)[: max(low, min(high, 6))]
    if kind == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
        return int(max(low, 1) if schema.get("maximum", 10) >= 1 else low)
    if kind == "number":
        return 1.5 if schema.get("maximum", 10) >= 1.5 else schema.get("minimum", 0.0)
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    return "sample"


def fields(schema: dict[str, Any], doc: dict[str, Any] | None = None,
           prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every declared field, nested objects included, as (path, resolved schema)."""
    doc = doc or document()
    found = []
    for name, prop in _non_null(schema, doc).get("properties", {}).items():
        path = (*prefix, name)
        resolved = _non_null(prop, doc)
        found.append((path, resolved))
        if "properties" in resolved:
            found.extend(fields(resolved, doc, path))
    return found


def replaced(body: Json, path: tuple[str, ...], value: Json) -> Json:
    """A copy of ``body`` with the field at ``path`` set to ``value``."""
    result = copy.deepcopy(body)
    target = result
    for name in path[:-1]:
        target = target[name]
    target[path[-1]] = value
    return result


def wrong_type(schema: dict[str, Any]) -> Json:
    """A value of another JSON type than the field's: a string for a number, a number for
    a string, a string for a boolean or an object."""
    kind = schema.get("type", "string" if "enum" in schema else "object")
    return {"string": 12345, "integer": "12345", "number": "1.5", "boolean": "true",
            "array": "[]", "object": "{}"}.get(kind, 12345)
