"""`KMS CMK Deletion` read into a key removal; the flow finds the key's cluster in its records."""

from __future__ import annotations

from collections.abc import Mapping

from steward.events.key_removal import KeyEventOutcome, KeyRemoval, arn_and_id
from steward.events.kms_cmk_deletion.models import KmsCmkDeletionEvent
from steward.events.outcomes import read_model


def read_cmk_deletion(event: Mapping[str, object], _: str | None) -> list[KeyEventOutcome]:
    parsed = read_model(KmsCmkDeletionEvent, event)
    key_arn = parsed.resources[0] if parsed.resources else None
    if key_arn is not None:
        arn_and_id(key_arn, "resources[0]")
    return [
        KeyRemoval(
            cluster_id=None,
            key_arn=key_arn,
            key_id=parsed.detail.key_id,
            removed_at=parsed.time,
            trigger="kms-cmk-deletion",
            region=parsed.region,
            account=parsed.account,
            source_event_id=parsed.id,
        )
    ]
