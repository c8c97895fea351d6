"""The demo's "deployed service": a tiny HTTP server on 127.0.0.1 (standard library only).

It stands for what the stack would run: ``/health`` answers 200 with the deployed
version, or 503 when the service is broken on purpose (``DEMO_BREAK=1``).
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VERSION = "1.4.2"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/health":
            if self.server.broken:
                self._json(503, {"status": "degraded", "error": "database unreachable"})
            else:
                self._json(200, {"status": "ok", "version": VERSION})
        elif self.path == "/":
            self._json(200, {"service": "demo-web", "version": VERSION})
        else:
            self._json(404, {"error": "not found"})

    def _json(self, status: int, doc: dict[str, Any]) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    broken = False


def broken_by_env() -> bool:
    return os.environ.get("DEMO_BREAK", "") not in ("", "0", "false", "no")


def start(broken: bool | None = None, port: int = 0) -> tuple[_Server, str]:
    """Serve on 127.0.0.1 in a daemon thread; returns the server and its /health URL."""
    server = _Server(("127.0.0.1", port), _Handler)
    server.broken = broken_by_env() if broken is None else broken
    # A short poll interval: shutdown() waits for the loop's next poll.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     name="demo-service", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/health"


if __name__ == "__main__":
    srv, url = start(port=int(os.environ.get("DEMO_SERVICE_PORT", "8080")))
    print(f"demo service on {url} (broken: {srv.broken}); Ctrl-C to stop")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        srv.shutdown()
