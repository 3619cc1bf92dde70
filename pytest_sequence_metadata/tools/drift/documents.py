"""The two documents drift compares: read, sanity-checked, with JSON pointers and `$ref`s resolved."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pytest_sequence_metadata.contract.spec import read_document


@dataclass(frozen=True, slots=True)
class Deviation:
    """One entry of our x-deviations: a difference from upstream made on purpose, and why."""

    id: str
    kind: str
    where: tuple[str, ...]  # one deviation may stand for the same change in several places
    upstream: Any
    ours: Any
    reason: str


class DriftUsageError(Exception):
    """A document cannot be read or is not an OpenAPI document (exit status 2)."""


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


class Document:
    """One OpenAPI document with local `$ref` resolution."""

    def __init__(self, raw: Mapping[str, Any], source: str) -> None:
        self.raw = raw
        self.source = source
        self.openapi = str(raw.get("openapi", ""))
        self.version = str((raw.get("info") or {}).get("version", ""))

    def lookup(self, pointer: str) -> Any:
        node: Any = self.raw
        for token in pointer.lstrip("/").split("/") if pointer not in ("", "/") else []:
            key = unescape(token)
            if isinstance(node, list):
                node = node[int(key)]
            elif isinstance(node, Mapping):
                node = node[key]
            else:
                raise KeyError(pointer)
        return node

    def resolve(self, node: Any, pointer: str) -> tuple[Any, str, tuple[str, ...]]:
        """Follow local `$ref`s; returns the target, its pointer and the pointers passed on the way.

        Sibling keywords of a `$ref` (allowed in 3.1) are laid over the target.
        """
        hops: list[str] = []
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref: str = node["$ref"]
            if not ref.startswith("#") or pointer in hops or len(hops) > 64:
                return {}, pointer, tuple(hops)  # external or circular: opaque, compares as "any"
            hops.append(pointer)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            try:
                target = self.lookup(ref[1:])
            except (KeyError, IndexError, ValueError):
                return {}, pointer, tuple(hops)
            pointer = ref[1:]
            node = {**target, **siblings} if siblings and isinstance(target, Mapping) else target
        return node, pointer, tuple(hops)


def _read_json(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        document = json.load(handle)
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not an OpenAPI document (top level is {type(document).__name__})")
    return document


def load_document(path: Path, role: str) -> Document:
    """Read and sanity-check an OpenAPI 3.x document; DriftUsageError with one clear line otherwise."""
    try:
        # JSON is parsed as JSON: PyYAML reads YAML 1.1, which not every JSON document is.
        raw = _read_json(path) if path.suffix.lower() == ".json" else read_document(path)
    except FileNotFoundError:
        raise DriftUsageError(f"{role} document {path}: no such file") from None
    except IsADirectoryError:
        raise DriftUsageError(f"{role} document {path}: is a directory") from None
    except OSError as exc:
        raise DriftUsageError(f"{role} document {path}: cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise DriftUsageError(f"{role} document {path}: not a text file") from None
    except json.JSONDecodeError as exc:
        raise DriftUsageError(f"{role} document {path}: not valid JSON ({exc})") from None
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DriftUsageError(f"{role} document {path}: not valid YAML ({first})") from None
    except ValueError:
        raise DriftUsageError(f"{role} document {path}: not an OpenAPI document (not a mapping)") from None
    version = raw.get("openapi")
    if isinstance(version, int | float) and not isinstance(version, bool):
        version = raw["openapi"] = str(version)  # `openapi: 3.0` unquoted in YAML is a number
    if not isinstance(version, str) or not version.startswith("3."):
        found = f"swagger {raw['swagger']}" if "swagger" in raw else "no `openapi: 3.x` field"
        raise DriftUsageError(f"{role} document {path}: not an OpenAPI 3 document ({found})")
    if not isinstance(raw.get("paths"), Mapping):
        raise DriftUsageError(f"{role} document {path}: not an OpenAPI document (no `paths` object)")
    return Document(raw, str(path))


def component_name(pointer: str) -> str | None:
    parts = pointer.split("/")
    if len(parts) == 4 and parts[1] == "components" and parts[2] == "schemas":
        return unescape(parts[3])
    return None
