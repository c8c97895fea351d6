"""Misbehaving HTTP(S) servers on 127.0.0.1 for the probe tests (session fixtures).

One threaded server answers many routes; the TLS variants serve the same routes with a
valid, a soon-expiring, an expired and a self-signed certificate.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

OK_DOC = {
    "status": "ok",
    "version": "1.2.3",
    "count": 2,
    "items": [{"name": "a", "ready": True}, {"name": "b", "ready": False}],
}
SECRET_BODY_TOKEN = "tok-4f9a8b7c6d5e"


class Handler(BaseHTTPRequestHandler):
    server: MisbehavingServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/plain", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _ok(self) -> None:
        body = json.dumps(OK_DOC).encode()
        self._send(200, body, "application/json; charset=utf-8", X_Version="1.2.3")

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length)
        self._send(201, json.dumps({"got": data.decode()}).encode(), "application/json")

    def do_GET(self) -> None:
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        self.server.hits[self.path] += 1
        route = parts[0] if parts else "root"
        handler = getattr(self, f"route_{route.replace('-', '_')}", None)
        if handler is None:
            self._send(404, b"no such route")
        else:
            handler(parts[1:])

    def route_ok(self, args: list[str]) -> None:
        self._ok()

    route_root = route_health = route_ok

    def route_moved_home(self, args: list[str]) -> None:
        self._send(301, b"", Location=self.server.url("/"))

    def route_text(self, args: list[str]) -> None:
        self._send(200, b"hello from the wrong service")

    def route_html(self, args: list[str]) -> None:
        self._send(200, b"<html><body>maintenance</body></html>", "text/html")

    def route_degraded(self, args: list[str]) -> None:
        doc = {**OK_DOC, "status": "degraded", "items": [{"name": "a", "ready": 1}]}
        self._send(200, json.dumps(doc).encode(), "application/json")

    def route_secret(self, args: list[str]) -> None:
        self._send(500, f"internal error; token={SECRET_BODY_TOKEN}".encode())

    def route_secret_at_cut(self, args: list[str]) -> None:
        """The secret starts a few characters before the body excerpt's end (300)."""
        self._send(500, ("x" * 295 + SECRET_BODY_TOKEN).encode())

    def route_status(self, args: list[str]) -> None:
        self._send(int(args[0]), f"status {args[0]}".encode())

    def route_flap(self, args: list[str]) -> None:
        """/flap/KEY/N[/CODE]: the first N requests for KEY get CODE (503), then /ok."""
        key, fails = args[0], int(args[1])
        code = int(args[2]) if len(args) > 2 else 503
        with self.server.lock:
            self.server.counters[key] += 1
            seen = self.server.counters[key]
        if seen <= fails:
            self._send(code, f"not yet ({seen})".encode())
        else:
            self._ok()

    def route_gather(self, args: list[str]) -> None:
        """/gather/KEY/N: answers 200 once N requests for KEY are in flight at once, 503 if
        they never are (within 10 s): only concurrent clients can pass."""
        key, parties = args[0], int(args[1])
        with self.server.lock:
            barrier = self.server.barriers.setdefault(key, threading.Barrier(parties, timeout=10))
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            self._send(503, b"alone")
        else:
            self._send(200, b"gathered")

    def route_slow(self, args: list[str]) -> None:
        time.sleep(int(args[0]) / 1000)
        self._send(200, b"slow")

    def route_drip(self, args: list[str]) -> None:
        """A status line, then one header byte every 100 ms: never a complete response."""
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Drip: ")
            self.wfile.flush()
            for _ in range(300):
                time.sleep(0.1)
                self.wfile.write(b"z")
                self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True

    def route_redirect(self, args: list[str]) -> None:
        left = int(args[0])
        target = f"/redirect/{left - 1}" if left > 1 else "/ok"
        self._send(302, b"", Location=target)

    def route_to_localhost(self, args: list[str]) -> None:
        """/to-localhost/PATH: the same server under another host name."""
        port = self.server.server_address[1]
        self._send(302, b"", Location=f"http://localhost:{port}/{'/'.join(args)}")

    def route_loop(self, args: list[str]) -> None:
        self._send(302, b"", Location="/loop")

    def route_moved(self, args: list[str]) -> None:
        self._send(301, b"", Location="/ok")

    def route_reset(self, args: list[str]) -> None:
        self._reset()

    def route_reset_then_ok(self, args: list[str]) -> None:
        """/reset-then-ok/KEY/N: the first N requests for KEY are reset, then /ok."""
        with self.server.lock:
            self.server.counters[args[0]] += 1
            seen = self.server.counters[args[0]]
        if seen <= int(args[1]):
            self._reset()
        else:
            self._ok()

    def route_big(self, args: list[str]) -> None:
        self._send(200, b"x" * 3_000_000)

    def route_short_body(self, args: list[str]) -> None:
        """Declares 100 bytes, sends 10, then closes: a body cut short."""
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.write(b"x" * 10)
        self.wfile.flush()
        self.close_connection = True

    def route_echo(self, args: list[str]) -> None:
        doc = {k.lower(): v for k, v in self.headers.items()}
        self._send(200, json.dumps(doc).encode(), "application/json")

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


class MisbehavingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.context = context
        self.hits: Counter[str] = Counter()
        self.counters: Counter[str] = Counter()
        self.barriers: dict[str, threading.Barrier] = {}
        self.lock = threading.Lock()

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.context is not None:
            try:  # the handshake runs in the connection's thread, not the accept loop
                request = self.context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up early is the point of several routes

    @property
    def base(self) -> str:
        scheme = "https" if self.context else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path


def _start(server: MisbehavingServer) -> MisbehavingServer:
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    return server


@dataclass
class Servers:
    http: MisbehavingServer
    tls_valid: MisbehavingServer
    tls_soon: MisbehavingServer
    tls_expired: MisbehavingServer
    tls_self_signed: MisbehavingServer
    ca_file: Path
    blackhole_url: str
    refused_url: str

    def all(self) -> list[MisbehavingServer]:
        return [self.http, self.tls_valid, self.tls_soon, self.tls_expired, self.tls_self_signed]


def _server_context(cert_pem: bytes, key_pem: bytes, tmp: Path, name: str) -> ssl.SSLContext:
    (tmp / f"{name}.pem").write_bytes(cert_pem + key_pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp / f"{name}.pem")
    return ctx


def _trustme_context(ca: Any, tmp: Path, name: str, **dates: dt.datetime) -> ssl.SSLContext:
    leaf = ca.issue_cert("127.0.0.1", "localhost", **dates)
    chain = b"".join(blob.bytes() for blob in leaf.cert_chain_pems)
    return _server_context(chain, leaf.private_key_pem.bytes(), tmp, name)


def _self_signed(tmp: Path) -> ssl.SSLContext:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return _server_context(cert_pem, key_pem, tmp, "self-signed")


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """Every misbehaving server, started once for the session."""
    trustme = pytest.importorskip("trustme")
    tmp = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    ca_file = tmp / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    now = dt.datetime.now(dt.timezone.utc)
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(8)  # connections complete in the kernel; nobody ever answers
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused_port = closed.getsockname()[1]
    closed.close()
    found = Servers(
        http=_start(MisbehavingServer()),
        tls_valid=_start(MisbehavingServer(_trustme_context(ca, tmp, "valid"))),
        tls_soon=_start(MisbehavingServer(_trustme_context(
            ca, tmp, "soon", not_after=now + dt.timedelta(days=10)))),
        tls_expired=_start(MisbehavingServer(_trustme_context(
            ca, tmp, "expired", not_before=now - dt.timedelta(days=60),
            not_after=now - dt.timedelta(days=2)))),
        tls_self_signed=_start(MisbehavingServer(_self_signed(tmp))),
        ca_file=ca_file,
        blackhole_url=f"http://127.0.0.1:{blackhole.getsockname()[1]}/",
        refused_url=f"http://127.0.0.1:{refused_port}/",
    )
    yield found
    for server in found.all():
        server.shutdown()
        server.server_close()
    blackhole.close()
