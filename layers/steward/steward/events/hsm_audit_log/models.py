"""The CloudWatch Logs subscription delivery from a cluster's audit log group."""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser.models import CloudWatchLogsModel


class HsmAuditLogEvent(CloudWatchLogsModel):
    """A CloudWatch Logs subscription delivery from a CloudHSM cluster's audit log group."""
