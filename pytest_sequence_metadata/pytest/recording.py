"""Recordings of what a target answered (`--sequence-record DIR`), one JSON file per test.

A `Recorder` is one more client observer: it keeps each exchange of the test that is running (the
final attempt of a call: a retried 429 is the server's refusal, not its answer) and, when the test
ends, hands them over normalised so that two runs against the same server give the same file:

- ids the server assigned (under `id`, `collectionId`, `assetId`, in paths) become `$collection1`,
  `$asset1`, `$contract_collection1`, in the order the test first meets them; token ids `$token1`,
  contract addresses `$contract1` (`(mixed case)` added when not lower-case); the owner and second
  project `$project` and `$otherProject`;
- a value of another JSON type than the kind's own (a token id sent as a number) keeps that fact:
  `$token1 (number)`, so a type change is still a difference;
- in an error's `msg` and `cause`, the ids already met become their symbols too; a raw request body
  (wire tests) that is JSON is normalised like a JSON one;
- timestamps become `$time`, the run tag object `$tag`, the run's generated names `$name1`, the
  target's base URLs `$base`;
- request headers are never kept (credentials), only which identity sent the request; of the
  answer's headers only `content-type` and `webrpc`; files are kept as size and SHA-256.

Everything written goes through `redact` first. The format (`FORMAT`, `VERSION`) is documented in the
README; a change that is not additive bumps `VERSION`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from pytest_sequence_metadata.client import Call, ClientObserver
from pytest_sequence_metadata.client.redaction import redact

if TYPE_CHECKING:
    import httpx

FORMAT: Final = "pytest-sequence-metadata/recording"
VERSION: Final = 1
KEPT_HEADERS: Final = ("content-type", "webrpc")
Phase = Literal["setup", "call", "teardown"]
PHASES: Final[tuple[Phase, ...]] = ("setup", "call", "teardown")

# Keys whose value is an id, and the kind of id; `id` takes its kind from the object holding it.
_ID_KEYS: Final = {
    "collectionid": "collection",
    "assetid": "asset",
    "tokenid": "token",
    "projectid": "project",
    "contractaddress": "contract",  # the suite makes up addresses; the server compares them lower-cased
}
_PARENT_KIND: Final = {
    "collection": "collection",
    "collections": "collection",
    "asset": "asset",
    "assets": "asset",
    "contractcollection": "contract_collection",
    "contractcollections": "contract_collection",
}
# Error texts name ids in prose ("token 123 not found in collection 7"); elsewhere text is left alone.
_PROSE_KEYS: Final = ("msg", "cause")
_NATIVE: Final = {"token": str, "name": str, "contract": str}  # every other kind of id is an integer
_PATH_IDS: Final = re.compile(r"/(projects|collections|tokens|assets|upload)/([^/?#]+?)(\.json)?(?=[/?#]|$)")
_PATH_KIND: Final = {
    "projects": "project",
    "collections": "collection",
    "tokens": "token",
    "assets": "asset",
    "upload": "asset",  # a token's upload route takes an asset id or an asset type (`image`)
}
# In prose an id counts only right after a word naming its kind ("token 12", "collectionId: 7").
_PROSE_ID: Final = r"((?:collection|token|asset|project|contract|address|id)\w*\W{1,3})"
_TIME: Final = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
_FILE_NAME: Final = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(nodeid: str) -> str:
    """A safe, stable file name for a test: readable part of the node id plus a short hash of all of it."""
    readable = _FILE_NAME.sub("_", nodeid.replace("::", "__").replace("/", "_")).strip("_")[:90]
    digest = hashlib.sha256(nodeid.encode()).hexdigest()[:10]
    return f"{readable}-{digest}.json"


@dataclass
class RawExchange:
    """One answered call, as sent and received (kept in memory only, never written as is)."""

    call: Call
    phase: Phase
    identity: str
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class Normaliser:
    """Turns the values that change from run to run into stable symbols (one per test)."""

    base_urls: tuple[str, ...]
    projects: dict[int, str]
    run_id: str
    symbols: dict[tuple[str, str], str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def symbol(self, kind: str, value: Any) -> str:
        if kind == "project" and isinstance(value, int) and value in self.projects:
            text = self.projects[value]
        else:
            key = (kind, str(value).lower() if kind == "contract" else str(value))  # addresses: any case
            if key not in self.symbols:
                self.counts[kind] = self.counts.get(kind, 0) + 1
                self.symbols[key] = f"${kind}{self.counts[kind]}"
            text = self.symbols[key]
        native = _NATIVE.get(kind, int)
        if not isinstance(value, native) or isinstance(value, bool):
            text += f" ({json_type(value)})"
        elif kind == "contract" and str(value) != str(value).lower():
            text += " (mixed case)"  # whether the server lower-cases it stays visible
        return text

    def path(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            kind = _PATH_KIND[match.group(1)]
            raw = match.group(2)
            if match.group(1) == "upload" and not raw.isdigit():
                return match.group(0)  # an asset type, not an id
            value: Any = int(raw) if raw.isdigit() and kind != "token" else raw
            return f"/{match.group(1)}/{self.symbol(kind, value)}{match.group(3) or ''}"

        return _PATH_IDS.sub(replace, text)

    def string(self, text: str) -> str:
        if _TIME.match(text):
            return "$time"
        for base in self.base_urls:
            if text.startswith(base):
                text = "$base" + self.path(text[len(base) :])
                break
        if self.run_id and self.run_id in text:
            text = re.sub(
                rf"{re.escape(self.run_id)}-[A-Za-z0-9]+-\d+",
                lambda m: self.symbol("name", m[0]),
                text,
            ).replace(self.run_id, "$tag")
        return text

    def value(self, value: Any, key: str | None = None, parent: str | None = None) -> Any:
        from pytest_sequence_metadata.pytest.runtime import TAG_KEY

        lowered = key.lower() if key is not None else None
        kind = _ID_KEYS.get(lowered or "") or (_PARENT_KIND.get(parent or "") if lowered == "id" else None)
        if kind is not None and isinstance(value, int | str) and not isinstance(value, bool):
            return self.symbol(kind, value)
        if isinstance(value, dict):
            return {
                k: "$tag" if k == TAG_KEY else self.value(item, str(k), lowered or parent)
                for k, item in value.items()
            }
        if isinstance(value, list):
            return [self.value(item, key, parent) for item in value]
        if isinstance(value, str):
            return self.prose(value) if lowered in _PROSE_KEYS else self.string(value)
        return value

    def prose(self, text: str) -> str:
        """An error's `msg` or `cause`: the ids met so far, standing as words, become their symbols."""
        text = self.string(text)
        met = [(raw, symbol) for (kind, raw), symbol in self.symbols.items() if kind != "name"]
        projects = [(str(project), symbol) for project, symbol in self.projects.items()]
        known = sorted([*met, *projects], key=lambda item: -len(item[0]))
        for raw, symbol in known:
            text = re.sub(rf"{_PROSE_ID}{re.escape(raw)}(?!\w)", rf"\g<1>{symbol}", text, flags=re.IGNORECASE)
        return text

    def exchange(self, raw: RawExchange) -> dict[str, Any]:
        call = raw.call
        request: dict[str, Any] = {
            "method": call.method,
            "path": self.path(call.path),
            "identity": raw.identity,
        }
        if call.json is not None:
            request["json"] = self.value(call.json)
        if call.files is not None:
            request["files"] = {
                name: {"filename": f[0], "contentType": f[2], **_digest(f[1])}
                for name, f in call.files.items()
            }
        if call.content is not None:
            # A raw body (wire tests) that is JSON is normalised like any other; other bytes by digest.
            try:
                request["content"] = {"json": self.value(json.loads(call.content))}
            except ValueError:
                request["content"] = _digest(call.content)
        return {
            "operation": call.operation_id,
            "phase": raw.phase,
            "request": request,
            "status": raw.status,
            "headers": {k: self.string(v) for k, v in raw.headers.items()},
            "body": self.value(raw.body, parent=_answer_kind(call.operation_id)),
        }


