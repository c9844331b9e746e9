"""The one Logger, Metrics and Tracer of the process (service name and namespace from the template)."""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

logger = Logger(service="steward")
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Steward"))
tracer = Tracer(service="steward")


def count(name: str, value: int, **dimensions: str) -> None:
    """One EMF metric with its own dimensions (Powertools' Metrics shares dimensions per flush)."""
    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=metrics.namespace) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(name=key, value=dimension)
