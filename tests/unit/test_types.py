"""The response TypedDicts match the spec's component schemas: same keys, same required keys, same types.

The expected Python type of each property is derived from its JSON Schema here, so a schema change
(a new key, a key made optional or nullable, a new enum value) fails this test until types.py follows.
"""

from __future__ import annotations

import functools
import operator
import typing
from pathlib import Path
from typing import Any, Literal, NotRequired, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from pytest_sequence_metadata.contract import types
from pytest_sequence_metadata.contract.spec import load_spec

SPEC = load_spec()
SCHEMAS: dict[str, Any] = SPEC.raw["components"]["schemas"]
TYPED_DICTS = {name: obj for name in types.__all__ if is_typeddict(obj := getattr(types, name))}
_SCALARS: dict[str, Any] = {"string": str, "integer": int, "boolean": bool, "number": float}


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return str(ref).rsplit("/", 1)[-1] if ref else None


def expected_type(schema: dict[str, Any]) -> Any:
    """The Python annotation a property with this schema should have in types.py."""
    name = _ref_name(schema)
    if name is not None:
        if name in TYPED_DICTS:
            return TYPED_DICTS[name]
        if name in types.__all__:  # a named Literal alias (enums)
            return getattr(types, name)
        return expected_type(SCHEMAS[name])  # Id, Timestamp, AnyMap, ...: plain JSON types
    for combinator in ("anyOf", "oneOf"):  # e.g. a nullable reference: [{"$ref": ...}, {"type": "null"}]
        if combinator in schema:
            return functools.reduce(operator.or_, [expected_type(option) for option in schema[combinator]])
    if "enum" in schema:
        return Literal[tuple(schema["enum"])]
    kinds = schema.get("type")
    if kinds is None:
        return Any
    options = []
    for kind in [kinds] if isinstance(kinds, str) else kinds:
        if kind == "null":
            options.append(type(None))
        elif kind == "array":
            options.append(list[expected_type(schema["items"])] if "items" in schema else list[Any])
        elif kind == "object":
            options.append(dict[str, Any])  # free-form: typed objects are $refs to a TypedDict
        else:
            options.append(_SCALARS[kind])
    return functools.reduce(operator.or_, options)


def _split(hint: Any) -> tuple[bool, Any]:
    """(required, the type inside): NotRequired is read from the annotation, not `__required_keys__`,
    which Python 3.11 gets wrong under `from __future__ import annotations`."""
    if get_origin(hint) is NotRequired:
        return False, get_args(hint)[0]
    return True, hint


@pytest.mark.parametrize("name", sorted(TYPED_DICTS))
def test_typed_dict_matches_its_schema(name: str) -> None:
    assert name in SCHEMAS, f"types.{name} has no component schema of that name in the spec"
    schema = SCHEMAS[name]
    hints = get_type_hints(TYPED_DICTS[name], include_extras=True)
    assert set(hints) == set(schema["properties"]), f"{name}: keys differ from the schema's properties"
    required = set(schema.get("required", []))
    for key, hint in hints.items():
        is_required, inner = _split(hint)
        assert is_required == (key in required), f"{name}.{key}: required in the schema is {key in required}"
        assert inner == expected_type(schema["properties"][key]), (
            f"{name}.{key}: type differs from the schema"
        )


@pytest.mark.parametrize("name", ["AssetField", "ResourceStatus"])
def test_enum_aliases_match_the_schema(name: str) -> None:
    assert get_args(getattr(types, name)) == tuple(SCHEMAS[name]["enum"])


def _response_schema_name(operation_id: str) -> str | None:
    content = SPEC.operation(operation_id).definition["responses"]["200"].get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    return _ref_name(schema)


def test_every_json_answer_of_the_spec_has_a_typed_dict() -> None:
    missing = {
        op: name
        for op in SPEC.operations
        if (name := _response_schema_name(op)) is not None and name not in TYPED_DICTS
    }
    assert missing == {}


def test_the_examples_of_the_spec_fit_the_typed_dicts() -> None:
    # A sanity check of the derivation above on real bodies: every documented 200 example has only
    # keys its TypedDict knows, and all of its required ones.
    checked = 0
    for op in SPEC.operations:
        name = _response_schema_name(op)
        if name is None:
            continue
        content = SPEC.operation(op).definition["responses"]["200"]["content"]["application/json"]
        for example in content.get("examples", {}).values():
            hints = get_type_hints(TYPED_DICTS[name], include_extras=True)
            body = example["value"]
            assert set(body) <= set(hints), f"{op}: example keys outside {name}"
            assert {k for k, h in hints.items() if _split(h)[0]} <= set(body), f"{op}: example lacks keys"
            checked += 1
    assert checked > 20


