"""Every record Steward writes to the StateTable reads back equal, whichever optional field is empty.

Finding 4 of issue 9: a ScheduleKeyDeletion without `deletionDate` saved a key record that could
not be read back, and the later `KMS CMK Deletion` crashed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from steward.services import clients
from steward.services.cluster_state import ClusterState, InventoryRecord, PendingTags
from steward.services.purge_state import (
    FlaggedClusterRecord,
    KeyRecord,
    PendingBackup,
    PurgedBackup,
    PurgeRecord,
    PurgeState,
)

from sandbox.stack import STATE_TABLE, stack_resources

REGION = "us-east-1"
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
# Stored at microsecond precision, in UTC, as Steward writes every moment.
moments = st.integers(min_value=0, max_value=10**6).map(lambda s: EPOCH + timedelta(seconds=s))
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=20)
maybe_words = st.none() | st.just("") | words
PROFILE = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def table() -> Iterator[None]:
    clients.reset()
    with mock_aws():
        stack_resources(REGION)
        yield
    clients.reset()


purged = st.builds(PurgedBackup, backup_id=words, region=words, restorable_until=st.none() | moments)
purge_records = st.builds(
    PurgeRecord,
    purge_id=words,
    removal_id=words,
    cluster_id=words,
    region=words,
    trigger=words,
    key=maybe_words,
    removed_at=moments,
    key_created_at=st.none() | moments,
    reason=maybe_words,
    opcode=st.none() | st.sampled_from(["CN_DESTROY_OBJECT", "CN_TOMBSTONE_OBJECT"]),
    dry_run=st.booleans(),
    status=st.sampled_from(["pending", "done", "undone", "dry-run"]),
    opened_at=moments,
    updated_at=moments,
    source_event_id=words,
    proceeded=maybe_words,
    wait_until=st.none() | moments,
    intended=st.lists(purged, max_size=2),
    deleted=st.lists(purged, max_size=2),
    already_gone=st.lists(purged, max_size=2),
    pending=st.lists(
        st.builds(PendingBackup, backup_id=words, region=words, reason=words, detail=st.just("") | words),
        max_size=2,
    ),
    flagged=st.lists(
        st.builds(FlaggedClusterRecord, cluster_id=words, region=words, from_backup=words), max_size=2
    ),
    restored=st.lists(purged, max_size=2),
    unrecoverable=st.lists(purged, max_size=2),
    expires_at=st.none() | st.integers(min_value=0, max_value=2**40),
)
key_records = st.builds(
    KeyRecord,
    key_arn=words,
    key_id=words,
    cluster_id=words,
    key_store_id=words,
    key_created_at=st.none() | moments,
    region=words,
    deletion_date=st.none() | moments,
    scheduled_by_event=words,
    expires_at=st.none() | st.integers(min_value=0, max_value=2**40),
)
tag_maps = st.dictionaries(words, st.just("") | words, max_size=4)


@PROFILE
@given(record=purge_records)
def test_a_purge_record_reads_back_equal(table: None, record: PurgeRecord) -> None:
    state = PurgeState(STATE_TABLE, REGION)
    # A fresh id per example: `open` never overwrites a purge an earlier example wrote.
    record = record.model_copy(update={"purge_id": f"{record.purge_id}-{uuid4()}"})

    state.open(record)

    assert state.get(record.purge_id, dry_run=record.dry_run) == record


@PROFILE
@given(record=key_records)
def test_a_key_record_reads_back_equal(table: None, record: KeyRecord) -> None:
    state = PurgeState(STATE_TABLE, REGION)

    state.record_key(record)

    assert state.key(record.key_arn) == record


@PROFILE
@given(tags=tag_maps, now=moments, tagger=st.none() | st.tuples(words, words, st.none() | words))
def test_a_cluster_inventory_reads_back_equal(
    table: None, tags: dict[str, str], now: datetime, tagger: tuple[str, str, str | None] | None
) -> None:
    state = ClusterState(STATE_TABLE, REGION)
    state.forget("redshift", REGION, "prod")

    state.remember("redshift", REGION, "prod", tags, now)
    if tagger is not None:
        state.remember_tagger("redshift", REGION, "prod", *tagger, tagged_at=now, now=now)

    delete_after, set_by, role = tagger or (None, None, None)
    expected = InventoryRecord(
        tags, now.isoformat(), delete_after=delete_after, set_by=set_by, set_by_role=role
    )
    # No role is written as "" and reads back as no role.
    assert state.recall("redshift", REGION, "prod") == expected


@PROFILE
@given(snapshot=words, cluster_id=words, tags=tag_maps, now=moments)
def test_pending_tags_read_back_equal(
    table: None, snapshot: str, cluster_id: str, tags: dict[str, str], now: datetime
) -> None:
    state = ClusterState(STATE_TABLE, REGION)

    state.remember_tags("redshift", "us-west-1", snapshot, cluster_id, tags, now)

    assert state.pending_tags("redshift", "us-west-1") == [PendingTags(snapshot, cluster_id, tags)]
    state.tags_written("redshift", "us-west-1", snapshot)
