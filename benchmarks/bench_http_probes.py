"""HTTP probes: concurrency of the URL gates, and a probe's cost over a bare request.

Prints two ratios against a server on 127.0.0.1:
- N probes of an endpoint that answers in 200 ms, run concurrently (as the URL gates
  are) against the same probes one after another (target: close to 1/N);
- one probe of a fast endpoint (deadline bookkeeping, watchdog, expectations) against a
  bare ``urllib.request.urlopen`` of it (target: at most 2x).

Run: ``python benchmarks/bench_http_probes.py [N]``.
"""

from __future__ import annotations

import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pytest_devops.http.model import parse_probe
from pytest_devops.http.probes import run_probe, run_probes

ROUNDS = 5


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(0.2)
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def best(fn: object, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    slow = [
        parse_probe(f"slow{i}", {"url": f"{base}/slow", "expect": {"json": {"status": "ok"}}})
        for i in range(n)
    ]

    def sequential() -> None:
        for p in slow:
            assert run_probe(p).ok

    def concurrent() -> None:
        assert all(r.ok for r in run_probes(slow).values())

    seq, conc = best(sequential, 1), best(concurrent, 3)
    print(f"{n} probes of a 200 ms endpoint: sequential {seq:.2f} s, concurrent {conc:.2f} s, "
          f"ratio {conc / seq:.3f} (ideal {1 / n:.3f})")

    fast = parse_probe("fast", {"url": f"{base}/fast", "expect": {"json": {"status": "ok"}}})
    k = 200

    def probes() -> None:
        for _ in range(k):
            run_probe(fast)

    def bare() -> None:
        for _ in range(k):
            with urllib.request.urlopen(f"{base}/fast", timeout=5) as r:  # noqa: S310
                r.read()

    p, b = best(probes), best(bare)
    print(f"{k} requests: probe {p * 1000 / k:.2f} ms, bare urlopen {b * 1000 / k:.2f} ms, "
          f"ratio {p / b:.2f} (target <= 2)")
    server.shutdown()


if __name__ == "__main__":
    main()
