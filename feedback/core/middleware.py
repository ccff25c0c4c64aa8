"""ASGI middleware: request body limit and security headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feedback.core.i18n import gettext_for, negotiate
from feedback.core.numbers import whole_number

# Pages may load scripts, styles and images from this server only; no inline anything.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class _TooLarge(Exception):
    pass


def too_large_response(scope: Scope) -> Response:
    """A 413 in the request's language, JSON on API paths."""
    headers = Headers(scope=scope)
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    lang = negotiate(query.get("lang", [None])[0], headers.get("accept-language"), ("en", "fr"))
    message = gettext_for(lang).gettext("The request is too large.")
    if scope["path"].startswith("/api/"):
        return JSONResponse({"error": {"code": "too_large", "message": message}}, status_code=413)
    return HTMLResponse(
        f'<!doctype html><html lang="{lang}"><title>413</title><p>{message}</p></html>',
        status_code=413,
    )


class BodyLimitMiddleware:
    """Refuse request bodies above `max_bytes` with a 413, declared or streamed.

    `paths` gives some exact paths their own limit (bulk ingest takes larger bodies).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, paths: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.paths = paths or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.paths.get(scope["path"], self.max_bytes)
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        size = whole_number(declared, lo=0) if declared else 0
        if size is None or size > max_bytes:  # a length that is no number is refused too
            await too_large_response(scope)(scope, receive, send)
            return
        if declared and "transfer-encoding" not in headers:
            # The HTTP parser delivers exactly the declared length, no more: nothing to count.
            await self.app(scope, receive, send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await too_large_response(scope)(scope, receive, send)


class SecurityHeadersMiddleware:
    """Add CSP and hardening headers unless a route already set its own."""

    def __init__(self, app: ASGIApp, hsts: bool) -> None:
        self.app = app
        defaults = {
            b"content-security-policy": DEFAULT_CSP,
            b"x-content-type-options": "nosniff",
            b"referrer-policy": "strict-origin-when-cross-origin",
        }
        if hsts:
            defaults[b"strict-transport-security"] = "max-age=31536000"
        self.defaults = [(name, value.encode("latin-1")) for name, value in defaults.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # Staff pages are not kept by the browser or a proxy: after sign-out on a shared
        # computer, the back button must not show them again.
        signed_in = "feedback_session=" in Headers(scope=scope).get("cookie", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                given = {name.lower(): value for name, value in headers}
                headers += [pair for pair in self.defaults if pair[0] not in given]
                html = given.get(b"content-type", b"").startswith(b"text/html")
                if signed_in and html and b"cache-control" not in given:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class ExceptFor:
    """Apply `middleware` to every request but those `skip(scope)` picks, which go straight on.

    Sessions and compression serve pages; the public API's posts need neither, and each
    layer costs every submission its time.
    """

    def __init__(
        self, app: ASGIApp, /, middleware: Callable[..., ASGIApp], skip: Callable[[Scope], bool],
        **options: Any,
    ) -> None:  # fmt: skip
        self.app = app
        self.wrapped = middleware(app, **options)
        self.skip = skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.skip(scope):
            await self.app(scope, receive, send)
        else:
            await self.wrapped(scope, receive, send)


def is_api(scope: Scope) -> bool:
    """The JSON API (/api/...): tokens or nothing, never a session cookie."""
    return str(scope["path"]).startswith("/api/")


def is_api_write(scope: Scope) -> bool:
    """A write to the API: its answer is a few hundred bytes of JSON, not worth compressing."""
    return is_api(scope) and scope["method"] not in ("GET", "HEAD")
