"""Uvicorn's httptools protocol with a deadline for each request to arrive, and a cap on its head.

Uvicorn closes idle keep-alive connections, but a client that sends part of its headers (or
body) and then stalls would hold its connection forever; enough of them exhaust the server's
sockets (slowloris). Here each request must arrive within FEEDBACK_REQUEST_TIMEOUT seconds of
the connection opening or of the previous response; otherwise the client gets a 408 and the
connection is closed. Requests that have arrived are never cut, however long the app takes.

httptools (the C parser uvicorn uses by default, and about a third of each submission's cost
less than h11 in docs/benchmarks.md) sets no bound on the request line and headers: a client
could keep sending them until the deadline. A head past MAX_HEAD_BYTES gets a 431 and the
connection is closed, as nginx and h11 bound theirs. These answers come before the request's
language is known, so they say it in English and French.
"""

from __future__ import annotations

import asyncio
import os

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 32 * 1024  # request line and headers; a session cookie is a few hundred bytes


def _plain(status: bytes, text: str) -> bytes:
    """A whole HTTP/1.1 answer that closes the connection, for the client's last request."""
    body = text.encode("utf-8")
    return (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
        b"connection: close\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


TIMEOUT_RESPONSE = _plain(
    b"408 Request Timeout",
    "The request took too long to arrive.\nLa demande a mis trop de temps à arriver.\n",
)
HEAD_TOO_LARGE_RESPONSE = _plain(
    b"431 Request Header Fields Too Large",
    "The request's headers are too large.\nLes en-têtes de la demande sont trop volumineux.\n",
)


def request_timeout() -> float:
    """Seconds a request may take to arrive (Settings.request_timeout, exported by serve)."""
    return float(os.environ.get("FEEDBACK_REQUEST_TIMEOUT") or 15)


class SlowClientGuard(HttpToolsProtocol):
    """HttpToolsProtocol plus a per-request arrival deadline and a bound on each head.

    The deadline is a time stamp, set when the connection starts waiting for a request and
    cleared once the request has arrived; one timer per connection checks it when it may have
    passed. A timer armed and cancelled on every request cost each submission its share.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._timeout = request_timeout()
        self._timer: asyncio.TimerHandle | None = None
        self._waiting_since: float | None = None  # None: nothing is being waited for
        self._partial = False  # some bytes of a request arrived
        self._in_head = False  # a request's line and headers have begun, not yet ended
        self._head_bytes = 0  # bytes received while the current head was incomplete
        self._wait()

    def data_received(self, data: bytes) -> None:
        self._partial = True
        super().data_received(data)
        if self._in_head and not self.transport.is_closing():
            # The whole piece counts: it may also end the previous request's body, so the
            # bound is reached at most one piece early, never late.
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                if self._receiving():  # not while an earlier request's answer is under way
                    self.transport.write(HEAD_TOO_LARGE_RESPONSE)
                self.transport.close()
                return
        self._settle()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        self._partial = False
        super().on_response_complete()
        if not self.transport.is_closing():
            self._wait()
            self._settle()  # a pipelined request may have arrived already

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "_timer", None) is not None:
            self._timer.cancel()  # type: ignore[union-attr]
            self._timer = None
        super().connection_lost(exc)

    def _receiving(self) -> bool:
        """True while the next request, or the current one's body, has not fully arrived."""
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return True
        return cycle.more_body and not cycle.response_started

    def _wait(self) -> None:
        self._waiting_since = self.loop.time()
        if self._timer is None:
            self._timer = self.loop.call_at(self._waiting_since + self._timeout, self._check)

    def _settle(self) -> None:
        if not self._receiving():
            self._waiting_since = None

    def _check(self) -> None:
        self._timer = None
        if self._waiting_since is None or self.transport.is_closing():
            return  # the next wait arms a new timer
        due = self._waiting_since + self._timeout
        if self.loop.time() < due:  # the wait began after this timer was armed
            self._timer = self.loop.call_at(due, self._check)
            return
        if not self._receiving():
            return
        if self._partial:
            self.transport.write(TIMEOUT_RESPONSE)
        self.transport.close()
