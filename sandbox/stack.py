"""The stack's own resources, as template.yaml creates them, in the local fake AWS."""

from __future__ import annotations

import boto3

STATE_TABLE = "steward-StateTable"
ALERTS_TOPIC = "steward-AlertsTopic"
# template.yaml's OperatorBus, ${AWS::StackName}-operator: operator events are accepted there only.
OPERATOR_BUS = "steward-operator"
# What template.yaml sets for every function (Globals), and the parameters' defaults.
FUNCTION_ENV = {
    "POWERTOOLS_SERVICE_NAME": "steward",
    "POWERTOOLS_METRICS_NAMESPACE": "Steward",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "DRY_RUN": "true",
    "DEFAULT_RETENTION_DAYS": "0",
    "MIN_KEEP": "1",
    "REVOKE_SHARED_SNAPSHOTS": "false",
    "SERVICES": "elasticache,redshift,cloudhsm",
    "COPY_REGIONS": "",
    "MAX_WAIT_HOURS": "48",
    "PURGE_OPCODES": "CN_DESTROY_OBJECT,CN_TOMBSTONE_OBJECT",
    "FINAL_SNAPSHOT_RETENTION_DAYS": "-1",
    "MIN_FINAL_SNAPSHOT_RETENTION_DAYS": "7",
    "DECOMMISSION_PRINCIPALS": "",
    "OPERATOR_BUS_NAME": OPERATOR_BUS,
    # AuditLogGroups' default: no audit log may start a purge until one is opted in.
    "AUDIT_LOG_GROUPS": "",
}


def stack_resources(region: str) -> dict[str, str]:
    """Create the StateTable, the alerts topic and the operator bus (if not there yet); the functions' env."""
    dynamodb = boto3.client("dynamodb", region_name=region)
    if STATE_TABLE not in dynamodb.list_tables()["TableNames"]:
        dynamodb.create_table(
            TableName=STATE_TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
        )
    topic = boto3.client("sns", region_name=region).create_topic(Name=ALERTS_TOPIC)["TopicArn"]
    events = boto3.client("events", region_name=region)
    if OPERATOR_BUS not in {bus["Name"] for bus in events.list_event_buses()["EventBuses"]}:
        events.create_event_bus(Name=OPERATOR_BUS)
    return {
        **FUNCTION_ENV,
        "AWS_REGION": region,
        "STATE_TABLE": STATE_TABLE,
        "NOTIFICATIONS_TOPIC_ARN": str(topic),
    }
