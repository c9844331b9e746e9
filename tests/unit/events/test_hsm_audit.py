"""How Steward reads CloudHSM audit logs: which entries record key material leaving an HSM.

The audit events below are verbatim from the AWS CloudHSM User Guide, "Interpreting AWS
CloudHSM audit logs" and "Certificate storage audit logs", except where a test says it is
reconstructed (the guide shows no failed or tombstone deletion).
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from steward.events.hsm_audit_log.audit_log import (
    AuditLogFormatError,
    CertificateAuditEntry,
    HsmAuditEntry,
    NotAKeyRemoval,
    as_key_removal,
    cluster_id_from_log_group,
    parse_audit_message,
)
from steward.events.key_removal import KeyRemoval
from steward.events.key_triggers import parse_key_event
from steward.events.outcomes import InvalidEvent, NotApplicable

EVENTS = Path(__file__).resolve().parents[3] / "events"
REGION = "us-west-2"

# "Example: Create and delete a key pair": the public key's deletion.
DESTROY_PUBLIC_KEY = """Time: 12/13/17 23:09:04.813977, usecs:1513206544813977
Sequence No: 0x2a
Reboot counter: 0xe8
Command Type(hex): CN_MGMT_CMD (0x0)
Opcode: CN_DESTROY_OBJECT (0x11)
Session Handle: 0x2014004
Response: 0:HSM Return: SUCCESS
Log type: MGMT_KEY_DETAILS_LOG (1)
Priv/Secret Key Handle: 131078
Public Key Handle: 0"""

# "Example: Generate and synchronize a key": spaces on both sides of the colon.
GENERATE_KEY = """Time: 01/24/18 00:39:30.328334, usecs:1516754370328334
Sequence No : 0x1
Reboot counter : 0x107
Command Type(hex) : CN_MGMT_CMD (0x0)
Opcode : CN_GENERATE_KEY (0x17)
Session Handle : 0xc008004
Response : 0:HSM Return: SUCCESS
Log type : MGMT_KEY_DETAILS_LOG (1)
Priv/Secret Key Handle : 262152
Public Key Handle : 0"""

# "Example: Initialize the first HSM in a cluster".
INIT_TOKEN = """Time: 12/19/17 21:01:16.962174, usecs:1513717276962174
Sequence No : 0x0
Reboot counter : 0xe8
Command Type(hex) : CN_MGMT_CMD (0x0)
Opcode : CN_INIT_TOKEN (0x1)
Session Handle : 0x1004001
Response : 0:HSM Return: SUCCESS
Log type : MINIMAL_LOG_ENTRY (0)"""

# "Login and logout events": a login that failed.
FAILED_LOGIN = """Time: 01/24/18 17:44:25.013218, usecs:1516815865013218
Sequence No : 0x5
Reboot counter : 0x107
Command Type(hex) : CN_MGMT_CMD (0x0)
Opcode : CN_LOGIN (0xd)
Session Handle : 0xc008002
Response : 163:HSM Error: RET_USER_LOGIN_FAILURE
Log type : MGMT_USER_DETAILS_LOG (2)
User Name : testuser
User Type : CN_CRYPTO_USER (1)"""

# Reconstructed: the documented deletion with the documented error-response format.
FAILED_DESTROY = DESTROY_PUBLIC_KEY.replace(
    "Response: 0:HSM Return: SUCCESS", "Response: 174:HSM Error: RET_OBJECT_NOT_FOUND"
)
# Reconstructed: the reference lists CN_TOMBSTONE_OBJECT ("Deletion of a token key") without
# a sample or an opcode number; same fields as CN_DESTROY_OBJECT assumed.
TOMBSTONE = DESTROY_PUBLIC_KEY.replace("CN_DESTROY_OBJECT (0x11)", "CN_TOMBSTONE_OBJECT")
TOMBSTONE_PRIVATE_KEY = (
    TOMBSTONE.replace("usecs:1513206544813977", "usecs:1513206544815530")
    .replace("23:09:04.813977", "23:09:04.815530")
    .replace("Sequence No: 0x2a", "Sequence No: 0x2b")
    .replace("Priv/Secret Key Handle: 131078", "Priv/Secret Key Handle: 131079")
)
FAILED_TOMBSTONE = TOMBSTONE.replace(
    "Response: 0:HSM Return: SUCCESS", "Response: 174:HSM Error: RET_OBJECT_NOT_FOUND"
)

# "Certificate storage audit logs".
CERTIFICATE_DESTROYED = """{
    "object_handle": 463180677312929947,
    "op_code": "DestroyObject",
    "response": "OK",
    "attributes": null,
    "timestamp": 1725482484559
}"""
CERTIFICATE_NOT_CREATED = """{
    "object_handle": null,
    "op_code": "CreateObject",
    "response": "MaxObjectsReached",
    "attributes": null,
    "timestamp": 1726084937125
}"""


def sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def decoded(event: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(
        gzip.decompress(base64.b64decode(event["awslogs"]["data"]))
    )
    return payload


def encoded(payload: dict[str, Any]) -> dict[str, Any]:
    data = base64.b64encode(gzip.compress(json.dumps(payload).encode(), mtime=0)).decode()
    return {"awslogs": {"data": data}}


def subscription(
    *messages: str, log_group: str = "/aws/cloudhsm/cluster-likphkxygsn"
) -> dict[str, Any]:
    payload = decoded(sample("hsm-audit-destroy-key.json"))
    payload["logGroup"] = log_group
    payload["logEvents"] = [
        {
            "id": str(36000000000000000000000000000000000000000000000000000000 + number),
            "timestamp": 1513206544813,
            "message": message,
        }
        for number, message in enumerate(messages)
    ]
    return encoded(payload)


def hsm_entry(message: str) -> HsmAuditEntry:
    entry = parse_audit_message(message)
    assert isinstance(entry, HsmAuditEntry)
    return entry


# --- One audit event --------------------------------------------------------------------------


def test_a_documented_destroy_event_is_read_field_by_field() -> None:
    entry = hsm_entry(DESTROY_PUBLIC_KEY)

    assert entry.time == datetime(2017, 12, 13, 23, 9, 4, 813977, tzinfo=UTC)
    assert entry.sequence_no == 0x2A
    assert entry.reboot_counter == 0xE8
    assert (entry.opcode, entry.opcode_code) == ("CN_DESTROY_OBJECT", 0x11)
    assert entry.session_handle == 0x2014004
    assert (entry.response_code, entry.response) == (0, "HSM Return: SUCCESS")
    assert entry.log_type == "MGMT_KEY_DETAILS_LOG (1)"
    assert (entry.key_handle, entry.public_key_handle) == (131078, 0)
    assert entry.succeeded


def test_fields_written_with_spaces_around_the_colon_are_read_alike() -> None:
    entry = hsm_entry(GENERATE_KEY)

    assert (entry.opcode, entry.sequence_no, entry.key_handle) == ("CN_GENERATE_KEY", 1, 262152)


def test_a_destroy_is_a_key_removal() -> None:
    # The user guide's example, the Knowledge Center and the archived reference: "Delete a key".
    entry = hsm_entry(DESTROY_PUBLIC_KEY)

    assert as_key_removal(entry) == entry


def test_a_successful_tombstone_of_a_token_key_is_a_key_removal() -> None:
    entry = hsm_entry(TOMBSTONE)

    assert (entry.opcode, entry.opcode_code) == ("CN_TOMBSTONE_OBJECT", None)
    assert as_key_removal(entry) == entry


def test_a_failed_destroy_is_not_a_key_removal() -> None:
    refusal = as_key_removal(hsm_entry(FAILED_DESTROY))

    assert isinstance(refusal, NotAKeyRemoval)
    assert refusal.reason == "key-deletion-failed"


def test_a_failed_tombstone_is_not_a_key_removal() -> None:
    refusal = as_key_removal(hsm_entry(FAILED_TOMBSTONE))

    assert isinstance(refusal, NotAKeyRemoval)
    assert refusal.reason == "key-deletion-failed"
    assert "174:HSM Error: RET_OBJECT_NOT_FOUND" in refusal.detail


@pytest.mark.parametrize("message", [GENERATE_KEY, INIT_TOKEN, FAILED_LOGIN])
def test_other_opcodes_are_not_key_removals(message: str) -> None:
    refusal = as_key_removal(hsm_entry(message))

    assert isinstance(refusal, NotAKeyRemoval)
    assert refusal.reason == "not-a-key-deletion"
    assert hsm_entry(message).opcode in refusal.detail


def test_a_certificate_storage_event_is_read_from_its_json() -> None:
    entry = parse_audit_message(CERTIFICATE_DESTROYED)

    assert isinstance(entry, CertificateAuditEntry)
    assert (entry.op_code, entry.response, entry.object_handle) == (
        "DestroyObject",
        "OK",
        463180677312929947,
    )
    assert entry.time == datetime(2024, 9, 4, 20, 41, 24, 559000, tzinfo=UTC)


def test_a_destroyed_certificate_is_not_a_key_removal() -> None:
    refusal = as_key_removal(parse_audit_message(CERTIFICATE_DESTROYED))

    assert isinstance(refusal, NotAKeyRemoval)
    assert refusal.reason == "certificate-not-key"


def test_an_unsuccessful_certificate_event_without_an_object_is_read() -> None:
    entry = parse_audit_message(CERTIFICATE_NOT_CREATED)

    assert isinstance(entry, CertificateAuditEntry)
    assert (entry.object_handle, entry.response) == (None, "MaxObjectsReached")


@pytest.mark.parametrize(
    ("message", "says"),
    [
        ("CN_DESTROY_OBJECT succeeded", "is not 'Field : value'"),
        ("Opcode: CN_DESTROY_OBJECT (0x11)\nResponse: 0:HSM Return: SUCCESS", "missing time"),
        (DESTROY_PUBLIC_KEY.replace("Sequence No: 0x2a", "Sequence No: forty-two"), "Sequence No"),
        (DESTROY_PUBLIC_KEY.replace("0:HSM Return", "HSM Return"), "Response"),
        ('{"op_code": "DestroyObject"', "does not parse"),
    ],
)
def test_a_message_in_no_documented_format_says_what_is_wrong(message: str, says: str) -> None:
    with pytest.raises(AuditLogFormatError, match=says):
        parse_audit_message(message)


@pytest.mark.parametrize(
    ("log_group", "cluster_id"),
    [
        ("/aws/cloudhsm/cluster-likphkxygsn", "cluster-likphkxygsn"),
        ("/aws/lambda/steward-KeyPurgeFunction", None),
        ("/aws/cloudhsm/", None),
    ],
)
def test_the_cluster_id_comes_from_the_log_group_name(
    log_group: str, cluster_id: str | None
) -> None:
    assert cluster_id_from_log_group(log_group) == cluster_id


# --- A CloudWatch Logs subscription delivery ---------------------------------------------------


def test_the_documented_key_pair_lifecycle_is_two_key_removals() -> None:
    # Given the documented key-pair lifecycle: login, generate, destroy public, destroy private,
    # logout
    event = sample("hsm-audit-destroy-key.json")

    # When Steward reads the delivery
    outcomes = parse_key_event(event, local_region=REGION)

    # Then the two CN_DESTROY_OBJECT deletions are removals, each naming its opcode
    removals = [o for o in outcomes if isinstance(o, KeyRemoval)]
    assert [r.opcode for r in removals] == ["CN_DESTROY_OBJECT", "CN_DESTROY_OBJECT"]
    assert len(outcomes) - len(removals) == 3


def test_each_successful_tombstone_in_a_delivery_is_a_removal_from_the_log_groups_cluster() -> None:
    # Given a delivery with two token-key deletions
    event = subscription(TOMBSTONE, TOMBSTONE_PRIVATE_KEY, log_group="/aws/cloudhsm/cluster-likphkxygsn")

    # When Steward reads the delivery
    outcomes = parse_key_event(event, local_region=REGION)

    # Then the two deletions are removals from the cluster the log group names
    removals = [outcome for outcome in outcomes if isinstance(outcome, KeyRemoval)]
    assert [(r.cluster_id, r.key_handle) for r in removals] == [
        ("cluster-likphkxygsn", 131078),
        ("cluster-likphkxygsn", 131079),
    ]
    assert [r.removed_at for r in removals] == [
        datetime(2017, 12, 13, 23, 9, 4, 813977, tzinfo=UTC),
        datetime(2017, 12, 13, 23, 9, 4, 815530, tzinfo=UTC),
    ]
    assert {(r.trigger, r.region, r.account, r.key_arn) for r in removals} == {
        ("hsm-audit-log", REGION, "111122223333", None)
    }
    assert "hsm-nwbbiqbj4jk" in (removals[0].reason or "")


def test_a_delivery_gives_one_outcome_per_log_event_in_order() -> None:
    outcomes = parse_key_event(
        subscription(GENERATE_KEY, TOMBSTONE, DESTROY_PUBLIC_KEY, TOMBSTONE_PRIVATE_KEY, FAILED_LOGIN),
        local_region=REGION,
    )

    assert [type(outcome).__name__ for outcome in outcomes] == [
        "NotApplicable",
        "KeyRemoval",
        "KeyRemoval",
        "KeyRemoval",
        "NotApplicable",
    ]


def test_a_removal_from_an_audit_log_keeps_the_log_event_id() -> None:
    event = subscription(GENERATE_KEY, FAILED_LOGIN, TOMBSTONE)
    third_log_event = decoded(event)["logEvents"][2]["id"]

    outcome = parse_key_event(event, local_region=REGION)[2]

    assert isinstance(outcome, KeyRemoval)
    assert outcome.source_event_id == third_log_event


def test_a_delivery_with_no_key_deletion_gives_only_not_applicable_with_reasons() -> None:
    outcomes = parse_key_event(sample("hsm-audit-other.json"), local_region=REGION)

    assert all(isinstance(outcome, NotApplicable) for outcome in outcomes)
    assert [outcome.reason for outcome in outcomes if isinstance(outcome, NotApplicable)] == [
        "not-a-key-deletion"
    ] * 3


def test_removal_ids_are_the_same_when_a_delivery_is_repeated() -> None:
    def ids(event: dict[str, Any]) -> list[str]:
        return [
            o.removal_id
            for o in parse_key_event(event, local_region=REGION)
            if isinstance(o, KeyRemoval)
        ]

    event = subscription(TOMBSTONE, TOMBSTONE_PRIVATE_KEY)

    assert (
        ids(event)
        == ids(copy.deepcopy(event))
        == [
            "cluster/cluster-likphkxygsn/2017-12-13T23:09:04.813977Z/key-handle/131078",
            "cluster/cluster-likphkxygsn/2017-12-13T23:09:04.815530Z/key-handle/131079",
        ]
    )


def test_a_failed_tombstone_in_a_delivery_is_not_applicable() -> None:
    (outcome,) = parse_key_event(subscription(FAILED_TOMBSTONE), local_region=REGION)

    assert isinstance(outcome, NotApplicable)
    assert outcome.reason == "key-deletion-failed"
    assert "hsm-nwbbiqbj4jk" in outcome.detail


def test_a_malformed_line_in_a_delivery_is_not_applicable_and_the_rest_is_read() -> None:
    outcomes = parse_key_event(subscription("garbage", TOMBSTONE), local_region=REGION)

    assert isinstance(outcomes[0], NotApplicable)
    assert outcomes[0].reason == "malformed-log-line"
    assert "'garbage'" in outcomes[0].detail
    assert isinstance(outcomes[1], KeyRemoval)


def test_a_certificate_deletion_in_a_delivery_is_not_applicable() -> None:
    (outcome,) = parse_key_event(subscription(CERTIFICATE_DESTROYED), local_region=REGION)

    assert isinstance(outcome, NotApplicable)
    assert outcome.reason == "certificate-not-key"


def test_a_control_message_is_not_applicable() -> None:
    payload = decoded(sample("hsm-audit-destroy-key.json"))
    payload.update(messageType="CONTROL_MESSAGE", logGroup="", logStream="", logEvents=[])

    (outcome,) = parse_key_event(encoded(payload), local_region=REGION)

    assert isinstance(outcome, NotApplicable)
    assert outcome.reason == "control-message"


def test_a_delivery_from_a_log_group_that_is_not_cloudhsms_is_invalid() -> None:
    event = subscription(DESTROY_PUBLIC_KEY, log_group="/aws/lambda/some-function")

    with pytest.raises(InvalidEvent) as raised:
        parse_key_event(event, local_region=REGION)

    assert raised.value.field == "awslogs.data.logGroup"
    assert raised.value.seen == "/aws/lambda/some-function"
    assert "/aws/cloudhsm/<cluster id>" in raised.value.accepted


def test_a_delivery_whose_data_is_not_gzip_base64_is_invalid() -> None:
    with pytest.raises(InvalidEvent) as raised:
        parse_key_event({"awslogs": {"data": "bm90IGd6aXA="}}, local_region=REGION)

    assert raised.value.field == "awslogs.data"
    assert "unable to decompress data" in raised.value.accepted


def test_reading_a_delivery_needs_the_region_the_function_runs_in() -> None:
    with pytest.raises(ValueError, match="local_region"):
        parse_key_event(sample("hsm-audit-destroy-key.json"))
