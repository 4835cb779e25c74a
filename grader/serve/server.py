"""How `grade serve` runs the app: uvicorn with limits on every connection.

Uvicorn keeps a connection open as long as the client wants before its first request and while
a request's headers or body trickle in; 300 idle sockets were enough to stall the service. Here a
request must arrive whole: its headers within `header_timeout` of the connection (or of the
first byte of a request on a kept-alive one), at most `max_header_bytes` of them, and its body
within `body_timeout` after that; an idle kept-alive connection closes after `keep_alive_timeout`,
and past `max_connections` open connections new requests get 503 at once. The checks sit in a
subclass of uvicorn's httptools protocol (the parser the `serve` extra installs), at the parser's
own callbacks. Behind a reverse proxy (README: Running the course service) the proxy holds the
slow clients and these limits are a second line.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout: float = 10.0  # seconds for a request's headers to arrive whole
    body_timeout: float = 30.0  # seconds for its body (1 MiB at the slowest mobile link a student may have)
    keep_alive_timeout: float = 5.0  # seconds an idle kept-alive connection stays open
    max_connections: int = 1000  # open connections (and requests in progress) before new requests get 503
    max_header_bytes: int = 64 * 1024  # a browser sends under 8 KiB; past this: 431 and the connection closes


DEFAULT_LIMITS = ConnectionLimits()
TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
             b"content-length: 33\r\nconnection: close\r\n\r\nthe request's headers are too long")


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for each request's headers and body, and a header cap."""

    limits: ConnectionLimits = DEFAULT_LIMITS  # set per server by `protocol_with`

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._reading_head = True
        self._head_bytes = 0
        self._deadline: asyncio.TimerHandle | None = None
        self._arm(self.limits.header_timeout)  # an idle new connection gets as long as a slow request

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._reading_head:
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_header_bytes:
                self._disarm()
                if not self.transport.is_closing():
                    self.transport.write(TOO_LARGE)
                    self.transport.close()
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm(self.limits.header_timeout)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._reading_head, self._head_bytes = False, 0
        self._arm(self.limits.body_timeout)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading_head = True  # whatever comes next on this connection is a new request's head
        self._disarm()  # the app answers within its own limits; then uvicorn's keep-alive timeout runs

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def protocol_with(limits: ConnectionLimits) -> type[GuardedHttpToolsProtocol]:
    """The protocol class for one server's limits (uvicorn makes one protocol per connection from a class)."""
    return type("GuardedHttpToolsProtocol", (GuardedHttpToolsProtocol,), {"limits": limits})


def uvicorn_config(app: Any, host: str, port: int, limits: ConnectionLimits = DEFAULT_LIMITS) -> uvicorn.Config:
    """The uvicorn settings of `grade serve` (the tests' live servers use the same)."""
    return uvicorn.Config(app, host=host, port=port, http=protocol_with(limits), access_log=False,
                          log_level="warning", proxy_headers=True, server_header=False, lifespan="on",
                          timeout_keep_alive=limits.keep_alive_timeout, limit_concurrency=limits.max_connections)
