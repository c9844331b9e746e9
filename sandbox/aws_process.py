"""A fake AWS in a process of its own: moto's server with Steward's extension, and AWS's latency.

`python -m sandbox.aws_process --latency-ms 25` serves on a free loopback port and prints
`ready <port>`. Every AWS request waits the fixed latency before moto answers it (each request in
its own thread, so concurrent requests wait concurrently, as they do against AWS). The benchmark
drives it through a few control paths that never wait:

* `POST /_bench/seed` {"now", "elasticache"|"redshift"|"cloudhsm": {cluster id: count}}: adds
  expired manual backups to existing clusters directly in moto's backends (the same backend
  methods the API calls, without one HTTP round trip per backup), aged 60 + i % 300 days.
* `GET /_bench/inventory`: backups left per service, once no AWS request is in flight.
* `POST /_bench/stall` {"after", "seconds"}: after that many more AWS requests, AWS stops
  answering for that long (every request in the window hangs until it closes).
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from moto.cloudhsmv2.models import cloudhsmv2_backends
from moto.elasticache.models import elasticache_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.redshift.models import redshift_backends
from werkzeug.serving import make_server

import fakeaws
from sandbox.fleet import ACCOUNT

REGION = "us-east-1"
logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request
Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def seed(spec: dict[str, Any]) -> dict[str, Any]:
    """Expired manual backups for the clusters named in `spec`; returns how many and how long it took."""
    started = time.perf_counter()
    now = datetime.fromisoformat(spec["now"])

    def created(i: int) -> datetime:
        return now - timedelta(days=60 + i % 300)

    cache = elasticache_backends[ACCOUNT][REGION]
    for cluster, count in spec.get("elasticache", {}).items():
        for i in range(count):
            name = f"{cluster}-{i:05d}"
            cache.create_snapshot(
                snapshot_name=name,
                replication_group_id=None,
                cache_cluster_id=cluster,
                kms_key_id=None,
                tags=[],
            )
            fakeaws.elasticache.set_snapshot_created(ACCOUNT, REGION, name, created(i))
    warehouse = redshift_backends[ACCOUNT][REGION]
    for cluster, count in spec.get("redshift", {}).items():
        for i in range(count):
            name = f"{cluster}-{i:05d}"
            warehouse.create_cluster_snapshot(cluster, name, REGION, [])
            fakeaws.redshift.set_snapshot_created(ACCOUNT, REGION, name, created(i))
    for cluster, count in spec.get("cloudhsm", {}).items():
        for i in range(count):
            fakeaws.cloudhsm.add_backup(ACCOUNT, REGION, cluster, created(i))
    return {"seeded": inventory(), "seconds": round(time.perf_counter() - started, 2)}


def inventory() -> dict[str, int]:
    """Manual backups left (what Steward may delete), per service."""
    cache, warehouse = elasticache_backends[ACCOUNT][REGION], redshift_backends[ACCOUNT][REGION]
    return {
        "elasticache": sum(1 for s in cache.snapshots.values() if s.snapshot_source == "manual"),
        "redshift": sum(1 for s in warehouse.snapshots.values() if s.snapshot_type == "manual"),
        # A deleted CloudHSM backup stays, PENDING_DELETION, for 7 days: count the ones still READY.
        "cloudhsm": sum(
            1 for b in cloudhsmv2_backends[ACCOUNT][REGION].backups.values() if b.backup_state == "READY"
        ),
    }


class SlowAws:
    """WSGI middleware: the latency (and an optional stall) before each AWS request; the control paths."""

    def __init__(self, app: Wsgi, latency: float) -> None:
        self.app, self.latency = app, latency
        self.lock = threading.Condition()
        self.requests = self.in_flight = 0
        self.stall_at: int | None = None
        self.stall_seconds = 0.0
        self.stall_until = 0.0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith("/_bench/"):
            return self.control(path, environ, start_response)
        with self.lock:
            self.requests += 1
            self.in_flight += 1
            if self.stall_at is not None and self.requests >= self.stall_at:
                self.stall_until, self.stall_at = time.monotonic() + self.stall_seconds, None
            wait = self.latency + max(self.stall_until - time.monotonic(), 0.0)
        try:
            time.sleep(wait)
            return list(self.app(environ, start_response))
        finally:
            with self.lock:
                self.in_flight -= 1
                self.lock.notify_all()

    def control(self, path: str, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        if path == "/_bench/seed":
            answer: Any = seed(body)
        elif path == "/_bench/inventory":
            with self.lock:
                self.lock.wait_for(lambda: self.in_flight == 0)
                answer = {**inventory(), "requests": self.requests}
        elif path == "/_bench/stall":
            with self.lock:
                self.stall_at, self.stall_seconds = self.requests + int(body["after"]), float(body["seconds"])
            answer = {"armed": True}
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"error": "unknown control path"}']
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(answer).encode()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=25.0)
    args = parser.parse_args()
    fakeaws.install()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    app = SlowAws(DomainDispatcherApplication(create_backend_app), args.latency_ms / 1000)
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    report_error = server.handle_error

    def handle_error(request: Any, client_address: Any) -> None:
        # A client killed mid-request (the killed-run scenario) hangs up: expected, not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            report_error(request, client_address)

    server.handle_error = handle_error  # type: ignore[method-assign]
    print(f"ready {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
