"""Uvicorn's h11 protocol with a deadline for each request to arrive in full.

Uvicorn closes idle keep-alive connections, but a client that sends part of its headers (or
body) and then stalls would hold its connection forever; enough of them exhaust the server's
sockets (slowloris). Here each request must arrive within FEEDBACK_REQUEST_TIMEOUT seconds of
the connection opening or of the previous response; otherwise the client gets a 408 and the
connection is closed. Requests that have arrived are never cut, however long the app takes.
"""

from __future__ import annotations

import asyncio
import os

from uvicorn.protocols.http.h11_impl import H11Protocol

TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: 37\r\n\r\nThe request took too long to arrive.\n"
)


def request_timeout() -> float:
    """Seconds a request may take to arrive (Settings.request_timeout, exported by serve)."""
    return float(os.environ.get("FEEDBACK_REQUEST_TIMEOUT") or 15)


class SlowClientGuard(H11Protocol):
    """H11Protocol plus a per-request arrival deadline.

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
        self._wait()

    def data_received(self, data: bytes) -> None:
        self._partial = True
        super().data_received(data)
        self._settle()

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
