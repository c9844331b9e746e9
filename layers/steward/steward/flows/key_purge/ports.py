"""What every path of a key-purge run shares: its adapters, its context, how it reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from steward.flows.key_purge.key_registry import KeyRegistry
from steward.machinery.report import Action, Decision, ItemsFailed, RunResult
from steward.machinery.settings import KeyPurgeSettings
from steward.policy.key_purge import (
    PurgeRules,
)
from steward.services.clients import AwsError, error_code
from steward.services.cloudhsm import CloudHsmPurgeTarget
from steward.services.kms import KmsKeys
from steward.services.notifications import Notifications
from steward.services.purge_state import (
    PurgeRecord,
    PurgeState,
    RecordConflict,
)
from steward.vocabulary.service import Service


class PurgeFailed(ItemsFailed):
    """Some items failed and stay pending; everything else was processed. Lambda counts an error."""


# What one outcome or one purge may fail with without stopping the rest of the run.
ItemFailure = (*AwsError, RecordConflict)


def failure_code(error: BaseException) -> str:
    return error_code(error) if isinstance(error, AwsError) else "record-conflict"


@dataclass
class Ports:
    """The adapters a run uses; tests and the demo may pass their own."""

    state: PurgeState
    notifications: Notifications
    hsm: Callable[[str], CloudHsmPurgeTarget] = CloudHsmPurgeTarget
    kms: Callable[[str], KmsKeys] = KmsKeys

    @classmethod
    def for_settings(cls, settings: KeyPurgeSettings) -> Ports:
        return cls(
            state=PurgeState(settings.STATE_TABLE, settings.AWS_REGION),
            notifications=Notifications(settings.NOTIFICATIONS_TOPIC_ARN),
        )


@dataclass
class KeyPurgeRun:
    """One run: its settings, adapters and clock, the result it fills, and the time it has left."""

    settings: KeyPurgeSettings
    ports: Ports
    clock: datetime
    result: RunResult
    seconds_left: Callable[[], float]
    rules: PurgeRules = field(init=False)
    keys: KeyRegistry = field(init=False)

    def __post_init__(self) -> None:
        self.rules = PurgeRules(max_wait=timedelta(hours=self.settings.MAX_WAIT_HOURS))
        self.keys = KeyRegistry(self.ports.state, self.ports.kms, self.clock)

    def failed(self, resource_id: str, region: str, error: BaseException) -> None:
        code = failure_code(error)
        self.result.decisions.append(
            Decision(
                service=Service.CLOUDHSM,
                region=region,
                resource_id=resource_id,
                action=Action.PENDING,
                reason=f"failed:{code}",
                detail="an AWS call failed while handling it; the invocation fails after the rest "
                "so it is retried, and pending purges are re-checked on the schedule",
            )
        )

    def notify(self, subject: str, body: dict[str, object], what: str) -> None:
        """Send one notification; a lost one must not undo what was done and recorded, but it counts."""
        try:
            self.ports.notifications.notify(subject, body)
        except AwsError as error:
            self.result.problems.append(f"{what} notification failed: {error_code(error)}")


def nothing_done(region: str, reason: str, detail: str) -> Decision:
    return Decision(
        service=Service.CLOUDHSM,
        region=region,
        resource_id="-",
        action=Action.KEPT,
        reason=reason,
        detail=detail,
    )


def purge_level(record: PurgeRecord, action: Action, reason: str, detail: str) -> Decision:
    return Decision(
        service=Service.CLOUDHSM,
        region=record.region,
        resource_id=record.purge_id,
        source_cluster=record.cluster_id,
        action=action,
        reason=reason,
        detail=detail,
    )
