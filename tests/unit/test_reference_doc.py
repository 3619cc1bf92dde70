"""docs/reference.md names every public name, and every client method with the type it answers.

The RPC methods are documented by one law rather than a row each (so adding an RPC needs no edit
here): named after the operation in snake_case, answering `<Operation>Response`, the request's required
arguments positional and in order, then the optional ones defaulting to None. The law is checked on
every RPC; each other method needs its row.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import pytest_sequence_metadata as package
from pytest_sequence_metadata.client.core import _Operation, _Operations
from pytest_sequence_metadata.contract.operations import operations, rpc_methods, snake_case
from pytest_sequence_metadata.contract.spec import load_spec

REFERENCE = (Path(__file__).resolve().parents[2] / "docs" / "reference.md").read_text(encoding="utf-8")
OPERATIONS = {name: op for name, op in vars(_Operations).items() if isinstance(op, _Operation)}
RPC_METHODS = {snake_case(op_id): op_id for op_id in rpc_methods()}
LAW_TYPES = {f"{op_id}Response" for op_id in rpc_methods()}


def _request_schema(operation_id: str) -> dict[str, object]:
    spec = load_spec()
    body = spec.operation(operation_id).definition["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].rsplit("/", 1)[-1]
    return spec.raw["components"]["schemas"][name]  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", sorted(set(package.__all__) - {"__version__"} - LAW_TYPES))
def test_every_public_name_is_on_the_page(name: str) -> None:
    assert f"`{name}`" in REFERENCE or f"`{name}(" in REFERENCE


def test_the_page_states_the_method_law() -> None:
    law = "named after the\noperation in snake_case and answering the operation's `<Operation>Response`"
    assert law in REFERENCE
    assert "named `<Operation>Response`" in REFERENCE


@pytest.mark.parametrize("operation_id", rpc_methods())
def test_every_rpc_method_keeps_the_law(operation_id: str) -> None:
    name = snake_case(operation_id)
    assert name in OPERATIONS, f"{operation_id} has no client method {name}"
    method = OPERATIONS[name]
    assert method.answer.__name__ == f"{operation_id}Response"
    assert getattr(package, method.answer.__name__) is method.answer
    schema = _request_schema(operation_id)
    required = [key for key in operations()[operation_id].arguments if key in schema.get("required", ())]
    optional = [key for key in operations()[operation_id].arguments if key not in required]
    described = list(inspect.signature(method.build).parameters.values())[1:]  # without `self`
    params = [p for p in described if p.name != "project_id"]
    positional = [p.name for p in params if p.default is inspect.Parameter.empty]
    assert positional == [snake_case(k) for k in required if k != "projectId"]
    rest = {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}
    assert rest == {snake_case(k): None for k in optional if k != "projectId"}


@pytest.mark.parametrize("name", sorted(set(OPERATIONS) - set(RPC_METHODS)))
def test_every_other_client_method_is_listed_with_its_answer(name: str) -> None:
    row = re.search(rf"^\| `{name}\(.*?\)` \| `(\w+)`", REFERENCE, re.M)
    assert row is not None, f"{name} is not in the method table"
    assert row[1] == OPERATIONS[name].answer.__name__
