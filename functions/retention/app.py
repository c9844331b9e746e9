"""RetentionFunction: on an EventBridge schedule, delete what the retention policy says has expired."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from steward.events.schedule.parser import parse_schedule
from steward.flows import retention
from steward.machinery.observability import logger, metrics, tracer
from steward.machinery.settings import RetentionSettings, load

# Validated at cold start: a bad environment fails here, before anything is listed or deleted.
SETTINGS = load(RetentionSettings)


@logger.inject_lambda_context(log_event=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    schedule = parse_schedule(event)
    result = retention.run(
        schedule, SETTINGS, seconds_left=lambda: context.get_remaining_time_in_millis() / 1000
    )
    return result.summary()
