"""Invoking a handler as Lambda would: a cold start with the function's environment, a context,
and the log lines it writes (what CloudWatch Logs would hold)."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import warnings
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LambdaContext:
    """The parts of a Lambda context that Powertools and the handlers read."""

    seconds_left: float = 900.0
    function_name: str = "steward-RetentionFunction"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:steward-RetentionFunction"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds_left * 1000)


@dataclass
class Invocation:
    result: Any = None
    error: Exception | None = None
    logs: list[dict[str, Any]] = field(default_factory=list)

    def decisions(self) -> list[dict[str, Any]]:
        return [line["decision"] for line in self.logs if "decision" in line]


# Powertools warns when a run emitted no metric of its own (a refused event): noise in a terminal.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def invoke(
    function: str, event: dict[str, Any], env: dict[str, str], context: LambdaContext | None = None
) -> Invocation:
    """Cold-start `functions/<function>/app.py` with `env`, call its handler, collect its logs."""
    from steward.machinery.observability import logger

    os.environ.update(env)
    invocation = Invocation()
    try:
        module = importlib.reload(importlib.import_module(f"functions.{function}.app"))
    except Exception as error:  # a failed cold start (a bad setting) is reported as Lambda's init error
        invocation.error = error
        return invocation
    stream = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        # EMF metrics are printed to stdout: in Lambda they are log lines too.
        with contextlib.redirect_stdout(stream):
            invocation.result = module.lambda_handler(event, context or LambdaContext())
    except Exception as error:  # the demo shows a failed invocation as Lambda would report it
        invocation.error = error
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
    for line in stream.getvalue().splitlines():
        if line.startswith("{"):
            invocation.logs.append(json.loads(line))
    return invocation