@functools.cache
def _answer_kind(operation_id: str) -> str | None:
    """What an answer's top level is when it is one resource (the upload routes answer an Asset):
    the lower-cased schema name of its 200 response, which `_PARENT_KIND` may know."""
    from pytest_sequence_metadata.contract.spec import load_spec

    found = load_spec().operations.get(operation_id)
    try:
        ref = found.definition["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]  # type: ignore[union-attr]
    except (AttributeError, KeyError, TypeError):
        return None
    return str(ref).rsplit("/", 1)[-1].lower()


def json_type(value: Any) -> str:
    """The JSON type of a decoded value as recordings name it (integers and floats are both `number`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _digest(content: bytes) -> dict[str, Any]:
    return {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}


def _body(call: Call, response: httpx.Response) -> Any:
    mime = (response.headers.get("content-type") or "").split(";")[0].strip().lower()
    if mime == "application/json":
        try:
            return response.json()
        except ValueError:
            pass
    if call.expect == "bytes" and response.status_code == 200:
        return {"file": _digest(response.content)}
    return {"text": response.content[:200].decode("utf-8", "replace")}


class Recorder(ClientObserver):
    """Keeps the exchanges of the running test; the plugin's hooks say when a test and its phases begin."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._identities: dict[str, str] = {}  # in memory only: JWT -> identity name
        self._test: str | None = None
        self._phase: Phase = "setup"
        self._exchanges: list[RawExchange] = []

    def register(self, identity: str, jwt: str | None) -> None:
        """Name the identity a JWT stands for (the recording says who sent a request, never how)."""
        if jwt:
            with self._lock:
                self._identities[jwt] = identity

    def begin(self, nodeid: str) -> None:
        with self._lock:
            self._test, self._phase, self._exchanges = nodeid, "setup", []

    def phase(self, phase: Phase) -> None:
        with self._lock:
            self._phase = phase

    def end(self) -> list[RawExchange]:
        """The exchanges of the test that ends; none are kept until the next `begin`."""
        with self._lock:
            found, self._test, self._exchanges = self._exchanges, None, []
            return found

    def _identity(self, response: httpx.Response) -> str:
        header = response.request.headers.get("authorization")
        if not header:
            return "anonymous"
        token = header.split(" ", 1)[-1].strip()
        return self._identities.get(token, "other credentials")

    def after_receive(self, call: Call, response: httpx.Response, attempt: int) -> None:
        with self._lock:
            if self._test is None:
                return  # between tests (the end-of-run cleanup, a sweep): nobody's exchange
            headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
            raw = RawExchange(
                call,
                self._phase,
                self._identity(response),
                response.status_code,
                headers,
                _body(call, response),
            )
            if attempt > 1:
                # A retry replaces the attempt it repeats: only the answer the test got counts.
                for index in range(len(self._exchanges) - 1, -1, -1):
                    if self._exchanges[index].call is call:
                        self._exchanges[index] = raw
                        return
            self._exchanges.append(raw)


def document(nodeid: str, exchanges: list[dict[str, Any]], failed_in: str | None = None) -> dict[str, Any]:
    """The recording of one test, as written: `failedIn` says in which phase a failed test stopped."""
    found: dict[str, Any] = {"format": FORMAT, "version": VERSION, "test": nodeid}
    found["outcome"] = "failed" if failed_in else "passed"
    if failed_in:
        found["failedIn"] = failed_in
    return {**found, "exchanges": exchanges}


def write(
    directory: Path, nodeid: str, exchanges: list[dict[str, Any]], *, failed_in: str | None = None
) -> Path:
    """Write one test's recording (redacted) and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / file_name(nodeid)
    text = json.dumps(document(nodeid, exchanges, failed_in), indent=1, ensure_ascii=False)
    path.write_text(redact(text) + "\n", encoding="utf-8")
    return path


class BadRecording(ValueError):
    """A file in the recordings directory that is not a recording this version reads."""


def read(path: Path) -> dict[str, Any]:
    """One recording, checked for its format and version."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BadRecording(f"{path} is not readable JSON ({type(error).__name__})") from None
    if not isinstance(loaded, dict) or loaded.get("format") != FORMAT:
        raise BadRecording(f'{path} is not a recording (no "format": {FORMAT!r})')
    if loaded.get("version") != VERSION:
        raise BadRecording(
            f"{path} has version {loaded.get('version')!r}; this plugin reads version {VERSION}"
        )
    if not isinstance(loaded.get("test"), str) or not isinstance(loaded.get("exchanges"), list):
        raise BadRecording(f'{path} lacks its "test" or "exchanges"')
    return loaded


def read_all(directory: Path) -> dict[str, dict[str, Any]]:
    """Every recording in `directory` by node id (only `*.json`: parity-known.yaml is not one)."""
    return {found["test"]: found for found in (read(path) for path in sorted(directory.glob("*.json")))}
