"""One HTTP exchange with a course service, trusting nothing the server sends back.

The student's client talks to one origin, the one they named: no redirect is followed (a 3xx is
an error that names where it pointed), so the token can reach no other host and no other scheme.
Each call has one deadline for all of it — connecting, TLS, sending, and the whole answer — and
an answer larger than MAX_ANSWER_BYTES is refused while it is read. Every way a server can fail
to speak HTTP (a bad status line, an endless header, a body cut short, a TLS failure) becomes
`NotAService`, one sentence; a server that cannot be reached at all is `Unreachable`.

Standard library only (http.client, ssl), so a student's install needs nothing more. urllib is not
used: it follows redirects with the request's headers, and its timeout is per read, not per call.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass

from grader.reports.escaping import for_terminal_line

MAX_ANSWER_BYTES = 4 * 1024 * 1024  # a Result is a few KiB and a sheet tens of KiB; nothing a service sends is near
READ_CHUNK = 64 * 1024


class Unreachable(Exception):
    """No connection to the server (refused, no such host, no network)."""


class NotAService(Exception):
    """The server answered, but not as a course service does: the sentence says how."""


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    location: str  # where a 3xx points ("" otherwise): named in the error, never followed
    body: bytes


def origin(url: str) -> str:
    """`scheme://host:port` of a URL, escaped for a terminal: how messages name a server."""
    parts = urllib.parse.urlsplit(url)
    return for_terminal_line(f"{parts.scheme}://{parts.netloc}")


def exchange(url: str, *, method: str, headers: dict[str, str], body: bytes | None, timeout: float) -> Answer:
    """Send one request to `url` and read its whole answer, within `timeout` seconds in all."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    deadline = _Deadline(timeout)
    try:
        raw = socket.create_connection((host, port), timeout=deadline.left())
    except (socket.gaierror, OSError) as error:
        if deadline.passed():
            raise NotAService(f"the server at {origin(url)} did not answer like a course service: "
                              f"no connection within {timeout:g} s (--timeout)") from None
        raise Unreachable(f"cannot reach the course server at {origin(url)} ({_reason(error)})") from None
    deadline.watch(raw)
    connection = http.client.HTTPConnection(host, port, timeout=deadline.left())
    try:
        if parts.scheme == "https":
            connection.sock = ssl.create_default_context().wrap_socket(raw, server_hostname=host)
        else:
            connection.sock = raw
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = _read_bounded(response, url)
        if deadline.passed():  # the shutdown may look like an answer that simply ended
            raise OSError("deadline")
        return Answer(response.status, response.getheader("Content-Type", ""), response.getheader("Location", ""),
                      data)
    except NotAService:
        raise
    except (OSError, http.client.HTTPException, ValueError) as error:
        if deadline.passed():
            raise NotAService(f"the server at {origin(url)} did not answer like a course service: no complete "
                              f"answer within {timeout:g} s (--timeout to wait longer)") from None
        raise NotAService(f"the server at {origin(url)} did not answer like a course service: "
                          f"{_reason(error)}") from None
    finally:
        deadline.stop()
        connection.close()
        raw.close()


def _read_bounded(response: http.client.HTTPResponse, url: str) -> bytes:
    """The answer's body, refused as soon as it passes MAX_ANSWER_BYTES (declared or as it arrives)."""
    too_big = NotAService(f"the server at {origin(url)} did not answer like a course service: its answer is "
                          f"larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MiB")
    declared = response.getheader("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise too_big
    chunks, size = [], 0
    while chunk := response.read(READ_CHUNK):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _reason(error: BaseException) -> str:
    """What went wrong, in a few words a student can pass on to their instructor."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"its TLS certificate is not trusted ({for_terminal_line(error.verify_message or error.reason)})"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed ({for_terminal_line(error.reason or error)})"
    if isinstance(error, http.client.IncompleteRead):
        return "the answer ended early"
    if isinstance(error, http.client.LineTooLong):
        return "a line of its answer is too long"
    if isinstance(error, http.client.RemoteDisconnected):
        return "it closed the connection without answering"
    if isinstance(error, http.client.BadStatusLine):
        return "its answer is not HTTP"
    if isinstance(error, http.client.HTTPException):
        return f"its answer is not valid HTTP ({for_terminal_line(str(error)[:80] or type(error).__name__)})"
    if isinstance(error, socket.gaierror):
        return "no such host"
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return for_terminal_line(text[:120])


class _Deadline:
    """One time limit for a whole exchange: when it passes, the connection is shut, which ends any read."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self._timer: threading.Timer | None = None
        self._fired = threading.Event()

    def left(self) -> float:
        return max(0.001, self.ends - time.monotonic())

    def passed(self) -> bool:
        return self._fired.is_set() or time.monotonic() >= self.ends

    def watch(self, sock: socket.socket) -> None:
        """Shut `sock` down when the deadline passes (its file descriptor stays the same under TLS)."""
        descriptor, family = sock.fileno(), sock.family

        def shut() -> None:
            self._fired.set()
            try:
                with socket.fromfd(descriptor, family, socket.SOCK_STREAM) as duplicate:
                    duplicate.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed: nothing is waiting on it

        self._timer = threading.Timer(self.left(), shut)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()  # a shutdown under way ends before the descriptor is closed and reused
