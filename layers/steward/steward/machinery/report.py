"""Every decision Steward makes is one structured record; a run's records add up to its summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict

from steward.machinery.observability import count, logger, metrics
from steward.services import central_bus
from steward.vocabulary.service import Service


class Action(StrEnum):
    DELETED = "deleted"
    WOULD_DELETE = "would-delete"
    KEPT = "kept"
    # A deleted CloudHSM backup brought back inside its 7-day window (key-purge undo).
    RESTORED = "restored"
    WOULD_RESTORE = "would-restore"
    # A snapshot copied to keep data that would otherwise be lost (final-snapshot rescue).
    COPIED = "copied"
    # Waiting for a condition (a clean restore point, a cluster to become available).
    PENDING = "pending"


# What the organisation's central bus gets a record of (docs/organisation.md), in dry run too.
DESTRUCTIVE = frozenset({Action.DELETED, Action.WOULD_DELETE})


class Decision(BaseModel):
    """One resource, what Steward did with it, and why."""

    model_config = ConfigDict(frozen=True)

    service: Service
    region: str
    resource_id: str
    action: Action
    reason: str
    detail: str = ""
    source_cluster: str | None = None
    age_days: int | None = None
    # Which kind of the service's resources, where it has more than one (a serverless snapshot).
    kind: str | None = None


def tally(decisions: Iterable[Decision]) -> Counter[tuple[str, str]]:
    return Counter((d.service.value, d.action.value) for d in decisions)


def summarise(counts: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Counts per service and action, e.g. {"redshift": {"deleted": 3, "kept": 1}}."""
    summary: dict[str, dict[str, int]] = {}
    for (service, action), total in sorted(counts.items()):
        summary.setdefault(service, {})[action] = total
    return summary


class Recorded(Protocol):
    """Longer work a run keeps a record of (a key purge), summarised for the run's result."""

    def summary(self) -> dict[str, object]: ...


@dataclass
class RunResult:
    """What one run of any flow did: every decision, the failures beyond them, what it recorded."""

    dry_run: bool
    clock: datetime
    # What started the run: "sweep", "tag-event", "key-removal", ...
    trigger: str = ""
    decisions: list[Decision] = field(default_factory=list)
    # Failures that are not a decision of their own (a record not saved, an alert not sent).
    problems: list[str] = field(default_factory=list)
    purges: list[Recorded] = field(default_factory=list)
    # Decisions logged as they were made (record()): only their counts and failures are kept.
    recorded: Counter[tuple[str, str]] = field(default_factory=Counter)
    recorded_failures: list[str] = field(default_factory=list)
    recorded_deferred: int = 0
    # Destructive records not yet copied to the central bus: sent a PutEvents batch at a time.
    to_central: list[dict[str, object]] = field(default_factory=list)

    def record(self, decision: Decision) -> None:
        """Log a decision the moment it is made and keep only its count, so that a run killed
        at its timeout has logged everything it did, and a long run's memory does not grow."""
        log_decision(decision)
        self.recorded[(decision.service.value, decision.action.value)] += 1
        self.recorded_failures += failed_items([decision])
        self.recorded_deferred += decision.reason == "deferred"
        if decision.action in DESTRUCTIVE:
            self.to_central.append(decision.model_dump(mode="json"))
            if len(self.to_central) >= central_bus.BATCH:
                self.send_to_central()

    def send_to_central(self) -> None:
        if self.to_central and (central := central_bus.configured()) is not None:
            central.send_records(self.to_central, self.dry_run)
        self.to_central = []

    @property
    def counts(self) -> Counter[tuple[str, str]]:
        return tally(self.decisions) + self.recorded

    @property
    def failures(self) -> list[str]:
        return failed_items(self.decisions) + self.recorded_failures + self.problems

    def summary(self) -> dict[str, object]:
        return {
            "dryRun": self.dry_run,
            "clock": self.clock.isoformat(),
            "trigger": self.trigger,
            "counts": summarise(self.counts),
            "failed": len(self.failures),
            "deferred": self.recorded_deferred + sum(1 for d in self.decisions if d.reason == "deferred"),
            "purges": [p.summary() for p in self.purges],
            # Events that asked for nothing to be done, reported as a decision on no resource.
            "notApplicable": [
                {"reason": d.reason, "detail": d.detail} for d in self.decisions if d.resource_id == "-"
            ],
        }


def log_decision(decision: Decision) -> None:
    logger.info("decision", extra={"decision": decision.model_dump(mode="json")})


class ItemsFailed(RuntimeError):
    """Some items failed; everything else was processed. Raised last, so Lambda counts an error
    (errors alarm, failure queue) without the failure stopping the rest of the run."""


class SweepFailed(ItemsFailed):
    """Some items failed; everything else was processed."""


def failed_items(decisions: Iterable[Decision]) -> list[str]:
    return [
        f"{d.service}/{d.resource_id} {d.reason}" + (f" ({d.detail})" if d.detail else "")
        for d in decisions
        if d.reason.startswith("failed:")
    ]


def publish(
    run: str, result: RunResult, *, metric: str, error: type[ItemsFailed] | None = ItemsFailed
) -> None:
    """Log every decision not yet logged, count them all per service and action (EMF), copy the
    destructive ones not yet copied to the central bus (if the stack names one), then fail if any
    item failed (error=None: the run is already ending with an error of its own)."""
    for decision in result.decisions:
        log_decision(decision)
    result.to_central += [d.model_dump(mode="json") for d in result.decisions if d.action in DESTRUCTIVE]
    result.send_to_central()
    for service, actions in summarise(result.counts).items():
        for action, total in actions.items():
            count(metric, total, service=service, action=action)
    failures = result.failures
    metrics.add_metric(name="FailedItems", unit=MetricUnit.Count, value=len(failures))
    logger.info(f"{run} finished", extra={"summary": result.summary(), "problems": result.problems})
    if failures and error is not None:
        raise error(
            f"{len(failures)} item(s) failed, everything else was processed: " + ", ".join(failures[:10])
        )
