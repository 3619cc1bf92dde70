"""The per-request path's shortcuts answer as the general code does: the ASGI adapter (headers,
bodies in pieces, the shared body deadline), the answer encoder, the Authorization header reader and
the RPC handlers' calls by position.

The adapter is driven in-process through the raw ASGI interface (receive/send callables), so each
case controls exactly what the server would hand over.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pytest_sequence_metadata.emulator import Emulator
from pytest_sequence_metadata.emulator.app import RPC_HANDLERS
from pytest_sequence_metadata.emulator.asgi import BodyDeadlines
from pytest_sequence_metadata.emulator.auth import bearer_token
from pytest_sequence_metadata.emulator.backend import Backend
from pytest_sequence_metadata.emulator.json_text import compact_bytes
from pytest_sequence_metadata.emulator.limits import Limits

Message = dict[str, Any]


def _scope(path: str, headers: list[tuple[bytes, bytes]], method: str = "POST") -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "scheme": "http",
        "path": path,
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "server": ("127.0.0.1", 8000),
    }


async def _call(
    emulator: Emulator, scope: dict[str, Any], messages: list[Message], pause: float = 0.0
) -> tuple[int, dict[str, str], Any]:
    """Answer one request whose body arrives as `messages` (`pause` seconds before each after the
    first); the status, the headers and the JSON answer."""
    queue = list(messages)
    sent: list[Message] = []

    async def receive() -> Message:
        message = queue.pop(0)
        if pause and len(queue) < len(messages) - 1:
            await asyncio.sleep(pause)
        return message

    async def send(message: Message) -> None:
        sent.append(message)

    await emulator.asgi_app(scope, receive, send)
    start, *bodies = sent
    headers = {name.decode(): value.decode() for name, value in start["headers"]}
    body = b"".join(message["body"] for message in bodies)
    assert [message.get("more_body", False) for message in bodies][-1] is False
    assert int(headers["content-length"]) == len(body)
    return start["status"], headers, json.loads(body)


def _request(emulator: Emulator, cid: int, **extra: bytes) -> tuple[dict[str, Any], bytes]:
    headers = [(b"host", b"emulator.test"), (b"content-type", b"application/json")]
    headers.append((b"authorization", f"Bearer {emulator.mint_jwt(1)}".encode()))
    headers += [(name.encode(), value) for name, value in extra.items()]
    return _scope("/rpc/Collections/GetCollection", headers), json.dumps({"collectionId": cid}).encode()


@pytest.fixture
def emulator_and_cid() -> tuple[Emulator, int]:
    emulator = Emulator()
    with emulator.client(1) as client:
        body = {"collection": {"metadata": {"name": "n"}}}
        cid: int = client.post("/rpc/Collections/CreateCollection", json=body).json()["collection"]["id"]
    return emulator, cid


def test_a_body_in_one_message_or_in_pieces_answers_alike(emulator_and_cid: tuple[Emulator, int]) -> None:
    emulator, cid = emulator_and_cid
    scope, body = _request(emulator, cid)
    whole = asyncio.run(_call(emulator, scope, [{"type": "http.request", "body": body}]))
    pieces = [
        {"type": "http.request", "body": body[i : i + 3], "more_body": True} for i in range(0, len(body), 3)
    ]
    split = asyncio.run(_call(emulator, scope, [*pieces, {"type": "http.request", "body": b""}]))
    assert whole[0] == split[0] == 200
    assert whole[2] == split[2]
    assert whole[2]["collection"]["baseURIs"]["tokenMetadataURI"].startswith("http://emulator.test/")
    assert whole[1]["content-type"] == "application/json"
    assert "webrpc" in whole[1]


def test_a_header_sent_twice_is_read_as_its_values_joined(emulator_and_cid: tuple[Emulator, int]) -> None:
    emulator, cid = emulator_and_cid
    scope, body = _request(emulator, cid)
    # Two Content-Type headers read as "application/json, text/plain": not JSON, so refused.
    scope["headers"].append((b"Content-Type", b"text/plain"))
    status, _, answer = asyncio.run(_call(emulator, scope, [{"type": "http.request", "body": body}]))
    assert (status, answer["error"]) == (400, "WebrpcBadRequest")
    assert "application/json, text/plain" in answer["cause"]


def test_headers_may_come_as_any_iterable(emulator_and_cid: tuple[Emulator, int]) -> None:
    emulator, cid = emulator_and_cid
    scope, body = _request(emulator, cid)
    scope["headers"] = iter(scope["headers"])
    status, _, _ = asyncio.run(_call(emulator, scope, [{"type": "http.request", "body": body}]))
    assert status == 200


def test_a_body_that_stops_arriving_times_out(emulator_and_cid: tuple[Emulator, int]) -> None:
    emulator = Emulator(limits=Limits(body_timeout=0.2))
    scope, body = _request(emulator, emulator_and_cid[1])
    messages = [
        {"type": "http.request", "body": body[:3], "more_body": True},
        {"type": "http.request", "body": body[3:]},
    ]
    status, headers, answer = asyncio.run(_call(emulator, scope, messages, pause=1.0))
    assert (status, answer["error"], headers.get("connection")) == (408, "Timeout", "close")
    # The next request on the same loop and deadlines is answered as usual.
    fast = asyncio.run(_call(emulator, scope, [{"type": "http.request", "body": body}]))
    assert fast[2]["error"] == "NotFound"  # another emulator: no such collection, but the body was read


def _run_reads(seconds: float, delays: list[float], cancel_after: float | None = None) -> list[str]:
    """Reads taking `delays` seconds each, all under one BodyDeadlines; how each one ended."""

    async def main() -> list[str]:
        deadlines = BodyDeadlines(asyncio.get_running_loop(), seconds)

        async def one(delay: float) -> str:
            task = asyncio.current_task()
            assert task is not None
            try:
                await deadlines.run(task, asyncio.sleep(delay))
            except TimeoutError:
                return f"timeout (cancelling {task.cancelling()})"
            return "done"

        tasks = [asyncio.create_task(one(delay)) for delay in delays]
        if cancel_after is not None:
            await asyncio.sleep(cancel_after)
            tasks[0].cancel()
        results: list[str] = []
        for task in tasks:
            try:
                results.append(await task)
            except asyncio.CancelledError:
                results.append("cancelled")
        return results

    return asyncio.run(main())


def test_body_deadlines_time_out_each_slow_read_only() -> None:
    assert _run_reads(0.6, [0.0, 0.05, 1.5, 0.1, 1.5]) == [
        "done",
        "done",
        "timeout (cancelling 0)",
        "done",
        "timeout (cancelling 0)",
    ]


def test_an_outside_cancellation_stays_a_cancellation() -> None:
    assert _run_reads(5.0, [1.0, 0.0], cancel_after=0.05) == ["cancelled", "done"]


def test_reads_started_later_get_their_own_deadline() -> None:
    async def main() -> list[str]:
        deadlines = BodyDeadlines(asyncio.get_running_loop(), 0.6)
        ended: list[str] = []

        async def one(name: str, start: float, delay: float) -> None:
            await asyncio.sleep(start)
            task = asyncio.current_task()
            assert task is not None
            try:
                await deadlines.run(task, asyncio.sleep(delay))
                ended.append(f"{name} done")
            except TimeoutError:
                ended.append(f"{name} timeout")

        # b starts when a's deadline is near: it must not be cut at a's deadline.
        await asyncio.gather(one("a", 0.0, 2.0), one("b", 0.5, 0.3), one("c", 0.5, 2.0))
        return ended

    assert asyncio.run(main()) == ["a timeout", "b done", "c timeout"]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=10,
)


@given(_JSON)
def test_answers_are_encoded_as_json_dumps_does(value: Any) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")
    assert compact_bytes(value) == expected


def test_encoding_something_not_json_fails_as_json_dumps_does() -> None:
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        compact_bytes({"a": object()})


def test_a_read_cancelled_from_outside_after_its_deadline_stays_cancelled() -> None:
    """As with asyncio.timeout: both the deadline and an outside cancel happened, the outside wins."""

    async def main() -> str:
        deadlines = BodyDeadlines(asyncio.get_running_loop(), 0.05)

        async def stubborn() -> None:
            try:
                await asyncio.sleep(1)
            except asyncio.CancelledError:  # the deadline's cancel, held off for a while
                await asyncio.sleep(1)

        async def one() -> str:
            task = asyncio.current_task()
            assert task is not None
            try:
                await deadlines.run(task, stubborn())
            except TimeoutError:
                return "timeout"
            return "done"

        task = asyncio.create_task(one())
        await asyncio.sleep(0.2)
        task.cancel()
        try:
            return await task
        except asyncio.CancelledError:
            return "cancelled"

    assert asyncio.run(main()) == "cancelled"


def _bearer_rule(header: str | None) -> str | None:
    """The rule as [A:jwt-claims] states it: scheme `bearer` in any case, then the token, trimmed."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


