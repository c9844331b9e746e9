"""The CloudTrail events Steward reacts to, read from the sample events in events/."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from steward.events import outcomes as validation
from steward.events.cluster_changes.models import EVENTS
from steward.events.cluster_changes.parser import ClusterDeleted, ClusterTagged, parse_cluster_event
from steward.events.outcomes import InvalidEvent, NotApplicable
from steward.policy.rescue import is_stewards_own
from steward.vocabulary.service import Service
from steward.vocabulary.tags import DELETE_AFTER

EVENTS_DIR = Path(__file__).resolve().parents[3] / "events"
STEWARD_ROLE = "arn:aws:iam::123456789012:role/steward-FinalSnapshotFunctionRole-1A2B3C4D5E6F"


def sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS_DIR / f"{name}.json").read_text())
    return event


def deleted(event: dict[str, Any]) -> ClusterDeleted:
    result = parse_cluster_event(event)
    assert isinstance(result, ClusterDeleted)
    return result


def tagged(event: dict[str, Any]) -> ClusterTagged:
    result = parse_cluster_event(event)
    assert isinstance(result, ClusterTagged)
    return result


def with_parameters(name: str, **changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(sample(name))
    event["detail"]["requestParameters"].update(changes)
    return event


# --- the table ------------------------------------------------------------------------------


def test_table_covers_every_delete_and_tag_call_steward_reacts_to() -> None:
    assert set(EVENTS) == {
        ("redshift.amazonaws.com", "DeleteCluster"),
        ("elasticache.amazonaws.com", "DeleteCacheCluster"),
        ("elasticache.amazonaws.com", "DeleteReplicationGroup"),
        ("elasticache.amazonaws.com", "DeleteServerlessCache"),
        ("elasticache.amazonaws.com", "AddTagsToResource"),
        ("redshift.amazonaws.com", "CreateTags"),
    }


# --- Redshift DeleteCluster -----------------------------------------------------------------


def test_redshift_delete_skipping_final_snapshot_is_read() -> None:
    result = deleted(sample("redshift-deletecluster-skip-final"))

    assert result.service is Service.REDSHIFT
    assert result.kind == "redshift-cluster"
    assert result.resource_id == "my-dw-instance"
    assert result.region == "us-east-2"
    assert result.account == "123456789012"
    assert result.deleted_at == datetime(2017, 3, 3, 17, 2, 34, tzinfo=UTC)
    assert result.event_id == "59bcc3ce-e635-4cce-b47f-3419a36b3fa5"


def test_redshift_skip_final_snapshot_true_means_no_final_snapshot() -> None:
    result = deleted(sample("redshift-deletecluster-skip-final"))

    assert result.skipped_final_snapshot is True
    assert result.final_snapshot_name is None


def test_redshift_delete_with_final_snapshot_carries_its_name_and_retention() -> None:
    result = deleted(sample("redshift-deletecluster-with-final"))

    assert result.skipped_final_snapshot is False
    assert result.final_snapshot_name == "my-dw-instance-final-20261121t093000z"
    assert result.final_snapshot_retention_days == 30


def test_redshift_absent_skip_flag_means_false() -> None:
    event = sample("redshift-deletecluster-with-final")
    del event["detail"]["requestParameters"]["skipFinalClusterSnapshot"]

    assert deleted(event).final_snapshot_name == "my-dw-instance-final-20261121t093000z"


def test_redshift_skip_flag_wins_over_a_snapshot_name() -> None:
    event = with_parameters("redshift-deletecluster-with-final", skipFinalClusterSnapshot=True)

    assert deleted(event).skipped_final_snapshot is True


def test_iam_user_actor_is_its_arn() -> None:
    result = deleted(sample("redshift-deletecluster-skip-final"))

    assert result.actor == "arn:aws:iam::123456789012:user/Admin"
    assert result.actor_role_arn is None


def test_assumed_role_actor_keeps_session_and_role() -> None:
    result = deleted(sample("redshift-deletecluster-with-final"))

    assert result.actor.startswith("arn:aws:sts::123456789012:assumed-role/")
    assert result.actor_role_arn == STEWARD_ROLE


def test_actor_falls_back_to_principal_id() -> None:
    event = sample("redshift-deletecluster-skip-final")
    del event["detail"]["userIdentity"]["arn"]

    assert deleted(event).actor == "AIDAMVNPBQA3EXAMPLE"


# --- ElastiCache deletes --------------------------------------------------------------------


def test_cache_cluster_delete_without_final_snapshot() -> None:
    result = deleted(sample("elasticache-deletecachecluster-no-final"))

    assert result.service is Service.ELASTICACHE
    assert result.kind == "elasticache-cluster"
    assert result.resource_id == "my-redis"
    assert result.skipped_final_snapshot is True
    assert result.final_snapshot_name is None


def test_cache_cluster_delete_with_final_snapshot() -> None:
    event = with_parameters(
        "elasticache-deletecachecluster-no-final", finalSnapshotIdentifier="my-redis-final"
    )

    result = deleted(event)

    assert result.final_snapshot_name == "my-redis-final"
    assert result.skipped_final_snapshot is False


def test_replication_group_delete_without_final_snapshot() -> None:
    result = deleted(sample("elasticache-deletereplicationgroup-no-final"))

    assert result.kind == "elasticache-replication-group"
    assert result.resource_id == "redis-production"
    assert result.skipped_final_snapshot is True
    assert result.primary_retained is False


def test_replication_group_delete_retaining_primary_is_flagged() -> None:
    event = with_parameters(
        "elasticache-deletereplicationgroup-no-final", retainPrimaryCluster=True
    )

    assert deleted(event).primary_retained is True


def test_serverless_cache_delete_reads_final_snapshot_name() -> None:
    event = with_parameters(
        "elasticache-deleteserverlesscache-no-final", finalSnapshotName="sessions-cache-final"
    )

    result = deleted(event)

    assert result.kind == "elasticache-serverless"
    assert result.resource_id == "sessions-cache"
    assert result.final_snapshot_name == "sessions-cache-final"


def test_serverless_cache_delete_without_final_snapshot() -> None:
    assert deleted(sample("elasticache-deleteserverlesscache-no-final")).skipped_final_snapshot


def test_empty_final_snapshot_name_counts_as_skipped() -> None:
    event = with_parameters("elasticache-deletecachecluster-no-final", finalSnapshotIdentifier="")

    assert deleted(event).skipped_final_snapshot is True


# --- tags -----------------------------------------------------------------------------------


def test_elasticache_tags_on_a_replication_group() -> None:
    result = tagged(sample("elasticache-addtags-delete-after"))

    assert result.kind == "elasticache-replication-group"
    assert result.resource_id == "redis-production"
    assert result.region == "us-east-1"
    assert result.tags == {DELETE_AFTER: "now"}


def test_redshift_tags_on_a_cluster() -> None:
    result = tagged(sample("redshift-createtags-delete-after"))

    assert result.kind == "redshift-cluster"
    assert result.resource_id == "my-dw-instance"
    assert result.tags == {DELETE_AFTER: "2026-12-01"}


def test_capitalised_tag_members_are_accepted() -> None:
    event = with_parameters(
        "redshift-createtags-delete-after", tags=[{"Key": DELETE_AFTER, "Value": "now"}]
    )

    assert tagged(event).tags == {DELETE_AFTER: "now"}


def test_null_tag_value_reads_as_empty() -> None:
    event = with_parameters(
        "elasticache-addtags-delete-after", tags=[{"key": "steward:hold", "value": None}]
    )

    assert tagged(event).tags == {"steward:hold": ""}


@pytest.mark.parametrize(
    ("arn", "kind", "resource_id"),
    [
        (
            "arn:aws:elasticache:us-east-1:123456789012:cluster:my-redis",
            "elasticache-cluster",
            "my-redis",
        ),
        (
            "arn:aws:elasticache:us-east-1:123456789012:serverlesscache:sessions-cache",
            "elasticache-serverless",
            "sessions-cache",
        ),
    ],
)
def test_elasticache_arn_kinds(arn: str, kind: str, resource_id: str) -> None:
    result = tagged(with_parameters("elasticache-addtags-delete-after", resourceName=arn))

    assert (result.kind, result.resource_id) == (kind, resource_id)


def test_tags_on_a_snapshot_are_not_applicable() -> None:
    event = with_parameters(
        "elasticache-addtags-delete-after",
        resourceName="arn:aws:elasticache:us-east-1:123456789012:snapshot:my-redis-final",
    )

    result = parse_cluster_event(event)

    assert isinstance(result, NotApplicable)
    assert result.reason == "not-a-cluster"


def test_tags_on_a_redshift_snapshot_are_not_applicable() -> None:
    event = with_parameters(
        "redshift-createtags-delete-after",
        resourceName="arn:aws:redshift:us-east-1:123456789012:snapshot:my-dw-instance/final",
    )

    assert isinstance(parse_cluster_event(event), NotApplicable)


def test_tag_arn_of_another_service_is_invalid() -> None:
    event = with_parameters(
        "redshift-createtags-delete-after",
        resourceName="arn:aws:elasticache:us-east-1:123456789012:cluster:my-redis",
    )

    with pytest.raises(InvalidEvent, match=r"requestParameters\.resourceName"):
        parse_cluster_event(event)


# --- what Steward ignores or refuses ---------------------------------------------------------


def test_failed_call_is_not_applicable() -> None:
    event = sample("elasticache-deletereplicationgroup-no-final")
    event["detail"]["errorCode"] = "InvalidReplicationGroupState"
    event["detail"]["errorMessage"] = "Replication group redis-production is not available."

    result = parse_cluster_event(event)

    assert isinstance(result, NotApplicable)
    assert result.reason == "failed-call"
    assert "InvalidReplicationGroupState" in result.detail


def test_unknown_event_name_is_invalid_and_lists_what_is_accepted() -> None:
    event = sample("redshift-deletecluster-skip-final")
    event["detail"]["eventName"] = "CreateCluster"

    with pytest.raises(InvalidEvent, match="CreateCluster") as raised:
        parse_cluster_event(event)

    assert "redshift.amazonaws.com DeleteCluster" in str(raised.value)


def test_other_detail_type_is_invalid() -> None:
    event = sample("redshift-deletecluster-skip-final")
    event["detail-type"] = "Scheduled Event"

    with pytest.raises(InvalidEvent, match="detail-type") as raised:
        parse_cluster_event(event)

    assert "AWS API Call via CloudTrail" in str(raised.value)


def test_missing_resource_id_names_the_field() -> None:
    event = sample("redshift-deletecluster-skip-final")
    del event["detail"]["requestParameters"]["clusterIdentifier"]

    with pytest.raises(InvalidEvent, match=r"detail\.requestParameters\.clusterIdentifier"):
        parse_cluster_event(event)


def test_null_request_parameters_are_invalid() -> None:
    event = sample("elasticache-deletecachecluster-no-final")
    event["detail"]["requestParameters"] = None

    with pytest.raises(InvalidEvent, match="cacheClusterId"):
        parse_cluster_event(event)


def test_wrongly_typed_value_is_reported_with_the_value_seen() -> None:
    event = with_parameters(
        "redshift-deletecluster-with-final", finalClusterSnapshotRetentionPeriod="forever"
    )

    with pytest.raises(InvalidEvent, match="'forever'"):
        parse_cluster_event(event)


def test_invalid_event_is_a_value_error_and_the_shared_event_error() -> None:
    assert issubclass(InvalidEvent, ValueError)
    assert issubclass(InvalidEvent, validation.InvalidEvent)


# --- Steward's own deletes -------------------------------------------------------------------


def test_stewards_role_deleting_with_final_snapshot_is_its_own() -> None:
    result = deleted(sample("redshift-deletecluster-with-final"))

    assert is_stewards_own(result, {STEWARD_ROLE})


def test_another_role_deleting_is_not_stewards() -> None:
    result = deleted(sample("redshift-deletecluster-with-final"))

    assert not is_stewards_own(result, {"arn:aws:iam::123456789012:role/other"})


def test_stewards_role_deleting_without_final_snapshot_is_not_its_own() -> None:
    event = with_parameters("redshift-deletecluster-with-final", skipFinalClusterSnapshot=True)

    assert not is_stewards_own(deleted(event), {STEWARD_ROLE})


def test_iam_user_is_never_steward() -> None:
    assert not is_stewards_own(deleted(sample("redshift-deletecluster-skip-final")), {STEWARD_ROLE})
