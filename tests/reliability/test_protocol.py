"""Protocol abuse (issue 7, item 6) against a real server process: oversized bodies, malformed
JSON and UTF-8, huge numbers, wrong types, deep nesting, slow clients. Each gets a clear error
(never a 5xx), and the server keeps serving everyone else."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from feedback.core.slow_clients import MAX_HEAD_BYTES, MAX_PIPELINED

from .conftest import SURVEY, prepare, stored_state
from servers import ServerProcess

API = f"/api/v1/surveys/{SURVEY}/responses"
COUNTER = "/api/v1/surveys/cntrxx2345/responses"
VALID = {"channel": "web", "language": "en", "answers": {"trust": True}}
# Short, so the slow-client tests end soon; the default is 15 s (Settings.request_timeout).
REQUEST_TIMEOUT = "2"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    folder: Path = tmp_path_factory.mktemp("protocol")
    url = f"sqlite:///{folder / 'feedback.db'}"
    prepare(url)
    process = ServerProcess(url, folder, FEEDBACK_REQUEST_TIMEOUT=REQUEST_TIMEOUT).start()
    yield process
    process.stop()
    log = process.log()
    assert "Traceback" not in log and "unexpected error" not in log, log[-3000:]


def post(server: ServerProcess, path: str, content: bytes, **headers: str) -> httpx.Response:
    headers = {"content-type": "application/json", **headers}
    return httpx.post(server.url + path, content=content, headers=headers, timeout=30)


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def still_serving(server: ServerProcess) -> None:
    """Another client's valid answer goes through."""
    answer = post(server, API, json.dumps(VALID).encode())
    assert answer.status_code == 201, answer.text


def test_oversized_bodies_get_413(server: ServerProcess) -> None:
    big = b'{"answers": {"comment": "' + b"x" * 70_000 + b'"}}'
    declared = post(server, API, big)
    assert (declared.status_code, error_code(declared)) == (413, "too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts what streams in
        yield b'{"answers": {"comment": "'
        for _ in range(100):
            yield b"y" * 1000
        yield b'"}}'

    streamed = httpx.post(
        server.url + API, content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    form = httpx.post(server.url + f"/s/{SURVEY}", data={"q_comment": "z" * 70_000})
    assert form.status_code == 413 and "text/html" in form.headers["content-type"]
    still_serving(server)


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b'{"channel": "web",}',
        b"\xff\xfe{}",
        b'{"channel": "we\xc3(b"}',
        b"[" * 30_000 + b"]" * 30_000,  # deeper than the parser's recursion
        b"1" * 5000,  # an integer longer than Python parses
        b"",
    ],
    ids=["truncated", "trailing-comma", "bom-utf16", "bad-utf8", "deep", "long-int", "empty"],
)
def test_malformed_bodies_get_400(server: ServerProcess, raw: bytes) -> None:
    answer = post(server, API, raw)
    assert (answer.status_code, error_code(answer)) == (400, "bad_json"), answer.text


@pytest.mark.parametrize(
    "path,body",
    [
        (API, b'{"channel": "web", "language": "en", "answers": {"trust": 1e400}}'),
        (API, b'{"channel": "web", "language": "en", "answers": {"trust": NaN}}'),
        (COUNTER, b'{"channel":"web","language":"en","answers":{"satisfaction":1e400}}'),
        (COUNTER, b'{"channel":"web","language":"en","answers":{"satisfaction":-Infinity}}'),
        (
            COUNTER,
            (
                '{"channel":"web","language":"en","answers":{"satisfaction":%s}}' % (10**400)
            ).encode(),
        ),
        (COUNTER, b'{"channel":"web","language":"en","answers":{"satisfaction":4.0000001}}'),
        (API, b'{"channel": 7, "language": ["en"], "answers": {"trust": "yes"}}'),
        (API, b'{"channel": "web", "language": "en", "answers": [true]}'),
        (API, b'{"channel": "web", "language": "en", "answers": {"trust": {"a": 1}}}'),
        (API, b'{"channel": "web", "language": "en", "touchpoint": 5, "answers": {}}'),
        (API, b'"just a string"'),
        (API, b"null"),
        (API, b"[1, 2, 3]"),
        (API, b'{"channel": "web", "language": "en", "answers": {"trust": true, "\\u0000": 1}}'),
    ],
)
def test_huge_numbers_and_wrong_types_get_a_4xx(
    server: ServerProcess, path: str, body: bytes
) -> None:
    answer = post(server, path, body)
    assert 400 <= answer.status_code < 500, answer.text
    assert error_code(answer)


