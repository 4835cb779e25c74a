"""Servers that do not behave, for the client's tests: each runs on 127.0.0.1 in a thread of the test.

`hostile_server(answer)` accepts connections, reads one request (headers and a body of its
Content-Length) and hands it to `answer(connection, request)`, which writes whatever bytes the test
wants. Every request it read is kept in `server.requests`, so a test can say what reached whom.
`self_signed_certificate(folder)` makes a certificate for 127.0.0.1 and localhost, for the TLS tests.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HostileServer:
    url: str
    requests: list[Request] = field(default_factory=list)
    closed_early: threading.Event = field(default_factory=threading.Event)  # the client hung up on us


Answer = Callable[[socket.socket, Request, HostileServer], None]


def read_request(connection: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return Request(method, path, headers, body)


@contextmanager
def hostile_server(answer: Answer, *, tls: ssl.SSLContext | None = None) -> Iterator[HostileServer]:
    """Serve `answer` on 127.0.0.1 (over TLS with `tls`) until the block ends."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    server = HostileServer(url=f"{'https' if tls else 'http'}://127.0.0.1:{port}")
    stop = threading.Event()

    def handle(connection: socket.socket) -> None:
        try:
            if tls is not None:
                connection = tls.wrap_socket(connection, server_side=True)
            connection.settimeout(30)
            request = read_request(connection)
            if request is not None:
                server.requests.append(request)
                answer(connection, request, server)
        except (OSError, ssl.SSLError):
            server.closed_early.set()
        finally:
            try:
                connection.close()
            except OSError:
                pass

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=handle, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def respond(status: str, body: bytes, headers: dict[str, str] | None = None,
            content_type: str = "application/json") -> Answer:
    """An answer that sends one complete HTTP response."""

    def answer(connection: socket.socket, _request: Request, _server: HostileServer) -> None:
        lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", f"Content-Length: {len(body)}",
                 "Connection: close", *(f"{name}: {value}" for name, value in (headers or {}).items())]
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    return answer


def raw(data: bytes) -> Answer:
    """An answer of exactly these bytes, whatever they are."""

    def answer(connection: socket.socket, _request: Request, _server: HostileServer) -> None:
        connection.sendall(data)

    return answer


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files for 127.0.0.1 and localhost, valid for a day."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
                   .not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                               x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    certificate_path, key_path = folder / "server.pem", folder / "server.key"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return certificate_path, key_path


def server_tls(certificate: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    return context