@example("Bearer a ")
@example("Bearer  a")
@example("Bearer ")
@example("Bearer a\u2003")
@settings(max_examples=300)
@given(
    st.one_of(
        st.none(),
        st.text(max_size=12),
        st.tuples(
            st.sampled_from(
                ["Bearer", "Bearer", "Bearer", "bearer", "BEARER", "Basic", "Bearerx", " Bearer"]
            ),
            st.sampled_from([" ", "  ", "\t", " \u00a0", ""]),
            st.text(alphabet=st.sampled_from("ab. \t\u2003\n"), max_size=6),
        ).map("".join),
    )
)
def test_the_bearer_token_is_read_as_the_rule_says(header: str | None) -> None:
    assert bearer_token(header) == _bearer_rule(header)


@pytest.mark.parametrize("method", sorted(RPC_HANDLERS))
def test_rpc_arguments_passed_by_position_bind_as_by_name(method: str) -> None:
    handler = RPC_HANDLERS[method]
    values = {key: f"value of {key}" for key, _ in handler.parameters}
    signature = inspect.signature(getattr(Backend, handler.name))
    extra = {"base_url": "b"} if handler.takes_base_url else {}
    by_name = signature.bind(None, 1, **{name: values[key] for key, name in handler.parameters}, **extra)
    assert handler.positional_keys is not None  # every RPC's backend method takes its arguments in order
    by_position = signature.bind(None, 1, *(values[key] for key in handler.positional_keys), **extra)
    assert by_position.arguments == by_name.arguments


def test_an_overlay_on_a_backend_method_is_called_by_name(emulator_and_cid: tuple[Emulator, int]) -> None:
    emulator, cid = emulator_and_cid
    seen: list[dict[str, Any]] = []
    original = emulator.backend.get_collection

    def overlay(project: int, *, collection_id: int | None, base_url: str) -> dict[str, Any]:
        seen.append({"collection_id": collection_id, "base_url": base_url})
        return original(project, collection_id, base_url=base_url)

    emulator.backend.get_collection = overlay  # type: ignore[method-assign]
    answer = RPC_HANDLERS["GetCollection"](emulator.backend, 1, {"collectionId": cid}, "http://x")
    assert answer["collection"]["id"] == cid
    assert seen == [{"collection_id": cid, "base_url": "http://x"}]