def test_wrong_media_type_and_bad_idempotency_keys(server: ServerProcess) -> None:
    plain = httpx.post(
        server.url + API, content=json.dumps(VALID), headers={"content-type": "text/plain"}
    )
    assert plain.status_code == 415
    long_key = post(server, API, json.dumps(VALID).encode(), **{"Idempotency-Key": "k" * 500})
    assert (long_key.status_code, error_code(long_key)) == (400, "bad_idempotency_key")


def _slow_socket(server: ServerProcess, prefix: bytes) -> socket.socket:
    """A client that sends `prefix` a byte at a time, then stalls."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    for byte in prefix:
        sock.sendall(bytes([byte]))
        time.sleep(0.005)
    return sock


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends before it closes (the socket timeout is a safety net).

    A server that closes with the client's bytes unread resets the connection: an end too.
    """
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(4096):
            received += chunk
    sock.close()
    return received


def test_slow_clients_are_timed_out_while_others_are_served(
    server: ServerProcess, tmp_path: Path
) -> None:
    head = f"POST {API} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    stalled_headers = _slow_socket(server, head.encode()[:60])
    stalled_body = _slow_socket(
        server, (head + "Content-Length: 200\r\n\r\n" + '{"channel": "web"').encode()
    )
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=60) for _ in range(50)]
    _, before, _ = stored_state(server.database_url)

    still_serving(server)  # while all of those hang
    assert httpx.get(server.url + "/readyz").status_code == 200

    for sock in (stalled_headers, stalled_body):
        reply = _read_until_closed(sock)
        assert reply.startswith(b"HTTP/1.1 408 "), reply
    for sock in idle:  # never sent a byte: closed without an answer
        assert _read_until_closed(sock) == b""
    _, after, _ = stored_state(server.database_url)
    assert after == before + 1, "only the served client's answer is stored"
    still_serving(server)


