"""One HTTP attempt that never outlives its end time (standard library only).

Every blocking step is bounded by the time left: name resolution runs in a daemon thread
that is waited on with a timeout; sockets get the time left as their timeout; and a
watchdog shuts the socket down at the end time, so a server that drips one byte at a
time cannot keep a read alive either.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

from pytest_devops.http.model import SENSITIVE_HEADER_PARTS, TlsExpectation
from pytest_devops.http.tlsinfo import not_after

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "pytest-devops-probe/1"
_NO_TLS_SETTINGS = TlsExpectation()
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Observation:
    """What one attempt saw: the response, or the transport error that prevented one.

    ``error`` is ``None`` or a condition name: ``dns``, ``refused``, ``reset``,
    ``timeout``, ``tls``, ``connect``, ``protocol``, ``redirects``.
    """

    url: str
    final_url: str
    status: int | None = None
    reason: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = field(default=b"", repr=False)
    truncated: bool = False
    error: str | None = None
    error_message: str = ""
    redirects: tuple[str, ...] = ()
    elapsed_ms: float = 0.0
    ttfb_ms: float | None = None
    cert_not_after: datetime | None = None

    def header(self, name: str) -> list[str]:
        """Every value of response header ``name`` (case-insensitive)."""
        lower = name.lower()
        return [v for k, v in self.headers if k.lower() == lower]

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def excerpt(self, limit: int = 300, redact: Callable[[str], str] | None = None) -> str:
        """The start of the body on one line (control characters escaped). ``redact``
        applies to the whole body before it is cut, so no part of a secret is shown."""
        text = redact(self.text()) if redact is not None else self.text()
        short = _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text[:limit])
        return short + ("…" if len(text) > limit or self.truncated else "")

    def cert_days_left(self, now: datetime | None = None) -> float | None:
        if self.cert_not_after is None:
            return None
        now = now or datetime.now(timezone.utc)
        return (self.cert_not_after - now).total_seconds() / 86400

    def summary(self) -> str:
        """One line: status or error, and time taken."""
        took = f"{self.elapsed_ms:.0f} ms"
        if self.error:
            return f"{self.error}: {self.error_message} (after {took})"
        hops = f", {len(self.redirects)} redirect(s) to {self.final_url}" if self.redirects else ""
        return f"{self.status} {self.reason} in {took}{hops}".replace("  ", " ")


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None


class _Failed(Exception):
    def __init__(self, condition: str, message: str) -> None:
        super().__init__(message)
        self.condition = condition
        self.message = message


def fetch(
    request: Request,
    *,
    end: float,
    tls: TlsExpectation = _NO_TLS_SETTINGS,
    follow: bool = True,
    max_redirects: int = 5,
    max_body: int = 1_048_576,
) -> Observation:
    """Make ``request`` (following redirects), giving up at monotonic time ``end``."""
    start = time.monotonic()
    hops: list[str] = []
    req = request
    while True:
        try:
            obs = _one(req, start=start, end=end, tls=tls, max_body=max_body)
        except _Failed as exc:
            return Observation(
                url=request.url,
                final_url=req.url,
                error=exc.condition,
                error_message=exc.message,
                redirects=tuple(hops),
                elapsed_ms=(time.monotonic() - start) * 1000,
            )
        location = obs.header("Location")
        if not follow or obs.status not in REDIRECT_STATUSES or not location:
            return _with(obs, url=request.url, redirects=tuple(hops))
        if len(hops) >= max_redirects:
            return _with(
                obs,
                url=request.url,
                redirects=tuple(hops),
                error="redirects",
                error_message=f"more than {max_redirects} redirects (next: {location[0]})",
            )
        target = urljoin(req.url, location[0])
        hops.append(target)
        see_other = obs.status == 303 or (obs.status in (301, 302) and req.method == "POST")
        req = Request(
            method="GET" if see_other else req.method,
            url=target,
            headers=_headers_for(req.url, target, req.headers),
            body=None if see_other else req.body,
        )


def _headers_for(
    source: str, target: str, headers: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """The headers a redirect from ``source`` to ``target`` may carry: credentials
    (Authorization, cookies, tokens, ...) go only to the same host, never over a
    downgrade from https to http."""
    a, b = urlsplit(source), urlsplit(target)
    same_host = a.hostname == b.hostname and (a.scheme, _port(a)) == (b.scheme, _port(b))
    upgrade = a.hostname == b.hostname and a.scheme == "http" and b.scheme == "https"
    if same_host or upgrade:
        return headers
    return tuple((k, v) for k, v in headers
                 if not any(part in k.lower() for part in SENSITIVE_HEADER_PARTS))


def _port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def _with(obs: Observation, **changes: Any) -> Observation:
    from dataclasses import replace

    return replace(obs, **changes)


def _one(
    req: Request, *, start: float, end: float, tls: TlsExpectation, max_body: int
) -> Observation:
    parts = urlsplit(req.url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = _port(parts)
    if parts.scheme not in ("http", "https") or not host:
        raise _Failed("protocol", f"cannot request {req.url!r}: not an http(s) URL")
    addresses = _resolve(host, port, end)
    sock = _connect(addresses, host, port, end)
    watchdog = _Watchdog(sock, end)
    try:
        cert_end = None
        if https:
            sock = _handshake(sock, host, tls, end, watchdog)
            der = sock.getpeercert(binary_form=True)
            cert_end = not_after(der) if der else None
        conn: http.client.HTTPConnection
        if https:
            conn = http.client.HTTPSConnection(host, port)
        else:
            conn = http.client.HTTPConnection(host, port)
        conn.sock = sock
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        headers = {"User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close"}
        headers.update(dict(req.headers))
        try:
            conn.request(req.method, path, body=req.body, headers=headers)
            response = conn.getresponse()
            ttfb = (time.monotonic() - start) * 1000
            body, truncated = _read(response, max_body, end, req.method)
        except TimeoutError:
            raise _Failed("timeout", _late(start, end)) from None
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as exc:
            if watchdog.fired:
                raise _Failed("timeout", _late(start, end)) from None
            raise _Failed("reset", f"connection closed by the server: {exc}") from None
        except http.client.IncompleteRead as exc:
            if watchdog.fired:
                raise _Failed("timeout", _late(start, end)) from None
            got = len(exc.partial)
            size = f" of {got + exc.expected} bytes" if exc.expected is not None else ""
            # A body cut short is a failed attempt (retried like a reset), never a pass.
            raise _Failed("reset", f"the response ended after {got}{size}: the body is "
                          "incomplete") from None
        except (http.client.HTTPException, OSError) as exc:
            if watchdog.fired:
                raise _Failed("timeout", _late(start, end)) from None
            raise _Failed("protocol", f"{type(exc).__name__}: {exc}") from None
        if watchdog.fired:
            raise _Failed("timeout", _late(start, end))
        return Observation(
            url=req.url,
            final_url=req.url,
            status=response.status,
            reason=response.reason,
            headers=tuple(response.getheaders()),
            body=body,
            truncated=truncated,
            elapsed_ms=(time.monotonic() - start) * 1000,
            ttfb_ms=ttfb,
            cert_not_after=cert_end,
        )
    finally:
        watchdog.cancel()
        sock.close()


def _late(start: float, end: float) -> str:
    return f"no complete response within {end - start:.2f} s"


def _left(end: float, what: str) -> float:
    left = end - time.monotonic()
    if left <= 0:
        raise _Failed("timeout", f"time was up before {what}")
    return left


def _resolve(host: str, port: int, end: float) -> list[tuple[Any, ...]]:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
    except OSError:
        pass
    else:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 0, "", (host, port))]
    result: list[Any] = []

    def work() -> None:
        try:
            result.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            result.append(exc)

    worker = threading.Thread(target=work, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(_left(end, f"resolving {host}"))
    if not result:
        raise _Failed("timeout", f"resolving {host} did not finish in time")
    if isinstance(result[0], OSError):
        raise _Failed("dns", f"cannot resolve {host}: {result[0]}")
    return list(result[0])


def _connect(addresses: list[tuple[Any, ...]], host: str, port: int, end: float) -> socket.socket:
    last: _Failed | None = None
    for family, kind, proto, _, address in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(_left(end, f"connecting to {host}:{port}"))
            sock.connect(address)
            return sock
        except ConnectionRefusedError:
            last = _Failed("refused", f"connection refused by {host}:{port}")
        except TimeoutError:
            last = _Failed("timeout", f"connecting to {host}:{port} timed out")
        except ConnectionResetError:
            last = _Failed("reset", f"connection to {host}:{port} reset")
        except OSError as exc:
            last = _Failed("connect", f"cannot connect to {host}:{port}: {exc}")
        except _Failed:
            sock.close()
            raise
        sock.close()
    raise last or _Failed("dns", f"{host} resolved to no address")


def _context(tls: TlsExpectation) -> ssl.SSLContext:
    if not tls.verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    return ssl.create_default_context(cafile=tls.ca_file)


def _handshake(
    sock: socket.socket, host: str, tls: TlsExpectation, end: float, watchdog: _Watchdog
) -> ssl.SSLSocket:
    try:
        sock.settimeout(_left(end, "the TLS handshake"))
        wrapped = _context(tls).wrap_socket(
            sock, server_hostname=host, do_handshake_on_connect=False
        )
        watchdog.sock = wrapped  # the plain socket is detached now: watch the TLS one
        wrapped.do_handshake()
        return wrapped
    except ssl.SSLCertVerificationError as exc:
        raise _Failed("tls", f"certificate rejected: {exc.verify_message}") from None
    except OSError as exc:  # ssl.SSLError and TimeoutError are OSErrors too
        if watchdog.fired or isinstance(exc, TimeoutError):
            raise _Failed("timeout", "the TLS handshake did not finish in time") from None
        if isinstance(exc, ConnectionResetError):
            raise _Failed("reset", "connection reset during the TLS handshake") from None
        reason = exc.reason if isinstance(exc, ssl.SSLError) and exc.reason else exc
        raise _Failed("tls", f"TLS handshake failed: {reason}") from None


def _read(
    response: http.client.HTTPResponse, max_body: int, end: float, method: str
) -> tuple[bytes, bool]:
    if method == "HEAD":
        return b"", False
    chunks: list[bytes] = []
    size = 0
    while size < max_body:
        if time.monotonic() >= end:
            raise TimeoutError
        chunk = response.read1(min(65536, max_body - size))
        if not chunk:
            if response.length:  # the connection closed before Content-Length was read
                raise http.client.IncompleteRead(b"".join(chunks), response.length)
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), bool(response.read1(1))


class _Watchdog:
    """Shuts the socket down at ``end`` so no read can outlive the attempt."""

    def __init__(self, sock: socket.socket, end: float) -> None:
        self.sock = sock
        self.fired = False
        self._timer = threading.Timer(max(0.0, end - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()
