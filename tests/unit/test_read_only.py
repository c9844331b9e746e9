"""Plan mode cannot be bypassed: every client comes from services/clients.py, which guards it, and
the allow-list holds reads only."""

from __future__ import annotations

import ast
import re

import pytest
from botocore.exceptions import BotoCoreError
from steward.services import clients, read_only

from tests.unit.test_layering import MODULES

# The ways to get a boto3 client or resource without clients.py.
CLIENT_MAKERS = {"client", "resource", "Session"}


def test_no_module_but_clients_makes_an_aws_client() -> None:
    makers = set()
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in CLIENT_MAKERS
                and isinstance(node.value, ast.Name)
                and node.value.id in {"boto3", "botocore", "session"}
            ):
                makers.add(name)
            imported = {a.name for a in node.names} if isinstance(node, ast.ImportFrom) else set()
            if imported & (CLIENT_MAKERS | {"get_session"}) and node.module.startswith(("boto3", "botocore")):
                makers.add(name)
    assert makers == {"steward.services.clients"}


def test_the_allow_list_holds_only_reads() -> None:
    names = [op for ops in read_only.READS.values() for op in ops]
    assert names
    # DynamoDB's Query reads one partition (the last-known cluster tags).
    assert [op for op in names if not re.match(r"^((Describe|List|Get)[A-Z]|Query$)", op)] == []


def test_every_client_refuses_a_write_in_plan_mode_and_sends_it_otherwise(aws: None) -> None:
    redshift = clients.client("redshift", "us-east-1")
    read_only.enable()
    with pytest.raises(read_only.WriteRefused) as refused:
        redshift.delete_cluster_snapshot(SnapshotIdentifier="analytics-70d")
    assert isinstance(refused.value, BotoCoreError)  # reported like any AWS failure: named, counted
    assert (
        str(refused.value) == "plan mode is read-only: redshift:DeleteClusterSnapshot is not a read, not sent"
    )
    # A client created after plan mode was switched on is guarded too.
    with pytest.raises(read_only.WriteRefused, match="cloudhsmv2:DeleteBackup"):
        clients.client("cloudhsmv2", "eu-west-1").delete_backup(BackupId="backup-abcdefghijk")
    assert redshift.describe_cluster_snapshots()["Snapshots"] == []  # reads still go through

    read_only.disable()
    with pytest.raises(redshift.exceptions.ClusterSnapshotNotFoundFault):
        redshift.delete_cluster_snapshot(SnapshotIdentifier="analytics-70d")  # sent: AWS answers


def test_the_observer_sees_every_read_with_its_region(aws: None) -> None:
    seen: list[tuple[str, str, str]] = []
    read_only.enable(lambda *call: seen.append(call))
    clients.client("elasticache", "eu-west-1").describe_snapshots()
    read_only.disable()
    assert seen == [("elasticache", "DescribeSnapshots", "eu-west-1")]
