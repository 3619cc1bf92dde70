"""The public Python API: everything in `__all__` imports from the package top, lazily, documented."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import pytest_sequence_metadata as package
from pytest_sequence_metadata.client import errors
from pytest_sequence_metadata.contract import types

HEAVY = ("httpx", "jsonschema", "starlette", "uvicorn", "yaml", "jwt", "tenacity", "anyio")


def test_importing_the_package_loads_no_heavy_dependency() -> None:
    probe = f"import sys, pytest_sequence_metadata; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_name_loads_its_own_module_only() -> None:
    # The TypedDicts are typing only: using them must not pull in the client's httpx.
    probe = (
        "import sys; from pytest_sequence_metadata import Collection, TokenMetadata; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_documented_names_import_from_the_top() -> None:
    from pytest_sequence_metadata import (  # noqa: F401
        AsyncMetadataClient,
        Collection,
        ContractCollection,
        Emulator,
        MetadataClient,
        NotFoundError,
        Page,
        TokenMetadata,
        WebrpcError,
    )
    from pytest_sequence_metadata.client.core import MetadataClient as Home

    assert MetadataClient is Home


@pytest.mark.parametrize("name", sorted(set(package.__all__) - {"__version__"}))
def test_every_public_name_resolves_and_is_documented(name: str) -> None:
    value = getattr(package, name)
    assert name in dir(package)
    if not inspect.isclass(value):
        return  # the Literal aliases of types.py, documented there
    assert (value.__doc__ or "").strip(), f"{name} has no docstring of its own"
    if name == "Emulator":
        return  # its methods are the emulator's API, documented and tested with it
    for attr, member in vars(value).items():
        if attr.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
            continue
        assert inspect.getdoc(member), f"{name}.{attr} has no docstring"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        package.Nope  # noqa: B018


def test_type_checkers_see_the_same_names_as_all() -> None:
    # What mypy and IDEs read: the TYPE_CHECKING block (the lazy names) and the star import of the
    # spec's types together re-export exactly the names of __all__, each once.
    tree = ast.parse(Path(package.__file__).read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    lazy = {alias.asname or alias.name for node in block.body for alias in node.names}  # type: ignore[attr-defined]
    stars = [n.module for n in tree.body if isinstance(n, ast.ImportFrom) and n.names[0].name == "*"]
    assert stars == ["pytest_sequence_metadata.contract.types"]
    assert lazy == set(package._HOMES)
    assert not lazy & set(types.__all__)
    assert lazy | set(types.__all__) == set(package.__all__) - {"__version__"}
    assert len(package.__all__) == len(set(package.__all__))


def test_a_type_added_to_the_types_module_is_public_with_no_other_edit() -> None:
    # A new RPC's answer type goes in contract/types.py only (CONTRIBUTING's recipe).
    assert set(types.__all__) <= set(package.__all__)
    for name in types.__all__:
        assert getattr(package, name) is getattr(types, name)


def test_every_error_class_is_public() -> None:
    classes = {
        name
        for name, value in vars(errors).items()
        if not name.startswith("_") and inspect.isclass(value) and issubclass(value, Exception)
    }
    assert classes <= set(package.__all__)
    assert {"NotFoundError", "WebrpcError", "MetadataError"} <= classes
