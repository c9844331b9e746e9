"""A local fake AWS: moto's server with Steward's extension on loopback, in this process (the demo)
or in a process of its own with AWS's latency (the benchmark, sandbox/aws_process.py)."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from moto.server import ThreadedMotoServer

import fakeaws

logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request drowns the demo

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def local_aws() -> Iterator[str]:
    """Start the server, point every boto3 client of this process at it, stop it afterwards."""
    fakeaws.install()
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        with _pointed_at(f"http://127.0.0.1:{port}") as endpoint:
            yield endpoint
    finally:
        server.stop()


@contextmanager
def aws_process(latency_ms: float) -> Iterator[str]:
    """Start sandbox.aws_process (every request waits `latency_ms`), point this process at it, stop it."""
    server = subprocess.Popen(
        [sys.executable, "-m", "sandbox.aws_process", "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        ready = server.stdout.readline().split()
        if ready[:1] != ["ready"]:
            raise RuntimeError(f"sandbox.aws_process did not start (said {ready!r})")
        with _pointed_at(f"http://127.0.0.1:{ready[1]}") as endpoint:
            yield endpoint
    finally:
        server.terminate()
        server.wait()


@contextmanager
def _pointed_at(endpoint: str) -> Iterator[str]:
    saved = {key: os.environ.get(key) for key in [*FAKE_CREDENTIALS, "AWS_ENDPOINT_URL", "AWS_PROFILE"]}
    os.environ.update(FAKE_CREDENTIALS, AWS_ENDPOINT_URL=endpoint)
    os.environ.pop("AWS_PROFILE", None)
    try:
        yield endpoint
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
