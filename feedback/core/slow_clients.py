"""Uvicorn's httptools protocol with a deadline for each request to arrive, and bounds.

Uvicorn closes idle keep-alive connections, but a client that sends part of its headers (or
body) and then stalls would hold its connection forever; enough of them exhaust the server's
sockets (slowloris). Here each request must arrive within FEEDBACK_REQUEST_TIMEOUT seconds of
the connection opening or of the previous response; otherwise the client gets a 408 and the
connection is closed. Requests that have arrived are never cut, however long the app takes.

httptools (the C parser uvicorn uses by default; a submission costs about a third less than
with h11, docs/benchmarks.md) bounds neither a request's head nor how many pipelined requests
it parses ahead, each held as a whole request (about 2 KB for 34 bytes sent), so a client
could grow the worker's memory without end. Here a head past MAX_HEAD_BYTES gets a 431, and a
connection with more than MAX_PIPELINED requests waiting behind the one being answered is
closed (browsers do not pipeline). These answers come before the request's language is
known, so they say it in English and French. Anything after a refusal is not read.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 32 * 1024  # request line and headers; a session cookie is a few hundred bytes
MAX_PIPELINED = 16  # requests parsed and waiting while an earlier one is answered


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
    """HttpToolsProtocol plus a per-request arrival deadline and bounds on heads and pipelining.

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
        self._refused = False  # answered 431, or too many pipelined: parse nothing more
        self._in_head = False  # a request's line and headers have begun, not yet ended
        # Checked against MAX_HEAD_BYTES: the head (and trailers) the parser handed over, and
        # reads it swallowed whole without a word (an unfinished header or trailer, which
        # httptools keeps to itself meanwhile).
        self._head_parsed = 0
        self._silent = 0
        self._heard = False  # the parser handed something over during this read
        self._answering = None  # the request whose answer is under way
        self._wait()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        self._partial = True
        self._heard = False
        super().data_received(data)
        if self._refused:
            return
        self._silent = 0 if self._heard else self._silent + len(data)
        self._check_head(self._silent)
        self._settle()

    def on_message_begin(self) -> None:
        if self._refused:
            return
        super().on_message_begin()
        self._heard = self._in_head = True
        self._head_parsed = 0

    def on_url(self, url: bytes) -> None:
        if self._refused:
            return
        super().on_url(url)
        self._heard = True
        self._head_parsed += len(url)
        self._check_head(self._head_parsed)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._refused:
            return
        super().on_header(name, value)
        self._heard = True
        self._head_parsed += len(name) + len(value) + 4  # ": " and CRLF; trailers count too
        self._check_head(self._head_parsed)

    def on_headers_complete(self) -> None:
        if self._refused:
            return
        self._in_head = False
        self._heard = True
        if len(self.pipeline) >= MAX_PIPELINED:
            self._refuse(None)  # answers are owed before this one: nothing can be said now
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            self._heard = True
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._refused:
            self._heard = True
            super().on_message_complete()

    def _start_asgi_task(self, cycle: Any, app: Any) -> None:
        self._answering = cycle
        super()._start_asgi_task(cycle, app)

    def on_response_complete(self) -> None:
        # Whatever of the next request arrived meanwhile (queued whole, or a head begun)
        # counts as begun: if it stalls, the client hears why.
        self._partial = bool(self.pipeline) or self._in_head
        if self._refused:  # the answer that was under way is sent: now the refusal
            self.transport.close()
            return
        super().on_response_complete()
        if self._partial:  # the next request has begun: its deadline applies, not keep-alive's
            self._unset_keepalive_if_required()
        if not self.transport.is_closing():
            self._wait()
            self._settle()  # a pipelined request may have arrived already

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "_timer", None) is not None:
            self._timer.cancel()  # type: ignore[union-attr]
            self._timer = None
        super().connection_lost(exc)
        # uvicorn tells only the request parsed last; the one being answered must stop too,
        # or it writes on into a closed connection (a traceback and a logged 500).
        answering = self._answering
        if answering is not None and not answering.response_complete:
            answering.disconnected = True
            answering.message_event.set()

    def send_400_response(self, msg: str) -> None:
        """Bytes the parser cannot read: refused, after the answer to an earlier request."""
        if self._receiving():
            super().send_400_response(msg)
        else:  # a whole request came before them: it is answered, then the connection closes
            self._refuse(None)

    def _check_head(self, size: int) -> None:
        if size > MAX_HEAD_BYTES:
            self._refuse(HEAD_TOO_LARGE_RESPONSE)

    def _refuse(self, answer: bytes | None) -> None:
        """Close the connection: now with `answer`, or once the answer under way is sent."""
        self._refused = True
        if self._receiving() or (not self.pipeline and self.cycle.more_body):
            # Nothing under way, or an answer that still waits for its own request's body,
            # which no one will read now: waiting for it could last for ever.
            if answer is not None and self._receiving():
                self.transport.write(answer)
            self.transport.close()
        else:  # closing under a response being written would break it mid-way
            self.pipeline.clear()  # what waited behind it is not served
            self.flow.pause_reading()

    def _receiving(self) -> bool:
        """True while the next request, or the current one's body, has not fully arrived."""
        if self.pipeline:  # requests that arrived wait for an earlier one's answer
            return False
        cycle = self.cycle  # the request parsed last
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
