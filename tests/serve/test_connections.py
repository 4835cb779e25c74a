"""Idle and half-sent connections are dropped, not held: the service keeps answering everyone else.

The server runs with `grade serve`'s own uvicorn settings (grader.serve.server), with short timeouts
so the test takes seconds; the defaults are the same code with longer times.
"""

from __future__ import annotations

import socket
import time

import pytest
from serve_support import http, live_server

pytest.importorskip("uvicorn", reason="the course service needs the `serve` extra")

from grader.serve.server import ConnectionLimits  # noqa: E402

SHORT = ConnectionLimits(header_timeout=1.5, body_timeout=1.5, keep_alive_timeout=1.0, max_connections=1000,
                         max_header_bytes=16 * 1024)


def connect(base: str, data: bytes = b"") -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    if data:
        sock.sendall(data)
    return sock


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """Whether the server ends the connection within `within` seconds (whatever it says first)."""
    sock.settimeout(within)
    ended = time.monotonic() + within
    try:
        while time.monotonic() < ended:
            if sock.recv(65536) == b"":
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return False


def test_idle_and_half_sent_connections_do_not_stop_the_service(client, course_dir, make_app):
    with live_server(make_app(course_dir), limits=SHORT) as base:
        idle = [connect(base) for _ in range(300)]
        half_headers = [connect(base, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ") for _ in range(30)]
        half_bodies = [connect(base, b"POST /api/v1/assignments/a/attempts HTTP/1.1\r\nHost: x\r\n"
                                     b"Content-Length: 100000\r\n\r\nhalf") for _ in range(20)]
        started = time.monotonic()
        assert http("GET", f"{base}/healthz", timeout=5)[0] == 200
        assert time.monotonic() - started < 3
        for sock in idle + half_headers + half_bodies:
            assert closed_by_server(sock, SHORT.header_timeout + 4), "a connection was held past its timeout"
            sock.close()
        assert http("GET", f"{base}/healthz", timeout=5)[0] == 200


def test_a_trickled_request_is_dropped_at_the_header_timeout(client, course_dir, make_app):
    with live_server(make_app(course_dir), limits=SHORT) as base:
        sock = connect(base, b"GET /healthz HTTP/1.1\r\n")
        started = time.monotonic()
        dropped = False
        while time.monotonic() - started < SHORT.header_timeout + 4:
            try:
                sock.sendall(b"X: y\r\n")
            except OSError:
                dropped = True
                break
            time.sleep(0.2)
        assert dropped or closed_by_server(sock, 1), "a request trickled in forever was kept"
        sock.close()


def test_a_huge_header_is_refused_and_the_connection_closed(client, course_dir, make_app):
    with live_server(make_app(course_dir), limits=SHORT) as base:
        sock = connect(base)
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n")
        except OSError:
            pass  # the server may hang up while we still send
        sock.settimeout(5)
        try:
            answer = sock.recv(65536)
        except ConnectionResetError:
            answer = b""
        assert answer == b"" or answer.startswith((b"HTTP/1.1 431", b"HTTP/1.1 400")), answer[:80]
        assert closed_by_server(sock, 3)
        sock.close()


def test_keep_alive_connections_end_after_their_timeout(client, course_dir, make_app):
    with live_server(make_app(course_dir), limits=SHORT) as base:
        sock = connect(base, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(5)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        assert closed_by_server(sock, SHORT.keep_alive_timeout + 3)
        sock.close()


def test_the_default_limits_are_documented_numbers():
    from grader.serve.server import DEFAULT_LIMITS

    assert 5 <= DEFAULT_LIMITS.header_timeout <= 60 and 5 <= DEFAULT_LIMITS.body_timeout <= 120
    assert DEFAULT_LIMITS.keep_alive_timeout <= 15 and DEFAULT_LIMITS.max_connections >= 256
