"""Shared fixtures: fake credentials, moto with Steward's extension, sample events, a Lambda context."""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

# Set before anything creates a boto3 client or imports a handler.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    POWERTOOLS_SERVICE_NAME="steward",
    POWERTOOLS_METRICS_NAMESPACE="Steward",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_DEV="false",
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

from moto import mock_aws
from steward.services import clients

import fakeaws
from sandbox.fleet import Fleet
from sandbox.lambda_runtime import LambdaContext as FakeContext

fakeaws.install()

EVENTS = Path(__file__).resolve().parent.parent / "events"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def logged_decisions(capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, Any]]:
    """The decision records a handler logged (one JSON line each), by resource id."""
    records = {}
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("{") and '"decision"' in line:
            record = json.loads(line)["decision"]
            records[record["resource_id"]] = record
    return records


class _CurrentStdout:
    """Powertools' handler keeps the stdout it was created with; this follows pytest's capture."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def _log_to_current_stdout() -> None:
    from steward.machinery.observability import logger

    logger.registered_handler.setStream(_CurrentStdout())  # type: ignore[attr-defined]


_log_to_current_stdout()


@pytest.fixture
def aws() -> Iterator[None]:
    """A fresh, empty AWS (moto + Steward's extension) for one test."""
    clients.reset()
    fakeaws.faults.clear()
    with mock_aws():
        yield
    fakeaws.faults.clear()
    clients.reset()


@pytest.fixture
def fleet(aws: None) -> Fleet:
    return Fleet()


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> Callable[..., ModuleType]:
    """Import a function's handler with the given environment, as a cold start would."""

    def load(function: str, **env: str) -> ModuleType:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        module = importlib.import_module(f"functions.{function}.app")
        return importlib.reload(module)

    return load
