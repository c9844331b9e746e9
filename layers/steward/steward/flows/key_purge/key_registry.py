"""Which CloudHSM cluster a KMS key's material lives in, remembered while KMS can still say.

`KMS CMK Deletion` names only the key, and DescribeKey fails once the key is gone, so Steward
records key → cluster when ScheduleKeyDeletion is called and forgets it when the deletion is
cancelled. A removal then resolves its cluster from the event, that record, or DescribeKey.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from steward.events.key_removal import KeyDeletionCancelled, KeyDeletionScheduled, KeyRemoval, key_arn_for
from steward.events.outcomes import NotApplicable
from steward.machinery.report import Action, Decision
from steward.policy.key_purge import at
from steward.services.kms import HsmKey, KeyNotFound, KmsKeys
from steward.services.purge_state import KeyRecord, PurgeState
from steward.vocabulary.service import Service

# How long a scheduled key's record outlives its deletion date (KMS may deliver late).
KEY_RECORD_KEPT = timedelta(days=30)
# KMS's default waiting period, when the event does not say when the key goes.
DEFAULT_PENDING_WINDOW = timedelta(days=30)


class KeyRegistry:
    def __init__(self, state: PurgeState, kms: Callable[[str], KmsKeys], clock: datetime) -> None:
        self.state = state
        self.kms = kms
        self.clock = clock

    def scheduled(self, scheduled: KeyDeletionScheduled) -> Decision | NotApplicable:
        """Record the key's cluster while DescribeKey still knows it."""
        key = scheduled.key_arn or scheduled.key_id
        try:
            described = self.kms(scheduled.region).describe(key)
        except KeyNotFound:
            return NotApplicable(reason="unknown-key", detail=f"DescribeKey does not know {key}")
        if not isinstance(described, HsmKey):
            return NotApplicable(
                reason="not-in-cloudhsm-key-store",
                detail=f"{described.arn} (origin {described.origin}) is not in an AWS CloudHSM key "
                "store: no CloudHSM backup holds it",
            )
        deletion = scheduled.deletion_date or self.clock + DEFAULT_PENDING_WINDOW
        # Recorded in a dry run too: it changes nothing in AWS, and lets the dry run show the purge.
        self.state.record_key(
            KeyRecord(
                key_arn=described.arn,
                key_id=described.key_id,
                cluster_id=described.cluster_id,
                key_store_id=described.key_store_id,
                key_created_at=described.created,
                region=scheduled.region,
                deletion_date=scheduled.deletion_date,
                scheduled_by_event=scheduled.source_event_id,
                expires_at=int((deletion + KEY_RECORD_KEPT).timestamp()),
            )
        )
        return _key_decision(
            scheduled.region,
            described.arn,
            described.cluster_id,
            "key-recorded",
            f"deletion scheduled for {at(scheduled.deletion_date)}; key created "
            f"{at(described.created)} in {described.key_store_id}: its deletion will purge "
            f"the backups of {described.cluster_id} that hold it",
        )

    def cancelled(self, cancelled: KeyDeletionCancelled) -> Decision:
        arn = cancelled.key_arn or key_arn_for(cancelled.region, cancelled.account, cancelled.key_id)
        self.state.forget_key(arn)
        return _key_decision(
            cancelled.region,
            arn,
            None,
            "key-forgotten",
            "deletion cancelled: the key stays, so nothing will be purged for it",
        )

    def resolve(self, removal: KeyRemoval) -> tuple[str, datetime | None] | NotApplicable:
        """The removal's cluster and key creation date, from the event or from the key's record."""
        key_arn = removal.key_arn or (
            key_arn_for(removal.region, removal.account, removal.key_id) if removal.key_id else None
        )
        recorded = self.state.key(key_arn) if key_arn else None
        cluster_id = removal.cluster_id or (recorded.cluster_id if recorded else None)
        key_created_at = removal.key_created_at or (recorded.key_created_at if recorded else None)
        if cluster_id is None and key_arn is not None:
            try:
                described = self.kms(removal.region).describe(key_arn)
            except KeyNotFound:
                described = None
            if isinstance(described, HsmKey):
                return described.cluster_id, key_created_at or described.created
            if described is not None:
                return NotApplicable(
                    reason="not-in-cloudhsm-key-store",
                    detail=f"{key_arn} (origin {described.origin}) is not in an AWS CloudHSM key store",
                )
        if cluster_id is None:
            return NotApplicable(
                reason="key-cluster-unknown",
                detail=f"{key_arn or removal.key_id} was deleted ({removal.trigger}) but Steward has no "
                "record of it being in a CloudHSM key store (recorded when ScheduleKeyDeletion is "
                "called) and KMS no longer knows it. If it was, send a 'CloudHSM Key Removed' event "
                "for its cluster (steward key-removed --cluster-id ...)",
            )
        return cluster_id, key_created_at


def _key_decision(region: str, key_arn: str, cluster: str | None, reason: str, detail: str) -> Decision:
    return Decision(
        service=Service.CLOUDHSM,
        region=region,
        resource_id=key_arn,
        source_cluster=cluster,
        action=Action.KEPT,
        reason=reason,
        detail=detail,
    )
