"""fakeaws.cloudhsm through real boto3 calls against moto."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import ACCOUNT, OTHER_REGION, REGION

from fakeaws import cloudhsm as fh


def hsm_cluster(hsm: Any) -> str:
    cluster = hsm.create_cluster(HsmType="hsm2m.medium", SubnetIds=["subnet-0a1b2c3d"])["Cluster"]
    return str(cluster["ClusterId"])


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_ids_and_arns_follow_aws_patterns(hsm: Any) -> None:
    cluster_id = hsm_cluster(hsm)
    [backup] = hsm.describe_backups()["Backups"]
    assert re.fullmatch(r"cluster-[2-7a-z]{11}", cluster_id)
    assert re.fullmatch(r"backup-[2-7a-z]{11}", backup["BackupId"])
    assert backup["BackupArn"] == f"arn:aws:cloudhsm:{REGION}:{ACCOUNT}:backup/{backup['BackupId']}"
    assert backup["ClusterId"] == cluster_id
    assert backup["NeverExpires"] is False


def test_describe_backups_pages_and_sorts(hsm: Any) -> None:
    cluster_id = hsm_cluster(hsm)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for day in range(5):
        fh.add_backup(ACCOUNT, REGION, cluster_id, base + timedelta(days=day))
    pages = list(
        hsm.get_paginator("describe_backups").paginate(
            Filters={"clusterIds": [cluster_id]},
            SortAscending=True,
            PaginationConfig={"PageSize": 2},
        )
    )
    assert [len(p["Backups"]) for p in pages] == [2, 2, 2]
    stamps = [b["CreateTimestamp"] for p in pages for b in p["Backups"]]
    assert stamps == sorted(stamps)
    newest_first = hsm.describe_backups(MaxResults=1)["Backups"][0]["CreateTimestamp"]
    assert newest_first == max(stamps)


def test_describe_backups_rejects_max_results_over_50(hsm: Any) -> None:
    with pytest.raises(ClientError) as exc:
        hsm.describe_backups(MaxResults=51)
    assert code(exc) == "CloudHsmInvalidRequestException"


def test_describe_backups_filters_states_and_never_expires(hsm: Any) -> None:
    cluster_id = hsm_cluster(hsm)
    keep = fh.add_backup(
        ACCOUNT, REGION, cluster_id, datetime(2024, 1, 1, tzinfo=UTC), never_expires=True
    )
    pending = fh.add_backup(
        ACCOUNT, REGION, cluster_id, datetime(2024, 1, 2, tzinfo=UTC), state="PENDING_DELETION"
    )
    never = hsm.describe_backups(Filters={"neverExpires": ["true"]})["Backups"]
    assert [b["BackupId"] for b in never] == [keep]
    states = hsm.describe_backups(Filters={"states": ["PENDING_DELETION"]})["Backups"]
    assert [b["BackupId"] for b in states] == [pending]


def test_delete_backup_moves_ready_to_pending_deletion_for_7_days(hsm: Any) -> None:
    cluster_id = hsm_cluster(hsm)
    backup_id = fh.add_backup(ACCOUNT, REGION, cluster_id, datetime(2024, 1, 1, tzinfo=UTC))
    backup = hsm.delete_backup(BackupId=backup_id)["Backup"]
    assert backup["BackupState"] == "PENDING_DELETION"
    expected = datetime.now(UTC) + timedelta(days=7)
    assert abs((backup["DeleteTimestamp"] - expected).total_seconds()) < 60


def test_delete_backup_allows_never_expires_backups(hsm: Any) -> None:
    cluster_id = hsm_cluster(hsm)
    backup_id = fh.add_backup(
        ACCOUNT, REGION, cluster_id, datetime(2024, 1, 1, tzinfo=UTC), never_expires=True
    )
    assert hsm.delete_backup(BackupId=backup_id)["Backup"]["BackupState"] == "PENDING_DELETION"


def test_delete_backup_not_ready_is_invalid_request(hsm: Any) -> None:
    cluster_id = hsm_cluster(hsm)
    backup_id = fh.add_backup(ACCOUNT, REGION, cluster_id, datetime(2024, 1, 1, tzinfo=UTC))
    hsm.delete_backup(BackupId=backup_id)
    with pytest.raises(hsm.exceptions.CloudHsmInvalidRequestException) as exc:
        hsm.delete_backup(BackupId=backup_id)
    assert code(exc) == "CloudHsmInvalidRequestException"


def test_delete_unknown_backup_is_not_found(hsm: Any) -> None:
    with pytest.raises(ClientError) as exc:
        hsm.delete_backup(BackupId="backup-aaaaaaaaaaa")
    assert code(exc) == "CloudHsmResourceNotFoundException"


def test_restore_backup_within_window_makes_it_ready(hsm: Any) -> None:
    cluster_id = hsm_cluster(hsm)
    backup_id = fh.add_backup(ACCOUNT, REGION, cluster_id, datetime(2024, 1, 1, tzinfo=UTC))
    hsm.delete_backup(BackupId=backup_id)
    backup = hsm.restore_backup(BackupId=backup_id)["Backup"]
    assert backup["BackupState"] == "READY"
    assert "DeleteTimestamp" not in backup


def test_expired_pending_deletion_reads_deleted_and_cannot_be_restored(hsm: Any) -> None:
    cluster_id = hsm_cluster(hsm)
    backup_id = fh.add_backup(ACCOUNT, REGION, cluster_id, datetime(2024, 1, 1, tzinfo=UTC))
    fh.set_backup_state(
        ACCOUNT,
        REGION,
        backup_id,
        "PENDING_DELETION",
        delete_timestamp=datetime.now(UTC) - timedelta(hours=1),
    )
    [backup] = hsm.describe_backups(Filters={"backupIds": [backup_id]})["Backups"]
    assert backup["BackupState"] == "DELETED"
    with pytest.raises(ClientError) as exc:
        hsm.restore_backup(BackupId=backup_id)
    assert code(exc) == "CloudHsmInvalidRequestException"


def test_restore_ready_backup_is_invalid_request(hsm: Any) -> None:
    cluster_id = hsm_cluster(hsm)
    backup_id = fh.add_backup(ACCOUNT, REGION, cluster_id, datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(ClientError) as exc:
        hsm.restore_backup(BackupId=backup_id)
    assert code(exc) == "CloudHsmInvalidRequestException"


def test_copy_backup_to_region_creates_a_copy_carrying_its_source_cluster_id(hsm: Any) -> None:
    cluster_id = hsm_cluster(hsm)
    created = datetime(2024, 1, 1, tzinfo=UTC)
    backup_id = fh.add_backup(ACCOUNT, REGION, cluster_id, created, tags={"team": "a"})
    dest = hsm.copy_backup_to_region(DestinationRegion=OTHER_REGION, BackupId=backup_id)
    assert dest["DestinationBackup"] == {
        "CreateTimestamp": created,
        "SourceRegion": REGION,
        "SourceBackup": backup_id,
        "SourceCluster": cluster_id,
    }
    other = boto3.client("cloudhsmv2", region_name=OTHER_REGION)
    [copy] = other.describe_backups(Filters={"sourceBackupIds": [backup_id]})["Backups"]
    # The API reference: every backup object contains ClusterId; a copy's is its source cluster's.
    assert copy["ClusterId"] == cluster_id
    assert copy["BackupState"] == "READY"
    assert copy["CreateTimestamp"] == created
    assert copy["CopyTimestamp"] > created
    assert copy["TagList"] == [{"Key": "team", "Value": "a"}]
    assert copy["BackupArn"].startswith(f"arn:aws:cloudhsm:{OTHER_REGION}:{ACCOUNT}:backup/backup-")


def test_copy_backup_to_region_uses_given_tags(hsm: Any) -> None:
    cluster_id = hsm_cluster(hsm)
    backup_id = fh.add_backup(
        ACCOUNT, REGION, cluster_id, datetime(2024, 1, 1, tzinfo=UTC), tags={"a": "1"}
    )
    hsm.copy_backup_to_region(
        DestinationRegion=OTHER_REGION, BackupId=backup_id, TagList=[{"Key": "b", "Value": "2"}]
    )
    other = boto3.client("cloudhsmv2", region_name=OTHER_REGION)
    [copy] = other.describe_backups(Filters={"sourceBackupIds": [backup_id]})["Backups"]
    assert copy["TagList"] == [{"Key": "b", "Value": "2"}]


def test_modify_backup_attributes_sets_never_expires(hsm: Any) -> None:
    cluster_id = hsm_cluster(hsm)
    backup_id = fh.add_backup(ACCOUNT, REGION, cluster_id, datetime(2024, 1, 1, tzinfo=UTC))
    backup = hsm.modify_backup_attributes(BackupId=backup_id, NeverExpires=True)["Backup"]
    assert backup["NeverExpires"] is True


def test_cluster_from_backup_records_source_backup_id(hsm: Any) -> None:
    cluster_id = hsm_cluster(hsm)
    backup_id = fh.add_backup(ACCOUNT, REGION, cluster_id, datetime(2024, 1, 1, tzinfo=UTC))
    restored = fh.create_cluster_from_backup(ACCOUNT, REGION, backup_id)
    [cluster] = hsm.describe_clusters(Filters={"clusterIds": [restored]})["Clusters"]
    assert cluster["SourceBackupId"] == backup_id



def test_create_hsm_adds_an_hsm_with_a_real_id_to_its_cluster_listing(hsm: Any) -> None:
    # Given a cluster
    cluster = hsm.create_cluster(HsmType="hsm2m.medium", SubnetIds=["subnet-0a1b2c3d"])["Cluster"]

    # When an HSM is created in it
    created = hsm.create_hsm(ClusterId=cluster["ClusterId"], AvailabilityZone="us-east-1a")["Hsm"]

    # Then its id follows the model's pattern and DescribeClusters lists it, with an aware timestamp
    assert re.fullmatch(r"hsm-[2-7a-z]{11}", created["HsmId"])
    [listed] = hsm.describe_clusters()["Clusters"]
    assert [h["HsmId"] for h in listed["Hsms"]] == [created["HsmId"]]
    assert listed["CreateTimestamp"].tzinfo is not None


def test_create_hsm_in_an_unknown_cluster_is_not_found(hsm: Any) -> None:
    with pytest.raises(ClientError) as raised:
        hsm.create_hsm(ClusterId="cluster-abcdefghijk", AvailabilityZone="us-east-1a")
    assert raised.value.response["Error"]["Code"] == "CloudHsmResourceNotFoundException"
