"""HsmPurgeFunction: when key material leaves a CloudHSM cluster, purge the backups that still hold it.

Triggers: KMS DeleteKey (CloudHSM key store), KMS CMK Deletion, KMS Schedule/CancelKeyDeletion,
a cluster's audit log (CloudWatch Logs subscription), the operator's `steward` events, and a
schedule that advances pending purges. See docs/key-purge.md.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from steward.events.summary import event_summary
from steward.flows import key_purge
from steward.machinery.identity import home_of
from steward.machinery.observability import logger, metrics, tracer
from steward.machinery.settings import KeyPurgeSettings, load

# Validated at cold start: a bad environment fails here, before anything is read or deleted.
SETTINGS = load(KeyPurgeSettings)


# One redacted line per event (events.summary), never the whole event.
@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    logger.info("event received", extra={"event": event_summary(event)})
    # Where this function acts: its own account and region, whatever the event names.
    home = home_of(context, SETTINGS.AWS_REGION)
    request = key_purge.read_event(event, local_region=SETTINGS.AWS_REGION)
    result = key_purge.run(
        request, SETTINGS, home, seconds_left=lambda: context.get_remaining_time_in_millis() / 1000
    )
    return result.summary()