def test_a_slow_but_steady_request_within_the_deadline_is_served(server: ServerProcess) -> None:
    body = json.dumps(VALID).encode()
    head = (
        f"POST {API} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    sock.sendall(head)
    sock.sendall(body)
    assert _read_until_closed(sock).startswith(b"HTTP/1.1 201 ")


def test_keep_alive_connection_serves_several_requests(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url) as client:
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
            time.sleep(0.2)


def _read_response(sock: socket.socket) -> bytes:
    """One whole response on a kept-alive connection, and not a byte of the next one: its head
    a byte at a time, then exactly Content-Length bytes."""

    def more(size: int) -> bytes:
        chunk = sock.recv(size)
        if not chunk:
            raise ConnectionError("closed before the whole response")
        return chunk

    head = b""
    while not head.endswith(b"\r\n\r\n"):
        head += more(1)
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    body = b""
    while len(body) < length:
        body += more(length - len(body))
    return head + body


def test_each_request_on_a_kept_connection_has_its_own_deadline(server: ServerProcess) -> None:
    """Busy for longer than the deadline, then stalled: the wait counts from the last answer."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    started = time.monotonic()
    while time.monotonic() - started < float(REQUEST_TIMEOUT) * 1.5:  # past the first deadline
        sock.sendall(request)
        assert _read_response(sock).startswith(b"HTTP/1.1 200 ")
        answered = time.monotonic()
        time.sleep(0.3)
    sock.sendall(request[:20])  # the next request stalls half-way
    reply = _read_until_closed(sock)
    assert reply.startswith(b"HTTP/1.1 408 "), reply
    waited = time.monotonic() - answered
    assert float(REQUEST_TIMEOUT) * 0.9 <= waited < float(REQUEST_TIMEOUT) * 1.6, waited


@pytest.mark.parametrize(
    "pieces,ends", [(1, False), (40, False), (1, True)], ids=["at-once", "in-pieces", "whole"]
)
def test_a_head_past_the_bound_gets_431_and_the_connection_closes(
    server: ServerProcess, pieces: int, ends: bool
) -> None:
    """Headers past MAX_HEAD_BYTES are refused, however they arrive, ended or not."""
    head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += "".join(f"X-Pad-{i}: {'b' * 1000}\r\n" for i in range(MAX_HEAD_BYTES // 1000 + 8))
    data = (head + ("\r\n" if ends else "")).encode()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    step = -(-len(data) // pieces)
    with contextlib.suppress(OSError):  # the server may close before the last piece is sent
        for start in range(0, len(data), step):
            sock.sendall(data[start : start + step])
    reply = _read_until_closed(sock)
    assert reply.startswith(b"HTTP/1.1 431 "), reply[:200]
    assert b"Les en-t\xc3\xaates de la demande sont trop volumineux." in reply
    assert b"HTTP/1.1 200" not in reply
    still_serving(server)


def test_pipelined_requests_are_answered_in_order_up_to_the_bound(server: ServerProcess) -> None:
    """A few pipelined requests are all answered; a client pipelining without end is cut off
    (httptools would otherwise hold every request it parsed ahead, without limit)."""
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(request * 5)
    answers = [_read_response(sock) for _ in range(5)]
    assert all(a.startswith(b"HTTP/1.1 200 ") for a in answers)
    sock.close()

    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    with contextlib.suppress(OSError):
        sock.sendall(request * 5000)
    reply = _read_until_closed(sock)
    assert reply.count(b"HTTP/1.1 200 ") <= MAX_PIPELINED + 1
    assert b"HTTP/1.1 4" not in reply  # answers owed come first: no refusal written among them
    still_serving(server)


def test_a_whole_request_followed_by_garbage_is_answered_before_the_close(
    server: ServerProcess,
) -> None:
    """Bytes no parser can read end the connection, but not before the request that came
    whole ahead of them is stored and answered."""
    body = json.dumps(VALID).encode()
    head = (
        f"POST {API} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    _, before, _ = stored_state(server.database_url)
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(head + body + b"\x00garbage\r\n\r\n")
    reply = _read_until_closed(sock)
    assert reply.startswith(b"HTTP/1.1 201 "), reply[:200]
    _, after, _ = stored_state(server.database_url)
    assert after == before + 1
    still_serving(server)


def test_a_pipelined_request_waits_for_the_answer_before_it_without_a_408(
    server: ServerProcess,
) -> None:
    """The deadline is for arriving, not for waiting: while a long answer is still being sent
    (the client reads it late), the stalled request behind it is not timed out into it."""
    big = b"GET /static/vendor/plotly.min.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    stalled = f"POST {API} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{{".encode()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
    sock.sendall(big + stalled)
    time.sleep(float(REQUEST_TIMEOUT) * 1.5)  # past the deadline, the script still unsent
    reply = _read_until_closed(sock)
    head, _, rest = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), head[:200]
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    assert length > 1_000_000  # far more than the socket buffers hold
    body, after = rest[:length], rest[length:]
    assert b"HTTP/1.1 408" not in body
    assert after.startswith(b"HTTP/1.1 408 "), after[:200]


def test_a_large_head_within_the_bound_is_served(server: ServerProcess) -> None:
    """A long cookie, as some browsers send, is no reason to refuse a page."""
    cookie = "; ".join(f"c{i}={'v' * 90}" for i in range(MAX_HEAD_BYTES // 200))
    answer = httpx.get(server.url + "/healthz", headers={"Cookie": cookie}, timeout=30)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    "content_type,raw",
    [
        ("multipart/form-data", b"--x\r\nContent-Disposition: form-data\r\n\r\n--x--"),
        ("multipart/form-data; boundary=x", b"--x\r\nnot a header\r\n\r\nvalue\r\n--x"),
        ("application/x-www-form-urlencoded", b"q_comment=%ff%fe&q_trust=\xff\xfe"),
        ("application/x-www-form-urlencoded", b"&".join(b"f%d=1" % i for i in range(5000))),
        ("application/x-www-form-urlencoded", b"q_trust=maybe&lang=\x00&channel[]=x&%%%"),
        ("text/plain", b"\x00\x01\x02"),
    ],
    ids=["no-boundary", "bad-part", "bad-utf8", "many-fields", "odd-keys", "binary"],
)
def test_malformed_form_posts_get_a_4xx_or_the_form_again(
    server: ServerProcess, content_type: str, raw: bytes
) -> None:
    answer = httpx.post(
        server.url + f"/s/{SURVEY}", content=raw, headers={"content-type": content_type}
    )
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    assert "text/html" in answer.headers["content-type"]
