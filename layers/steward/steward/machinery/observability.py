"""The one Logger, Metrics and Tracer of the process (service name and namespace from the template)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

logger = Logger(service="steward")
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Steward"))


class _Untraced(BaseProvider, BaseSegment):
    """Tracer's provider when tracing is off: the X-Ray SDK is never imported (15 ms of cold start)."""

    @contextmanager
    def in_subsegment(self, name: Any = None, **kwargs: Any) -> Iterator[BaseSegment]:
        yield self

    @asynccontextmanager
    async def in_subsegment_async(self, name: Any = None, **kwargs: Any) -> Any:
        yield self

    def put_annotation(self, *args: Any, **kwargs: Any) -> None: ...
    def put_metadata(self, *args: Any, **kwargs: Any) -> None: ...
    def patch(self, *args: Any, **kwargs: Any) -> None: ...
    def patch_all(self) -> None: ...
    def close(self, *args: Any, **kwargs: Any) -> None: ...
    def add_subsegment(self, *args: Any, **kwargs: Any) -> None: ...
    def remove_subsegment(self, *args: Any, **kwargs: Any) -> None: ...
    def add_exception(self, *args: Any, **kwargs: Any) -> None: ...


# Powertools' own rule (off outside Lambda, under SAM local, or with POWERTOOLS_TRACE_DISABLED).
# Only botocore is patched: AWS calls are the only calls Steward makes.
tracer = (
    Tracer(service="steward", disabled=True, provider=_Untraced())
    if Tracer._is_tracer_disabled()
    else Tracer(service="steward", patch_modules=["botocore"])
)


def count(name: str, value: int, **dimensions: str) -> None:
    """One EMF metric with its own dimensions (Powertools' Metrics shares dimensions per flush)."""
    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=metrics.namespace) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(name=key, value=dimension)