def test_the_module_is_import_light() -> None:
    # typing only: importing the types costs nothing a user would notice.
    imported = {value.__name__ for value in vars(types).values() if isinstance(value, type(typing))}
    # (pytest 9.2 rewrites the asserts of an installed plugin's modules, which adds its own two.)
    assert imported - {"builtins", "_pytest.assertion.rewrite"} <= {"typing"}


def _operations() -> dict[str, Any]:
    from pytest_sequence_metadata.client.core import _Operation, _Operations

    return {name: op for name, op in vars(_Operations).items() if isinstance(op, _Operation)}


def _dummy(annotation: str) -> Any:
    if annotation.startswith("Mapping"):
        return {}
    if annotation == "bytes":
        return b""
    return "1" if "str" in annotation else 1


def _operation_ids(name: str, op: Any) -> set[str]:
    """The operation ids a client method sends, found by describing its call with dummy arguments."""
    import inspect

    from pytest_sequence_metadata.client.core import MetadataClient

    client = MetadataClient("https://api.test", project_id=1)
    params = list(inspect.signature(op.build).parameters.values())[1:]
    args = [_dummy(str(p.annotation)) for p in params if p.default is inspect.Parameter.empty]
    variants = [{}]
    if any(p.name == "json_suffix" for p in params):
        variants.append({"json_suffix": True})
    return {op.build(client, *args, **extra).operation_id for extra in variants}


def test_every_client_method_answers_the_type_of_its_spec_response() -> None:
    from pytest_sequence_metadata.client.core import FileResponse

    checked = set()
    for name, op in _operations().items():
        if name == "rpc":  # the raw escape hatch: any method, any body
            assert op.answer is dict
            continue
        for operation_id in _operation_ids(name, op):
            schema_name = _response_schema_name(operation_id)
            expected = FileResponse if schema_name is None else TYPED_DICTS[schema_name]
            assert op.answer is expected, f"{name} ({operation_id}) answers {op.answer}, the spec {expected}"
            checked.add(operation_id)
    assert checked == set(SPEC.operations) - {"GetPublicCollectionFile"}


def test_client_methods_keep_their_signature_and_docstring() -> None:
    import inspect

    from pytest_sequence_metadata.client.core import AsyncMetadataClient, MetadataClient

    sync = MetadataClient("https://api.test", project_id=1)
    asynchronous = AsyncMetadataClient("https://api.test", project_id=1)
    for name, op in _operations().items():
        assert op.__doc__, f"{name} has no docstring"
        for method in (getattr(sync, name), getattr(asynchronous, name)):
            assert method.__doc__ == op.__doc__
            assert (
                list(inspect.signature(method).parameters) == list(inspect.signature(op.build).parameters)[1:]
            )
        assert not inspect.iscoroutinefunction(getattr(sync, name))
        assert inspect.iscoroutinefunction(getattr(asynchronous, name))


TYPED_USE = """
from __future__ import annotations

from typing import assert_type

from pytest_sequence_metadata import (
    Asset, AsyncMetadataClient, Collection, CreateTokenResponse, FileResponse, GetCollectionResponse,
    MetadataClient,
)


def sync(client: MetadataClient) -> None:
    assert_type(client.get_collection(1), GetCollectionResponse)
    assert_type(client.get_collection(1)["collection"], Collection)
    assert_type(client.upload_asset(1, 2, b""), Asset)
    assert_type(client.public_file(1, "1", "image.png"), FileResponse)
    client.get_collection(1)["collection"]["nope"]  # E1
    client.get_collection("1")  # E2


async def asynchronous(client: AsyncMetadataClient) -> None:
    assert_type(await client.create_token(1, {"tokenId": "1", "name": "x"}), CreateTokenResponse)
    await client.create_token(1, {}, privat=True)  # E3
"""


def test_mypy_sees_each_methods_signature_and_answer(tmp_path: Path) -> None:
    # What a user's type checker sees: the right answer type per method, sync or awaited, and
    # mistakes (an unknown key, a wrong argument type, a misspelt keyword) reported where they are.
    api = pytest.importorskip("mypy.api")
    source = tmp_path / "typed_use.py"
    source.write_text(TYPED_USE)
    root = Path(__file__).resolve().parents[2]
    # The project's own cache (the gate runs mypy first): checking this file takes a second, not ten.
    out, err, status = api.run(["--strict", "--cache-dir", str(root / ".mypy_cache"), str(source)])
    errors = [line for line in out.splitlines() if ": error:" in line]
    lines = TYPED_USE.splitlines()
    flagged = {lines[int(line.split(":")[1]) - 1].split("# ")[-1] for line in errors}
    assert flagged == {"E1", "E2", "E3"}, out + err
    assert status == 1
