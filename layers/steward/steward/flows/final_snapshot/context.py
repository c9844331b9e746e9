"""What every path of a final-snapshot run shares: its settings, clock, state, alerts and result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from steward.flows.final_snapshot.stores import Alerts
from steward.machinery.report import Action, Decision, RunResult
from steward.machinery.settings import FinalSnapshotSettings
from steward.policy.rescue import is_inventoried
from steward.services.clients import AwsError, error_code
from steward.services.cluster_state import ClusterState
from steward.vocabulary.clusters import (
    Cluster,
)
from steward.vocabulary.service import Service


@dataclass
class FinalSnapshotRun:
    settings: FinalSnapshotSettings
    clock: datetime
    now: Callable[[], datetime]
    out_of_time: Callable[[], bool]
    state: ClusterState
    alerts: Alerts
    result: RunResult

    # --- shared -------------------------------------------------------------------------------
    def decide(
        self,
        service: Service,
        region: str,
        resource_id: str,
        action: Action,
        reason: str,
        detail: str,
        kind: str | None = None,
    ) -> None:
        self.result.decisions.append(
            Decision(
                service=service,
                region=region,
                resource_id=resource_id,
                action=action,
                reason=reason,
                detail=detail,
                kind=kind,
            )
        )

    def alert(self, subject: str, message: Mapping[str, object]) -> None:
        try:
            self.alerts.notify(subject, {**message, "dryRun": self.settings.DRY_RUN})
        except AwsError as error:
            self.result.problems.append(f"alert '{subject}' not sent: {error_code(error)}")

    def guard_inventory(self, cluster: Cluster, event_tags: Mapping[str, str]) -> None:
        # Errs towards rescuing: the event's guard counts until a sweep reads the live tags.
        tags = {**event_tags, **cluster.tags}
        try:
            if is_inventoried(tags):
                self.state.remember(cluster.service.value, cluster.region, cluster.id, tags, self.clock)
            else:
                self.state.forget(cluster.service.value, cluster.region, cluster.id)
        except AwsError as error:
            self.result.problems.append(f"inventory {cluster.service}/{cluster.id}: {error_code(error)}")
