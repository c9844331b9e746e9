"""What a cold start imports: the X-Ray SDK only where tracing records something."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

LAYER = Path(__file__).resolve().parents[3] / "layers" / "steward"
IMPORTED = (
    "import sys, steward.machinery.observability as o;"
    "print(type(o.tracer.provider).__module__.split('.')[0], 'aws_xray_sdk.core' in sys.modules)"
)


def cold_start(**env: str) -> list[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"LAMBDA_TASK_ROOT", "POWERTOOLS_TRACE_DISABLED"}
    }
    done = subprocess.run(
        [sys.executable, "-c", IMPORTED],
        env={**clean, "PYTHONPATH": str(LAYER), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()


@pytest.mark.parametrize(
    "env",
    [{}, {"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}],
    ids=["outside Lambda", "tracing disabled in Lambda"],
)
def test_with_tracing_off_the_xray_sdk_is_not_imported(env: dict[str, str]) -> None:
    assert cold_start(**env) == ["steward", "False"]


def test_in_lambda_with_tracing_on_the_tracer_records_through_xray() -> None:
    assert cold_start(LAMBDA_TASK_ROOT="/var/task", AWS_XRAY_CONTEXT_MISSING="LOG_ERROR") == [
        "aws_xray_sdk",
        "True",
    ]
