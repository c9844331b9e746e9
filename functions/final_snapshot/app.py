"""FinalSnapshotFunction: delete clusters tagged steward:delete-after only with a final snapshot,
and rescue the data of clusters tagged steward:final-snapshot=required that someone deleted without one."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from steward.events.summary import event_summary
from steward.flows import final_snapshot
from steward.machinery.identity import home_of
from steward.machinery.observability import logger, metrics, tracer
from steward.machinery.settings import FinalSnapshotSettings, load

# Validated at cold start: a bad environment fails here, before anything is read or deleted.
SETTINGS = load(FinalSnapshotSettings)


# One redacted line per event (events.summary), never the whole event.
@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    logger.info("event received", extra={"event": event_summary(event)})
    # Where this function acts: its own account and region, whatever the event names.
    home = home_of(context, SETTINGS.AWS_REGION)
    # A schedule (sweep), a tag event (decommission now) or a delete event (rescue).
    trigger = final_snapshot.parse_trigger(event)
    result = final_snapshot.run(
        trigger, SETTINGS, home, seconds_left=lambda: context.get_remaining_time_in_millis() / 1000
    )
    return result.summary()
