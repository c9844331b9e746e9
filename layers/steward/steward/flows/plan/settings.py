"""A plan's settings: the template's defaults, a deployed stack's parameters, then the operator's flags.

Read into the deployed functions' own settings classes, so a value the stack would refuse at cold
start is refused here too, with the same message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from steward.machinery.settings import FinalSnapshotSettings, RetentionSettings, SettingsError, number_range
from steward.machinery.validation import problems

# template.yaml parameter -> the environment variable the template sets from it.
PARAMETERS = {
    "DefaultRetentionDays": "DEFAULT_RETENTION_DAYS",
    "MinKeep": "MIN_KEEP",
    "RevokeSharedSnapshots": "REVOKE_SHARED_SNAPSHOTS",
    "Services": "SERVICES",
    "FinalSnapshotRetentionDays": "FINAL_SNAPSHOT_RETENTION_DAYS",
    "MinFinalSnapshotRetentionDays": "MIN_FINAL_SNAPSHOT_RETENTION_DAYS",
    "DecommissionPrincipals": "DECOMMISSION_PRINCIPALS",
}
# A plan reads no state table and sends no alert; FinalSnapshotSettings requires both to be named.
UNUSED_TABLE = "steward-plan-reads-no-state"
UNUSED_TOPIC = "arn:aws:sns:us-east-1:000000000000:steward-plan-sends-no-alerts"


@dataclass(frozen=True)
class PlanSettings:
    retention: RetentionSettings
    final_snapshot: FinalSnapshotSettings


def plan_settings(
    stack_parameters: Mapping[str, str],
    flags: Mapping[str, object],
    source: Mapping[str, str],
    region: str,
) -> PlanSettings:
    """`flags` by variable name (None = not given) win over the stack's parameters; DRY_RUN is always on.
    `source` names where each variable came from, for the error message (e.g. --min-keep); `region` is
    the plan's (the functions' AWS_REGION, which Lambda sets: never the operator's environment)."""
    values: dict[str, Any] = {
        PARAMETERS[key]: value for key, value in stack_parameters.items() if key in PARAMETERS
    }
    values |= {name: value for name, value in flags.items() if value is not None}
    values |= {
        "DRY_RUN": True,
        "AWS_REGION": region,
        "STATE_TABLE": UNUSED_TABLE,
        "NOTIFICATIONS_TOPIC_ARN": UNUSED_TOPIC,
    }
    try:
        # model_validate, not the constructor: the operator's own environment is not the stack's.
        return PlanSettings(
            retention=RetentionSettings.model_validate(values),
            final_snapshot=FinalSnapshotSettings.model_validate(values),
        )
    except ValidationError as error:
        found = []
        for problem in problems(error):
            name = problem.field.partition(".")[0]
            accepted = number_range(RetentionSettings, name) or problem.accepted
            found.append(f"{source.get(name, name)} {problem.seen!r}: expected {accepted}")
        raise SettingsError("; ".join(found)) from None
