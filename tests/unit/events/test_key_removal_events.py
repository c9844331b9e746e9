"""How Steward reads the events that tell it key material left a CloudHSM cluster."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from steward.events.key_removal import (
    KeyDeletionCancelled,
    KeyDeletionScheduled,
    KeyRemoval,
    PurgeUndo,
    key_arn_for,
)
from steward.events.key_triggers import parse_key_event
from steward.events.kms_calls.models import KeyDeletionResponse, KmsDeleteKeyEvent
from steward.events.operator.models import removed_by
from steward.events.outcomes import InvalidEvent, NotApplicable

EVENTS = Path(__file__).resolve().parents[3] / "events"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-west-2:111122223333:key/{KEY_ID}"


def sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def only(event: dict[str, Any]) -> object:
    outcomes = parse_key_event(event)
    assert len(outcomes) == 1
    return outcomes[0]


def removal(event: dict[str, Any]) -> KeyRemoval:
    outcome = only(event)
    assert isinstance(outcome, KeyRemoval), outcome
    return outcome


def not_applicable(event: dict[str, Any]) -> NotApplicable:
    outcome = only(event)
    assert isinstance(outcome, NotApplicable), outcome
    return outcome


def operator_event(**detail: object) -> dict[str, Any]:
    event = sample("steward-key-removed.json")
    event["detail"] = detail
    return event


def invalid(event: dict[str, Any]) -> InvalidEvent:
    with pytest.raises(InvalidEvent) as raised:
        parse_key_event(event)
    return raised.value


# --- KMS DeleteKey (CloudTrail service event) -------------------------------------------------


def test_delete_key_in_a_cloudhsm_key_store_is_a_removal_from_its_cluster() -> None:
    # Given the CloudTrail record KMS writes when it deletes a key from a CloudHSM key store
    event = sample("kms-deletekey-cloudhsm.json")

    # When Steward reads it
    outcome = removal(event)

    # Then it is a removal of that key from that cluster, when KMS deleted it
    assert outcome.trigger == "kms-delete-key"
    assert outcome.cluster_id == "cluster-1a23b4cdefg"
    assert outcome.key_arn == KEY_ARN
    assert outcome.key_id == KEY_ID
    assert outcome.removed_at == datetime(2021, 10, 26, 23, 41, 27, tzinfo=UTC)
    # The published record was delivered in us-east-1 for a key whose ARN says us-west-2.
    assert (outcome.region, outcome.account) == ("us-east-1", "111122223333")
    assert outcome.source_event_id == event["id"]
    assert outcome.immediate is False


def test_delete_key_backing_keys_are_read_from_their_json_strings() -> None:
    parsed = KmsDeleteKeyEvent.model_validate(sample("kms-deletekey-cloudhsm.json"))

    store = parsed.detail.additionalEventData
    assert store is not None
    assert [(key.keyHandle, key.backingKeyId) for key in store.backingKeys] == [
        ("01", "backing-key-id")
    ]
    assert [status.deletionStatus for status in store.backingKeysDeletionStatus] == ["SUCCESS"]


def test_delete_key_takes_the_key_from_response_elements_when_resources_are_empty() -> None:
    event = sample("kms-deletekey-cloudhsm.json")
    event["detail"]["resources"] = []
    event["detail"]["responseElements"] = {"keyId": KEY_ARN}

    assert removal(event).key_arn == KEY_ARN


def test_delete_key_falls_back_to_the_key_id_in_service_event_details() -> None:
    # Records written before December 2022 name the key only there, by id.
    event = sample("kms-deletekey-cloudhsm.json")
    event["detail"]["resources"] = []
    event["detail"]["serviceEventDetails"] = {"keyId": KEY_ID}
    # Without an ARN the key's region is where the event came from: the key's own region here.
    event["region"] = event["detail"]["awsRegion"] = "us-west-2"

    outcome = removal(event)

    assert (outcome.key_arn, outcome.key_id) == (None, KEY_ID)
    assert outcome.removal_id == removal(sample("kms-deletekey-cloudhsm.json")).removal_id


def test_delete_key_that_names_no_key_is_invalid() -> None:
    event = sample("kms-deletekey-cloudhsm.json")
    event["detail"]["resources"] = []

    error = invalid(event)

    assert "detail.resources[0].ARN" in str(error)
    assert "serviceEventDetails.keyId" in str(error)
    assert "<absent>" in str(error)


def test_delete_key_outside_any_cloudhsm_key_store_is_not_applicable() -> None:
    outcome = not_applicable(sample("kms-deletekey-standard.json"))

    assert outcome.reason == "not-in-cloudhsm-key-store"
    assert f"key/{KEY_ID}" in outcome.detail
    assert "additionalEventData.clusterId" in outcome.detail


def test_delete_key_whose_material_stayed_in_the_cluster_is_not_applicable() -> None:
    # KMS's deletion from the cluster is best effort; FAILURE leaves the material in the cluster.
    event = sample("kms-deletekey-cloudhsm.json")
    event["detail"]["additionalEventData"]["backingKeysDeletionStatus"] = json.dumps(
        [{"keyHandle": "01", "backingKeyId": "backing-key-id", "deletionStatus": "FAILURE"}]
    )

    outcome = not_applicable(event)

    assert outcome.reason == "key-material-left-in-cluster"
    assert "cluster-1a23b4cdefg" in outcome.detail
    assert "01 (FAILURE)" in outcome.detail


def test_delete_key_with_backing_keys_that_are_not_json_is_invalid() -> None:
    event = sample("kms-deletekey-cloudhsm.json")
    event["detail"]["additionalEventData"]["backingKeys"] = "[{keyHandle: 01"

    error = invalid(event)

    assert error.field == "detail.additionalEventData.backingKeys"
    assert error.seen == "[{keyHandle: 01"
    assert error.accepted == "a JSON-encoded list"


# --- KMS CMK Deletion (native event) ----------------------------------------------------------


def test_cmk_deletion_is_a_removal_of_the_key_from_an_unknown_cluster() -> None:
    event = sample("kms-cmk-deletion.json")

    outcome = removal(event)

    assert outcome.trigger == "kms-cmk-deletion"
    assert outcome.cluster_id is None
    assert (outcome.key_arn, outcome.key_id) == (KEY_ARN, KEY_ID)
    assert outcome.removed_at == datetime(2022, 8, 10, 16, 37, 50, tzinfo=UTC)
    assert outcome.source_event_id == "e9ce3425-7d22-412a-a699-e7a5fc3fbc9a"


def test_cmk_deletion_without_the_hyphenated_key_id_is_invalid() -> None:
    event = sample("kms-cmk-deletion.json")
    event["detail"] = {"keyId": KEY_ID}

    error = invalid(event)

    assert error.field == "detail.key-id"
    assert error.accepted == "the field to be present"


def test_cmk_deletion_with_a_resource_that_is_not_a_key_arn_is_invalid() -> None:
    event = sample("kms-cmk-deletion.json")
    event["resources"] = ["arn:aws:kms:us-west-2:111122223333:alias/payments"]

    error = invalid(event)

    assert error.field == "resources[0]"
    assert "arn:<partition>:kms:<region>:<account>:key/<key id>" in error.accepted


# --- removal_id: one removal, one id ----------------------------------------------------------


def test_removal_id_is_the_same_for_delete_key_and_cmk_deletion_of_one_key() -> None:
    from_cloudtrail = removal(sample("kms-deletekey-cloudhsm.json"))
    from_kms = removal(sample("kms-cmk-deletion.json"))

    assert (
        from_cloudtrail.removal_id
        == from_kms.removal_id
        == f"kms-key/us-west-2/111122223333/{KEY_ID}"
    )


def test_removal_id_is_the_same_for_three_deliveries_of_one_cmk_deletion() -> None:
    # KMS may send the event several times within seconds, each a new EventBridge event.
    deliveries = []
    for seconds in range(3):
        event = sample("kms-cmk-deletion.json")
        event["id"] = f"e9ce3425-7d22-412a-a699-e7a5fc3fbc9{seconds}"
        event["time"] = f"2022-08-10T16:37:5{seconds}Z"
        deliveries.append(removal(event).removal_id)

    assert len(set(deliveries)) == 1


def test_removal_id_differs_between_keys() -> None:
    other = sample("kms-cmk-deletion.json")
    other["resources"] = [
        "arn:aws:kms:us-west-2:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321"
    ]
    other["detail"] = {"key-id": "0987dcba-09fe-87dc-65ba-ab0987654321"}

    assert removal(other).removal_id != removal(sample("kms-cmk-deletion.json")).removal_id


def test_removal_id_of_an_operator_removal_is_the_cluster_and_the_instant() -> None:
    outcome = removal(sample("steward-key-removed.json"))

    assert outcome.removal_id == "cluster/cluster-likphkxygsn/2026-11-02T09:30:00.000000Z"


def test_removal_id_is_the_same_for_a_repeated_operator_event() -> None:
    first = sample("steward-key-removed.json")
    again = copy.deepcopy(first)
    again["id"] = "a-different-delivery"
    again["time"] = "2026-11-02T09:45:00Z"
    again["detail"]["reason"] = "sent twice by mistake"

    assert removal(first).removal_id == removal(again).removal_id


def test_removal_id_differs_between_removal_times_on_one_cluster() -> None:
    later = sample("steward-key-removed.json")
    later["detail"]["removedAt"] = "2026-11-02T09:31:00Z"

    assert removal(later).removal_id != removal(sample("steward-key-removed.json")).removal_id


@given(
    instant=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    offset_minutes=st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_removal_id_does_not_depend_on_the_time_zone_an_operator_writes(
    instant: datetime, offset_minutes: int
) -> None:
    from datetime import timezone

    local = instant.astimezone(timezone(timedelta(minutes=offset_minutes)))
    in_utc = operator_event(clusterId="cluster-likphkxygsn", removedAt=instant.isoformat())
    in_local = operator_event(clusterId="cluster-likphkxygsn", removedAt=local.isoformat())
    for event in (in_utc, in_local):
        event["time"] = "2100-01-02T00:00:00Z"  # sent after the removal

    assert removal(in_utc).removal_id == removal(in_local).removal_id


# --- ScheduleKeyDeletion / CancelKeyDeletion ----------------------------------------------------


def test_schedule_key_deletion_is_read_with_its_cloudtrail_deletion_date() -> None:
    outcome = only(sample("kms-schedulekeydeletion.json"))

    assert isinstance(outcome, KeyDeletionScheduled)
    assert (outcome.key_arn, outcome.key_id) == (KEY_ARN, KEY_ID)
    assert outcome.key_state == "PendingDeletion"
    assert outcome.pending_window_days == 20
    # "Apr 12, 2021 18:58:30 PM": not ISO, and a 24-hour clock despite the PM.
    assert outcome.deletion_date == datetime(2021, 4, 12, 18, 58, 30, tzinfo=UTC)
    assert outcome.requested_at == datetime(2021, 3, 23, 18, 58, 30, tzinfo=UTC)


def test_a_cloudtrail_date_on_a_twelve_hour_clock_is_read_as_such() -> None:
    response = KeyDeletionResponse.model_validate(
        {"keyId": KEY_ARN, "deletionDate": "Aug 2, 2021 11:40:56 PM"}
    )

    assert response.deletionDate == datetime(2021, 8, 2, 23, 40, 56, tzinfo=UTC)


def test_a_deletion_date_in_no_known_format_is_invalid() -> None:
    with pytest.raises(ValidationError, match="Apr 12, 2021 18:58:30 PM"):
        KeyDeletionResponse.model_validate({"keyId": KEY_ARN, "deletionDate": "next Tuesday"})


def test_schedule_key_deletion_of_a_multi_region_primary_has_no_deletion_date() -> None:
    event = sample("kms-schedulekeydeletion.json")
    event["detail"]["responseElements"]["keyState"] = "PendingReplicaDeletion"
    del event["detail"]["responseElements"]["deletionDate"]

    outcome = only(event)

    assert isinstance(outcome, KeyDeletionScheduled)
    assert outcome.deletion_date is None


def test_a_failed_schedule_key_deletion_is_not_applicable() -> None:
    event = sample("kms-schedulekeydeletion.json")
    event["detail"]["errorCode"] = "KMSInvalidStateException"
    event["detail"]["errorMessage"] = "key is pending deletion"
    event["detail"]["responseElements"] = None

    outcome = not_applicable(event)

    assert outcome.reason == "kms-call-failed"
    assert "KMSInvalidStateException" in outcome.detail


def test_cancel_key_deletion_is_read() -> None:
    outcome = only(sample("kms-cancelkeydeletion.json"))

    assert isinstance(outcome, KeyDeletionCancelled)
    assert (outcome.key_arn, outcome.key_id) == (KEY_ARN, KEY_ID)
    assert outcome.requested_at == datetime(2020, 7, 27, 21, 53, 17, tzinfo=UTC)


# --- Operator events --------------------------------------------------------------------------


def test_operator_key_removed_is_a_removal_from_the_named_cluster() -> None:
    outcome = removal(sample("steward-key-removed.json"))

    assert outcome.trigger == "operator"
    assert outcome.cluster_id == "cluster-likphkxygsn"
    assert (outcome.key_arn, outcome.key_id) == (None, None)
    assert outcome.removed_at == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    assert outcome.key_created_at == datetime(2025, 3, 14, 8, 0, tzinfo=UTC)
    assert outcome.reason == "retired payment signing key, change CHG-4211"
    assert outcome.immediate is False


def test_operator_key_removed_can_ask_for_an_immediate_purge() -> None:
    event = operator_event(
        clusterId="cluster-likphkxygsn", removedAt="2026-11-02T09:30:00Z", immediate=True
    )

    assert removal(event).immediate is True


def test_operator_removed_at_is_stored_in_utc() -> None:
    event = operator_event(clusterId="cluster-likphkxygsn", removedAt="2026-11-02T10:30:00+01:00")

    assert removal(event).removed_at == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def test_operator_cluster_id_must_be_a_cloudhsm_cluster_id() -> None:
    error = invalid(operator_event(clusterId="my-cluster", removedAt="2026-11-02T09:30:00Z"))

    assert error.field == "detail.clusterId"
    assert error.seen == "my-cluster"
    assert "'cluster-' then 11 to 16 letters or digits 2-7" in error.accepted
    assert str(error).startswith(
        "detail.clusterId: got 'my-cluster'; expected a CloudHSM cluster id"
    )


def test_operator_cluster_id_is_required() -> None:
    error = invalid(operator_event(removedAt="2026-11-02T09:30:00Z"))

    assert str(error) == "detail.clusterId: got <absent>; expected the field to be present"


def test_operator_removed_at_needs_a_time_zone() -> None:
    error = invalid(
        operator_event(clusterId="cluster-likphkxygsn", removedAt="2026-11-02T09:30:00")
    )

    assert error.field == "detail.removedAt"
    assert error.seen == "2026-11-02T09:30:00"
    assert "with a time zone" in error.accepted


def test_operator_removed_at_must_be_a_date_and_time() -> None:
    error = invalid(operator_event(clusterId="cluster-likphkxygsn", removedAt="yesterday"))

    assert error.field == "detail.removedAt"
    assert error.accepted.startswith("an ISO-8601 date and time with a time zone")


def test_operator_key_created_at_must_not_be_after_removed_at() -> None:
    error = invalid(
        operator_event(
            clusterId="cluster-likphkxygsn",
            removedAt="2026-11-02T09:30:00Z",
            keyCreatedAt="2026-11-03T00:00:00Z",
        )
    )

    assert error.field == "detail.keyCreatedAt"
    assert error.seen == "2026-11-03T00:00:00Z"
    assert error.accepted == "a time at or before removedAt (2026-11-02T09:30:00+00:00)"


def test_operator_removed_at_is_not_judged_by_the_events_own_time() -> None:
    # Given removedAt a year after the event's time: the sender chose both, so neither proves anything
    event = operator_event(
        clusterId="cluster-likphkxygsn", removedAt="2027-11-02T09:30:00Z", immediate=True
    )

    # Then the reader keeps it as said; the purge checks it against its own clock
    assert removal(event).removed_at == datetime(2027, 11, 2, 9, 30, tzinfo=UTC)


def test_a_removal_later_than_now_plus_the_clock_skew_is_refused() -> None:
    now = datetime(2026, 11, 2, 9, 31, 5, tzinfo=UTC)

    with pytest.raises(ValueError, match=r"no later than 2026-11-02T09:36:05\+00:00"):
        removed_by(datetime(2027, 11, 2, 9, 30, tzinfo=UTC), now)
    removed_by(datetime(2026, 11, 2, 9, 35, tzinfo=UTC), now)  # within the skew: accepted


def test_operator_requested_by_must_be_an_iam_or_sts_arn() -> None:
    event = operator_event(
        clusterId="cluster-likphkxygsn", removedAt="2026-11-02T09:30:00Z", requestedBy="alice"
    )

    error = invalid(event)

    assert (error.field, error.seen) == ("detail.requestedBy", "alice")


def test_operator_removed_at_a_few_minutes_after_the_event_is_clock_skew_and_accepted() -> None:
    event = operator_event(clusterId="cluster-likphkxygsn", removedAt="2026-11-02T09:35:00Z")

    assert removal(event).removed_at == datetime(2026, 11, 2, 9, 35, tzinfo=UTC)


def test_operator_key_created_at_in_the_future_is_invalid() -> None:
    # keyCreatedAt after removedAt is refused, so it cannot be later than the event either
    error = invalid(
        operator_event(
            clusterId="cluster-likphkxygsn",
            removedAt="2026-11-02T09:30:00Z",
            keyCreatedAt="2027-01-01T00:00:00Z",
        )
    )

    assert error.field == "detail.keyCreatedAt"


@pytest.mark.parametrize(
    ("region", "arn"),
    [
        ("us-east-1", f"arn:aws:kms:us-east-1:111122223333:key/{KEY_ID}"),
        ("cn-north-1", f"arn:aws-cn:kms:cn-north-1:111122223333:key/{KEY_ID}"),
        ("us-gov-west-1", f"arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/{KEY_ID}"),
    ],
)
def test_a_key_named_by_id_gets_the_arn_of_its_regions_partition(region: str, arn: str) -> None:
    assert key_arn_for(region, "111122223333", KEY_ID) == arn


def test_operator_immediate_must_be_a_json_boolean() -> None:
    error = invalid(
        operator_event(
            clusterId="cluster-likphkxygsn", removedAt="2026-11-02T09:30:00Z", immediate="yes"
        )
    )

    assert (error.field, error.seen) == ("detail.immediate", "yes")
    assert error.accepted == "a JSON boolean, true or false"


def test_operator_event_with_a_misspelt_field_is_invalid() -> None:
    error = invalid(
        operator_event(
            clusterId="cluster-likphkxygsn", removedAt="2026-11-02T09:30:00Z", keyCreated="2025"
        )
    )

    assert error.field == "detail.keyCreated"
    assert error.accepted == "no field of this name (it is not one this input has)"


def test_purge_undo_names_the_purge() -> None:
    event = sample("steward-purge-undo.json")

    outcome = only(event)

    assert isinstance(outcome, PurgeUndo)
    assert outcome.purge_id == "purge-cluster-likphkxygsn-20261102T093000Z"
    assert outcome.requested_at == datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    assert outcome.source_event_id == event["id"]


def test_purge_undo_without_a_purge_id_is_invalid() -> None:
    event = sample("steward-purge-undo.json")
    event["detail"] = {}

    assert invalid(event).field == "detail.purgeId"


# --- Routing ----------------------------------------------------------------------------------


def test_an_event_steward_does_not_handle_is_invalid_and_says_what_is_accepted() -> None:
    event = sample("kms-schedulekeydeletion.json")
    event["detail"]["eventName"] = "CreateKey"

    error = invalid(event)

    assert error.field == "detail.eventName"
    assert error.seen == "CreateKey"
    assert error.accepted == "one of ScheduleKeyDeletion, CancelKeyDeletion"


def test_delete_key_sent_as_an_api_call_is_not_mistaken_for_the_service_event() -> None:
    event = sample("kms-deletekey-cloudhsm.json")
    event["detail-type"] = "AWS API Call via CloudTrail"

    error = invalid(event)

    assert (error.field, error.seen) == ("detail.eventName", "DeleteKey")


def test_a_key_removal_cannot_be_changed_once_read() -> None:
    outcome = removal(sample("steward-key-removed.json"))

    with pytest.raises(ValidationError):
        outcome.cluster_id = "cluster-dygnwhmscg5"  # type: ignore[misc]


def test_the_tombstone_sample_is_two_key_removals_on_the_cluster_of_its_log_group() -> None:
    outcomes = parse_key_event(sample("hsm-audit-tombstone-key.json"), local_region="us-east-1")

    assert [type(o).__name__ for o in outcomes] == ["KeyRemoval", "KeyRemoval"]
    removals = [o for o in outcomes if isinstance(o, KeyRemoval)]
    assert {r.cluster_id for r in removals} == {"cluster-likphkxygsn"}
    assert {r.key_handle for r in removals} == {131078, 131079}
    assert {r.trigger for r in removals} == {"hsm-audit-log"}
