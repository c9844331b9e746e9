"""A retention tag beyond what Python's int() reads is one invalid tag, never an aborted sweep
(issue 9, finding 10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from steward.policy.retention import RetentionRules, plan_retention
from steward.vocabulary.backups import Backup
from steward.vocabulary.service import Service

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
RULES = RetentionRules(default_retention_days=30, min_keep=0, revoke_shares=False)


def backup(name: str, age_days: int, tags: dict[str, str]) -> Backup:
    return Backup(
        service=Service.REDSHIFT,
        region="us-east-1",
        id=name,
        source_cluster="dw",
        created=NOW - timedelta(days=age_days),
        ready=True,
        state="available",
        tags=tags,
    )


def test_a_retention_tag_of_more_digits_than_int_reads_is_one_invalid_tag_decision() -> None:
    # Given a backup whose steward:retention-days has 4,301 digits, beside an expired one
    huge = backup("huge", 400, {"steward:retention-days": "9" * 4301})
    expired = backup("expired", 400, {})

    # When the sweep plans
    verdicts = {verdict.backup.id: verdict for verdict in plan_retention([huge, expired], RULES, NOW)}

    # Then the huge value is kept as invalid, and the other backup is still decided
    assert (verdicts["huge"].expired, verdicts["huge"].reason) == (False, "invalid-tag")
    assert verdicts["expired"].reason == "expired"
