"""Who may start a purge: only this account and region, removals in the past, the cluster's own HSMs.

Every refusal changes nothing, is a decision with its reason, and alerts: each of these is what a
forged event looks like (docs/security.md, principals 1, 3 and 6).
"""

from __future__ import annotations

from datetime import datetime

from steward.events.key_removal import (
    KEY_ARN,
    KeyDeletionCancelled,
    KeyDeletionScheduled,
    KeyRemoval,
    PurgeUndo,
)
from steward.events.operator.models import removed_by
from steward.flows.key_purge.ports import KeyPurgeRun, nothing_done
from steward.machinery.observability import count
from steward.policy.origin import Foreign, foreign_origin
from steward.vocabulary.home import Home
from steward.vocabulary.hsm import HsmCluster

KeyEvent = KeyRemoval | KeyDeletionScheduled | KeyDeletionCancelled | PurgeUndo


def origin_refusal(event: KeyEvent, home: Home) -> Foreign | None:
    """Operator events may come from other accounts (the operator bus's policy decides); no others."""
    operator = isinstance(event, PurgeUndo) or (isinstance(event, KeyRemoval) and event.trigger == "operator")
    foreign = foreign_origin(event.account, event.region, home, other_accounts=operator)
    key = KEY_ARN.fullmatch(getattr(event, "key_arn", None) or "")
    if foreign is None and key is not None:
        # The key a KMS event names must be this account's and region's too.
        foreign = foreign_origin(key["account"], key["region"], home)
    return foreign


def future_removal(removal: KeyRemoval, now: datetime) -> Foreign | None:
    """A removal later than the function's own clock (plus skew), whatever the event's `time` says."""
    try:
        removed_by(removal.removed_at, now)
    except ValueError as error:
        return Foreign(
            "future-removal", f"removal time {removal.removed_at.isoformat()} refused: expected {error}"
        )
    return None


def audit_line_refusal(
    removal: KeyRemoval, cluster: HsmCluster | None, opted_in: list[str], now: datetime
) -> Foreign | None:
    """An audit-log line counts only from an opted-in group, an HSM of the cluster, in its lifetime."""
    where = f"log group {removal.log_group}, stream {removal.log_stream}"
    if removal.log_group not in opted_in:
        accepted = ", ".join(opted_in) or "none (AuditLogGroups is empty)"
        return Foreign("log-group-not-opted-in", f"{where}: not an opted-in audit log group ({accepted})")
    if cluster is None:
        return Foreign(
            "not-an-hsm-of-the-cluster",
            f"{where}: cluster {removal.cluster_id} is not listed in {removal.region}, "
            "so its HSMs cannot be checked",
        )
    if removal.log_stream not in cluster.hsm_ids:
        hsms = ", ".join(cluster.hsm_ids) or "none"
        return Foreign(
            "not-an-hsm-of-the-cluster",
            f"{where}: the stream is not an HSM of {cluster.id} (its HSMs: {hsms})",
        )
    if cluster.created is None or not cluster.created <= removal.removed_at <= now:
        return Foreign(
            "outside-the-clusters-lifetime",
            f"{where}: removal time {removal.removed_at.isoformat()} is not between the cluster's creation "
            f"({cluster.created.isoformat() if cluster.created else 'unknown'}) and now ({now.isoformat()})",
        )
    return None


def refuse(run: KeyPurgeRun, event: KeyEvent, foreign: Foreign) -> None:
    """Record the refusal, count it and alert; nothing else happens for this event."""
    trigger = event.trigger if isinstance(event, KeyRemoval) else type(event).__name__
    run.result.decisions.append(
        nothing_done(
            run.settings.AWS_REGION,
            foreign.reason,
            f"{trigger} event {event.source_event_id} refused, nothing changed: {foreign.detail}",
        )
    )
    count("KeyPurgeEvents", 1, outcome="refused", reason=foreign.reason)
    body: dict[str, object] = {
        "refused": foreign.reason,
        "detail": foreign.detail,
        "trigger": trigger,
        "eventId": event.source_event_id,
        "eventAccount": event.account,
        "eventRegion": event.region,
    }
    if isinstance(event, KeyRemoval):
        body.update(
            cluster=event.cluster_id, removedAt=event.removed_at.isoformat(), requestedBy=event.requested_by
        )
    run.notify(
        f"Steward refused a key event that looks forged: {foreign.reason}",
        body,
        f"{event.source_event_id} refusal",
    )
