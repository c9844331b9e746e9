"""RetentionFunction: on an EventBridge schedule, delete what the retention policy says has expired."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from steward.events.schedule.parser import parse_schedule
from steward.events.summary import event_summary
from steward.flows import retention
from steward.machinery.identity import home_of
from steward.machinery.observability import logger, metrics, tracer
from steward.machinery.settings import RetentionSettings, load

# Validated at cold start: a bad environment fails here, before anything is listed or deleted.
SETTINGS = load(RetentionSettings)


# One redacted line per event (events.summary), never the whole event.
@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    logger.info("event received", extra={"event": event_summary(event)})
    # Where this function acts: its own account and region, whatever the event names.
    home = home_of(context, SETTINGS.AWS_REGION)
    schedule = parse_schedule(event)
    result = retention.run(
        schedule, SETTINGS, home, seconds_left=lambda: context.get_remaining_time_in_millis() / 1000
    )
    return result.summary()
