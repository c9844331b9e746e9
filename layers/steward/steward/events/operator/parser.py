"""The operator's events read into a key removal or a purge undo.

Times are not checked against the clock here (events are pure): the key purge checks removedAt
against its own clock, never against the event's `time`, which the sender chooses.
"""

from __future__ import annotations

from collections.abc import Mapping

from steward.events.key_removal import KeyEventOutcome, KeyRemoval, PurgeUndo
from steward.events.operator.models import OperatorKeyRemovedEvent, OperatorPurgeUndoEvent
from steward.events.outcomes import read_model


def read_key_removed(event: Mapping[str, object], _: str | None) -> list[KeyEventOutcome]:
    parsed = read_model(OperatorKeyRemovedEvent, event)
    detail = parsed.detail
    return [
        KeyRemoval(
            cluster_id=detail.clusterId,
            key_arn=None,
            key_id=None,
            removed_at=detail.removedAt,
            key_created_at=detail.keyCreatedAt,
            immediate=detail.immediate,
            reason=detail.reason,
            trigger="operator",
            region=parsed.region,
            account=parsed.account,
            source_event_id=parsed.id,
            requested_by=detail.requestedBy,
        )
    ]


def read_purge_undo(event: Mapping[str, object], _: str | None) -> list[KeyEventOutcome]:
    parsed = read_model(OperatorPurgeUndoEvent, event)
    return [
        PurgeUndo(
            purge_id=parsed.detail.purgeId,
            requested_at=parsed.time,
            region=parsed.region,
            account=parsed.account,
            source_event_id=parsed.id,
            requested_by=parsed.detail.requestedBy,
        )
    ]
