"""One RetentionFunction invocation in a process of its own, as Lambda runs it.

`python -m sandbox.lambda_process --timeout 900` cold-starts functions/retention/app.py with the
environment it is given (AWS_ENDPOINT_URL names the fake), prints `started` when the invocation
begins (the parent kills it at --timeout from there, as Lambda would), writes its log lines to an
unbuffered stdout (Lambda's runtime does not buffer them either, so a killed run leaves exactly
what it wrote), and ends with one `{"bench": ...}` line: wall time, client CPU, peak memory and
every HTTP request it sent (botocore's before-send, retries included), per operation.
"""

from __future__ import annotations

import argparse
import importlib
import json
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3

EVENT = Path(__file__).resolve().parent.parent / "events" / "retention-schedule.json"
# botocore's service ids, as Steward reports them; the tagging API serves the ElastiCache sweep.
SERVICES = {"resource-groups-tagging-api": "elasticache", "cloudhsm-v2": "cloudhsm"}


class Deadline:
    """The Lambda context's clock: time left runs down from the invocation's start."""

    function_name = "steward-RetentionFunction"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:steward-RetentionFunction"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self.ends - time.monotonic()) * 1000), 0)


def fast_timestamps() -> None:
    """botocore's timestamp parser (dateutil, ~100 us a value) swapped for the standard library's C
    ISO 8601 parser (~0.5 us); numbers, numeric strings (epoch seconds) and anything else
    fromisoformat refuses still go to botocore's, so every value parses as botocore would."""
    from botocore.utils import parse_timestamp

    def parse(value: Any) -> datetime:
        if isinstance(value, str) and not value.replace(".", "", 1).isdigit():
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        return parse_timestamp(value)

    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION._session.get_component("response_parser_factory").set_parser_defaults(
        timestamp_parser=parse
    )


def peak_rss_kib() -> int:
    """This process's peak resident memory (VmHWM: getrusage's ru_maxrss counts the forked parent's)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=900.0, help="the function's Timeout, seconds")
    parser.add_argument("--fast-timestamps", action="store_true", help="parse timestamps with fromisoformat")
    args = parser.parse_args()

    requests: Counter[str] = Counter()

    def on_send(event_name: str, **kwargs: Any) -> None:
        _, service, operation = event_name.split(".")  # before-send.<service>.<Operation>
        requests[f"{SERVICES.get(service, service)}:{operation}"] += 1

    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register("before-send", on_send)
    if args.fast_timestamps:
        fast_timestamps()
    app = importlib.import_module("functions.retention.app")
    event = json.loads(EVENT.read_text())
    rss_at_start = peak_rss_kib()
    cpu = time.process_time()
    print("started", flush=True)
    started = time.perf_counter()
    context = Deadline(args.timeout)
    result: Any = None
    error = None
    try:
        result = app.lambda_handler(event, context)
    except Exception as failure:  # a failed invocation is a figure too (SweepFailed after the run)
        error = f"{type(failure).__name__}: {failure}"
    bench = {
        "wall": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "rss_start_kib": rss_at_start,
        "rss_peak_kib": peak_rss_kib(),
        "requests": dict(requests),
        "result": result,
        "error": error,
    }
    print(json.dumps({"bench": bench}, default=str), flush=True)


if __name__ == "__main__":
    main()
