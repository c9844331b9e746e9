"""A bad setting reads in words: the variable, the value, what is accepted; never a regex (newcomer 3)."""

from __future__ import annotations

import pytest
from steward.machinery.settings import (
    FinalSnapshotSettings,
    KeyPurgeSettings,
    RetentionSettings,
    SettingsError,
    StewardSettings,
    load,
)

GOOD = {
    "AWS_REGION": "us-east-1",
    "STATE_TABLE": "steward-state",
    "NOTIFICATIONS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:steward-alerts",
}
LIBRARY_PHRASES = (
    "Input should",
    "String should",
    "valid string",
    "input is too short",
    "Extra inputs",
    "^",
    "$",
    "\\d",
)


@pytest.mark.parametrize(
    ("settings", "variable", "value", "accepted"),
    [
        (FinalSnapshotSettings, "DECOMMISSION_PRINCIPALS", "bob", "each an IAM or STS principal ARN such as"),
        (
            FinalSnapshotSettings,
            "STEWARD_ROLE_ARNS",
            "arn:aws:iam::123456789012:user/x",
            "each an IAM role ARN",
        ),
        (KeyPurgeSettings, "AUDIT_LOG_GROUPS", "cluster-1", "each a CloudHSM audit log group such as"),
        (KeyPurgeSettings, "NOTIFICATIONS_TOPIC_ARN", "alerts", "an SNS topic ARN such as"),
        (RetentionSettings, "CENTRAL_EVENT_BUS_ARN", "bus", "an event bus ARN such as"),
        (RetentionSettings, "AWS_REGION", "mars", "an AWS region name such as us-west-2"),
        (RetentionSettings, "STATE_TABLE", "a table", "a DynamoDB table name"),
        (RetentionSettings, "SERVICES", "ec2", "each one of 'elasticache', 'redshift' or 'cloudhsm'"),
    ],
)
def test_a_pattern_error_names_variable_value_and_accepted_in_words(
    monkeypatch: pytest.MonkeyPatch, settings: type[StewardSettings], variable: str, value: str, accepted: str
) -> None:
    for name, good in GOOD.items():
        monkeypatch.setenv(name, good)
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsError) as raised:
        load(settings)

    message = str(raised.value)
    assert f"{variable}={value!r} is not accepted: " in message
    assert accepted in message
    for phrase in LIBRARY_PHRASES:
        assert phrase not in message
