"""The web view, `GET /_emulator/ui`: what the emulator holds, shown as a marketplace shows it.

Projects -> collections (published or not, token counts, links to the public JSON) -> tokens as cards
(the uploaded image, name, description, attributes, private or public), then the request journal,
newest first, when the emulator keeps one (`Emulator.requests`).

The page is rendered here: every value a client sent goes through `html.escape`, the page has no
script, and its CSP allows none (the stylesheet carries a nonce; images come from the emulator only).

It needs the control token like the other control routes: in the `X-Emulator-Control-Token` header, or,
since a browser cannot send headers when it follows a link, once in the URL (`/_emulator/ui?token=...`).
That answer sets an HttpOnly, SameSite=Strict cookie for /_emulator/ and redirects to the same page
without the token. The cookie holds a digest of the token, not the token, and opens only the web
view's GET routes, never a route that changes anything.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from pytest_sequence_metadata.contract.errors import ERRORS_BY_NAME

from .backend import ApiError
from .control import CONTROL_TOKEN_HEADER, control_token_matches
from .overview import AssetView, CollectionView, ProjectView, TokenView

if TYPE_CHECKING:
    from .app import App, Request, Response

BAD_ROUTE = ERRORS_BY_NAME["WebrpcBadRoute"]
BAD_METHOD = ERRORS_BY_NAME["WebrpcBadMethod"]
UNAUTHORIZED = ERRORS_BY_NAME["Unauthorized"]

COOKIE_NAME = "sequence_emulator_ui"
COOKIE_PATH = "/_emulator/"
TOKEN_PARAMETER = "token"
# A page stays readable (and cheap to render) whatever the state holds.
MAX_TOKENS_SHOWN = 200
MAX_REQUESTS_SHOWN = 200
MAX_BODY_CHARS = 400

_PRIVATE_HEADERS: tuple[tuple[str, str], ...] = (
    ("cache-control", "no-store"),
    ("referrer-policy", "no-referrer"),
    ("x-content-type-options", "nosniff"),
)


def _session(app: App) -> str:
    """What the cookie holds: a digest of the control token (the token itself is never stored)."""
    return hmac.new(app.control_token.encode(), b"sequence-emulator-ui", hashlib.sha256).hexdigest()


def _cookie_matches(app: App, request: Request) -> bool:
    if not app.control_token:
        return False
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(request.headers.get("cookie", ""))
    except CookieError:
        return False
    morsel = jar.get(COOKIE_NAME)
    return morsel is not None and hmac.compare_digest(morsel.value.encode(), _session(app).encode())


def answer_ui(app: App, request: Request, name: str) -> Response:
    """GET ui (the page) and GET ui/asset/{id} (an asset's file, for tokens not public yet)."""
    from .app import REST_NOT_FOUND, Response

    if request.method != "GET":
        return app.error(ApiError(BAD_METHOD, f"unsupported method {request.method}"), [("allow", "GET")])
    sent = parse_qs(request.query).get(TOKEN_PARAMETER)
    if sent is not None:
        if not control_token_matches(app, sent[0]):
            raise ApiError(UNAUTHORIZED, f"a wrong control token in the `{TOKEN_PARAMETER}` parameter")
        cookie = f"{COOKIE_NAME}={_session(app)}; Path={COOKIE_PATH}; HttpOnly; SameSite=Strict"
        headers = [("location", request.path), ("set-cookie", cookie), *_PRIVATE_HEADERS]
        return Response(303, headers, b"")
    if not (
        control_token_matches(app, request.headers.get(CONTROL_TOKEN_HEADER.lower(), ""))
        or _cookie_matches(app, request)
    ):
        raise ApiError(
            UNAUTHORIZED,
            f"no control token: open /_emulator/ui?{TOKEN_PARAMETER}=<control token> once (it sets a "
            f"cookie), or send the {CONTROL_TOKEN_HEADER} header",
        )
    if name == "ui":
        nonce = secrets.token_urlsafe(18)
        body = render_page(app, nonce).encode("utf-8")
        policy = (
            f"default-src 'none'; img-src 'self'; style-src 'nonce-{nonce}'; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'"
        )
        headers = [
            ("content-type", "text/html; charset=utf-8"),
            ("content-security-policy", policy),
            *_PRIVATE_HEADERS,
        ]
        return Response(200, headers, body)
    asset_id = name.removeprefix("ui/asset/")
    if name.startswith("ui/asset/"):
        valid = asset_id.isdigit() and asset_id.isascii() and len(asset_id) < 20
        stored = app.backend.stored_file(int(asset_id)) if valid else None
        if stored is None:
            raise ApiError(REST_NOT_FOUND, f"asset {asset_id} has no uploaded file")
        response = app.file_response(stored)
        response.headers.append(("cache-control", "no-store"))
        return response
    raise ApiError(BAD_ROUTE, f"no handler for path {json.dumps(request.path)}")


# --- rendering -------------------------------------------------------------------------------------


def _e(value: Any) -> str:
    """Any value as escaped HTML text (quotes too, so it is safe inside attributes)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return html.escape(text, quote=True)


def _badge(text: str, kind: str) -> str:
    return f'<span class="badge {kind}">{_e(text)}</span>'


def _count(number: int, plural: str) -> str:
    return f"{number} {plural if number != 1 else plural[:-1]}"


def _size(size: int) -> str:
    return (
        f"{size} B"
        if size < 1024
        else f"{size / 1024:.1f} KiB"
        if size < 1 << 20
        else f"{size / (1 << 20):.1f} MiB"
    )


def _file_src(col: CollectionView, token_id: str | None, asset: AssetView, public: bool) -> str:
    """Where the browser loads an asset from: the public file route once anyone may read it, else
    the web view's own route (the owner-only route needs a Bearer header that an <img> cannot send)."""
    if not public:
        return f"/_emulator/ui/asset/{asset.id}"
    root = f"/projects/{col.project_id}/collections/{col.id}"
    return f"{root}/{asset.file_name}" if token_id is None else f"{root}/tokens/{token_id}/{asset.file_name}"


def _attributes(value: Any) -> str:
    """OpenSea attributes (`[{"trait_type": ..., "value": ...}]`) as chips; anything else as JSON."""
    if not value:
        return ""
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        chips = "".join(
            f'<li><span class="trait">{_e(item.get("trait_type", ""))}</span>'
            f'<span class="value">{_e(item.get("value", ""))}</span></li>'
            for item in value
        )
        return f'<ul class="attributes">{chips}</ul>'
    return f'<pre class="attributes">{_e(value)}</pre>'


def _files(col: CollectionView, token_id: str | None, assets: Iterable[AssetView], public: bool) -> str:
    links = [
        f'<a href="{_e(_file_src(col, token_id, a, public))}">{_e(a.file_name)}</a> '
        f'<span class="muted">{_e(a.mime_type)}, {_size(a.size)}'
        + (f", {a.width}x{a.height}" if a.width is not None else "")
        + "</span>"
        for a in assets
        if a.size
    ]
    return f'<p class="files">Files: {" · ".join(links)}</p>' if links else ""


def _card(col: CollectionView, tok: TokenView) -> str:
    public = not col.private and not tok.private
    md = tok.metadata
    name = md.get("name") or ""
    image = tok.asset("image")
    if image is not None and image.mime_type.startswith("image/"):
        picture = f'<img src="{_e(_file_src(col, tok.token_id, image, public))}" alt="{_e(name)}">'
    else:
        linked = md.get("image")
        shown = f'<span class="muted">{_e(linked)}</span>' if linked else "no uploaded image"
        picture = f'<div class="no-image">{shown}</div>'
    root = f"/projects/{col.project_id}/collections/{col.id}/tokens/{tok.token_id}"
    visibility = _badge("public", "public") if public else _badge("private", "private")
    json_link = f'<a href="{_e(root)}.json">public JSON</a>'
    if not public:
        json_link += ' <span class="muted">(404 until public)</span>'
    return (
        f'<article class="card" data-token-id="{_e(tok.token_id)}">{picture}<div class="body">'
        f'<p class="token-id">#{_e(tok.token_id)} {visibility}</p>'
        f'<h4 class="token-name">{_e(name)}</h4>'
        f'<p class="description">{_e(md.get("description") or "")}</p>'
        f"{_attributes(md.get('attributes'))}"
        f'<p class="links">{json_link}</p>{_files(col, tok.token_id, tok.assets, public)}</div></article>'
    )


def _collection(col: CollectionView) -> str:
    md = col.metadata
    state = _badge("unpublished", "private") if col.private else _badge("published", "public")
    count = _count(col.token_count, "tokens")
    root = f"/projects/{col.project_id}/collections/{col.id}"
    links = [f'<a href="{_e(root)}.json">public JSON</a>' + (" (404 until published)" if col.private else "")]
    links += [f"linked to {_e(address)} on chain {chain}" for chain, address in col.contracts]
    cards = "".join(_card(col, tok) for tok in col.tokens)
    more = col.token_count - len(col.tokens)
    if more > 0:
        cards += f'<p class="muted">and {more} more (ListTokens pages through all of them)</p>'
    return (
        f'<section class="collection" id="collection-{col.id}" data-collection-id="{col.id}">'
        f'<h3><span class="collection-name">{_e(md.get("name") or "")}</span> {state}</h3>'
        f'<p class="muted">collection {col.id} · {count} · created {_e(col.created_at)} · '
        f"{' · '.join(links)}</p>"
        f'<p class="description">{_e(md.get("description") or "")}</p>'
        f"{_files(col, None, col.assets, not col.private)}"
        f'<div class="cards">{cards or "<p class=muted>No tokens yet.</p>"}</div></section>'
    )


def _projects(projects: Sequence[ProjectView]) -> str:
    shown = [p for p in projects if p.collections]
    if not shown:
        return '<p class="muted">No collections yet: CreateCollection makes the first one.</p>'
    return "".join(
        f'<section class="project" id="project-{p.id}"><h2>Project {p.id}</h2>'
        f"{''.join(_collection(c) for c in p.collections)}</section>"
        for p in shown
    )


def _when(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    return str(value)


def _journal(journal: object) -> str:
    """The journal's exchanges, newest first (duck-typed: `entries()` giving objects with `time,
    operation, method, path, project, body, status, error, duration_ms`, oldest first)."""
    entries = list(journal.entries())  # type: ignore[attr-defined]
    rows = []
    for entry in reversed(entries[-MAX_REQUESTS_SHOWN:]):
        body = "" if entry.body is None else _e(entry.body)
        if len(body) > MAX_BODY_CHARS:
            body = body[:MAX_BODY_CHARS].rsplit("&", 1)[0] + "…"  # never cut an entity in two
        project = "anonymous" if entry.project is None else entry.project
        took = entry.duration_ms
        cells = [
            _e(_when(entry.time)),
            _e(entry.operation or ""),
            f"{_e(entry.method)} {_e(entry.path)}",
            _e(project),
            _e(entry.status),
            _e(entry.error or ""),
            f"{took:.1f} ms" if isinstance(took, int | float) else "",
            f"<code>{body}</code>",
        ]
        failed = " failed" if isinstance(entry.status, int) and entry.status >= 400 else ""
        rows.append(f'<tr class="exchange{failed}"><td>{"</td><td>".join(cells)}</td></tr>')
    dropped = len(entries) - MAX_REQUESTS_SHOWN
    note = (
        f'<p class="muted">and {dropped} older ones (GET /_emulator/requests has all)</p>'
        if dropped > 0
        else ""
    )
    table = (
        "<table><thead><tr><th>time</th><th>operation</th><th>request</th><th>project</th><th>status</th>"
        f"<th>error</th><th>took</th><th>body</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        if rows
        else '<p class="muted">No requests yet.</p>'
    )
    return f'<section id="requests"><h2>Requests, newest first</h2>{table}{note}</section>'


STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
header{background:#1d2330;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#b8c0d0}main{padding:8px 24px 32px}
h2{margin:24px 0 8px;font-size:18px}h3{margin:16px 0 2px;font-size:16px}h4{margin:4px 0;font-size:15px}
.collection{background:#fff;border-radius:10px;padding:4px 16px 16px;margin:12px 0;box-shadow:0 1px 3px #0002}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:14px;margin-top:10px}
.card{border:1px solid #e2e5ea;border-radius:10px;overflow:hidden;background:#fff}
.card img,.no-image{display:block;width:100%;aspect-ratio:1;object-fit:contain;background:#eef0f3;
image-rendering:pixelated}
.no-image{display:flex;align-items:center;justify-content:center;color:#7a8293;font-size:13px;
overflow-wrap:anywhere;text-align:center}
.body{padding:8px 12px 12px}.token-id{margin:0;color:#7a8293;font-size:13px}
.description{margin:4px 0;color:#4a5263}.muted{color:#7a8293;font-size:13px}
.badge{display:inline-block;border-radius:999px;padding:0 8px;font-size:12px;font-weight:600;
vertical-align:middle}.public{background:#d8f5e3;color:#17663a}.private{background:#fde2e1;color:#8d1f1b}
.attributes{display:flex;flex-wrap:wrap;gap:6px;list-style:none;padding:0;margin:6px 0}
.attributes li{background:#eef3ff;border-radius:6px;padding:2px 8px;font-size:12px}
.trait{display:block;color:#56608a;text-transform:uppercase;font-size:10px}.value{font-weight:600}
pre.attributes{display:block;white-space:pre-wrap;font-size:12px}
.links,.files{margin:4px 0;font-size:13px}a{color:#2251c9}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border-bottom:1px solid #e2e5ea;padding:4px 8px;text-align:left;vertical-align:top}
tr.failed td{background:#fff4f3}code{font-size:12px;overflow-wrap:anywhere}
"""


def render_page(app: App, nonce: str) -> str:
    projects = app.backend.overview(tokens_per_collection=MAX_TOKENS_SHOWN)
    stats = app.backend.stats()
    journal = getattr(app.owner, "requests", None)
    keeps_journal = callable(getattr(journal, "entries", None))
    requests = _journal(journal) if keeps_journal else ""
    summary = " · ".join(
        _count(stats[kind], kind) for kind in ("projects", "collections", "tokens", "assets")
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>Sequence Metadata emulator</title><style nonce="{_e(nonce)}">{STYLE}</style></head>'
        f'<body><header><h1>Sequence Metadata emulator</h1><p>{summary} · <a href="ui">reload</a></p>'
        f"</header><main>{_projects(projects)}{requests}</main></body></html>"
    )
