"""Read one CloudHSM audit-log event and tell whether it records key material leaving the cluster.

CloudHSM writes one CloudWatch Logs log group per cluster, `/aws/cloudhsm/<cluster ID>`, and
one log stream per HSM, named for the HSM ID ("Viewing AWS CloudHSM audit logs in CloudWatch
Logs", https://docs.aws.amazon.com/cloudhsm/latest/userguide/understand-audit-logs.html).
Two formats are documented, and both are read here:

* HSM audit events: "Field : value" lines ("Interpreting AWS CloudHSM audit logs",
  https://docs.aws.amazon.com/cloudhsm/latest/userguide/interpreting-audit-logs.html), e.g.

      Time: 12/13/17 23:09:04.813977, usecs:1513206544813977
      Sequence No: 0x2a
      Reboot counter: 0xe8
      Command Type(hex): CN_MGMT_CMD (0x0)
      Opcode: CN_DESTROY_OBJECT (0x11)
      Session Handle: 0x2014004
      Response: 0:HSM Return: SUCCESS
      Log type: MGMT_KEY_DETAILS_LOG (1)
      Priv/Secret Key Handle: 131078
      Public Key Handle: 0

  The spacing around the colon varies between the documented samples ("Sequence No : 0x1" and
  "Sequence No: 0x2a"). Key deletions carry these opcodes ("AWS CloudHSM audit log reference",
  https://docs.aws.amazon.com/cloudhsm/latest/userguide/cloudhsm-audit-log-reference.html):
  `CN_DESTROY_OBJECT (0x11)` ("Delete a key" in the archived reference, the key deletion in the
  user guide's key-pair example and the Knowledge Center; "deletion of a session key" in the
  current reference) and `CN_TOMBSTONE_OBJECT` ("deletion of a token key"). Both are read as key
  deletions (`KEY_DELETION_OPCODES`); which of them start a purge is the PURGE_OPCODES setting,
  applied by the flow. docs/hsm-audit-log.md weighs the sources.
  A failed command has a non-zero response code, e.g. "157:HSM Error: ...".

* Certificate storage events: one JSON object per event, in a log stream named for the cluster
  ("Certificate storage audit logs",
  https://docs.aws.amazon.com/cloudhsm/latest/userguide/pkcs11-certificate-storage-audit-logs.html):
  `{"object_handle": ..., "op_code": "DestroyObject", "response": "OK", "attributes": null,
  "timestamp": <ms since the epoch>}`. They record certificates, never key material.

Pure: no AWS calls, no clock.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, ValidationError

from steward.machinery.validation import problems
from steward.vocabulary.hsm import AWS_CLUSTER_ID_PATTERN, KEY_DELETION_OPCODES

LOG_GROUP_PREFIX = "/aws/cloudhsm/"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_OPCODE = re.compile(r"(?P<name>[A-Z][A-Z0-9_]*)(?:\s*\((?P<code>0x[0-9a-fA-F]+)\))?")
_RESPONSE = re.compile(r"(?P<code>-?\d+)\s*:\s*(?P<text>.*)")
_HUMAN_TIME = "%m/%d/%y %H:%M:%S.%f"


class AuditLogFormatError(ValueError):
    """The message is not an audit event in any documented format; the text says what is wrong."""


@dataclass(frozen=True)
class HsmAuditEntry:
    """One "Field : value" audit event from an HSM's log stream."""

    time: datetime
    sequence_no: int
    opcode: str
    opcode_code: int | None
    response_code: int
    response: str
    reboot_counter: int | None = None
    session_handle: int | None = None
    log_type: str | None = None
    # "Priv/Secret Key Handle"; on a destroy event, the key that was deleted.
    key_handle: int | None = None
    public_key_handle: int | None = None
    user_name: str | None = None
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.response_code == 0 and "SUCCESS" in self.response.upper()


class CertificateAuditEntry(BaseModel):
    """One certificate-storage audit event (JSON), from the log stream named for the cluster."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    object_handle: int | None
    op_code: str
    response: str
    attributes: list[str] | None = None
    timestamp: int

    @property
    def time(self) -> datetime:
        return _EPOCH + timedelta(milliseconds=self.timestamp)


AuditEntry = HsmAuditEntry | CertificateAuditEntry


def cluster_id_from_log_group(log_group: str) -> str | None:
    """`/aws/cloudhsm/cluster-likphkxygsn` → `cluster-likphkxygsn`; None for any other group."""
    if not log_group.startswith(LOG_GROUP_PREFIX):
        return None
    candidate = log_group.removeprefix(LOG_GROUP_PREFIX)
    return candidate if AWS_CLUSTER_ID_PATTERN.fullmatch(candidate) else None


def parse_audit_message(message: str) -> AuditEntry:
    """One CloudWatch Logs message from a CloudHSM log group, in whichever documented format."""
    text = message.strip()
    if text.startswith("{"):
        return _certificate_entry(text)
    return _hsm_entry(text)


@dataclass(frozen=True)
class NotAKeyRemoval:
    """Why an audit entry does not record key material leaving the HSM."""

    # A short code: "not-a-key-deletion", "key-deletion-failed",
    # "certificate-not-key".
    reason: str
    detail: str


def as_key_removal(entry: AuditEntry) -> HsmAuditEntry | NotAKeyRemoval:
    """The entry itself when it records key material deleted from an HSM; otherwise why not."""
    if isinstance(entry, CertificateAuditEntry):
        return NotAKeyRemoval(
            "certificate-not-key",
            f"certificate storage event {entry.op_code} (response {entry.response}) on object "
            f"{entry.object_handle}: certificates are not key material",
        )
    if entry.opcode not in KEY_DELETION_OPCODES:
        return NotAKeyRemoval(
            "not-a-key-deletion",
            f"opcode {entry.opcode} does not delete a key (key deletions: {_deletion_opcodes()})",
        )
    if not entry.succeeded:
        return NotAKeyRemoval(
            "key-deletion-failed",
            f"{entry.opcode} of key handle {entry.key_handle} failed on the HSM: "
            f"response {entry.response_code}:{entry.response}",
        )
    return entry


def describe_removal(entry: HsmAuditEntry, hsm_id: str) -> str:
    """One line for a report: what the HSM did, to which key, where in its log."""
    return (
        f"{entry.opcode} ({KEY_DELETION_OPCODES.get(entry.opcode, 'key deletion')}) of key handle "
        f"{entry.key_handle} on {hsm_id}, sequence {entry.sequence_no:#x}"
    )


def _deletion_opcodes() -> str:
    return ", ".join(KEY_DELETION_OPCODES)


def _certificate_entry(text: str) -> CertificateAuditEntry:
    try:
        return CertificateAuditEntry.model_validate(json.loads(text))
    except json.JSONDecodeError as error:
        raise AuditLogFormatError(f"JSON audit event does not parse: {error.msg}") from None
    except ValidationError as error:
        found = "; ".join(f"{p.field}: got {p.seen!r}; expected {p.accepted}" for p in problems(error))
        raise AuditLogFormatError(f"certificate audit event is incomplete: {found}") from None


def _hsm_entry(text: str) -> HsmAuditEntry:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        name, colon, value = line.partition(":")
        if not colon:
            if line.strip():
                raise AuditLogFormatError(f"line {line.strip()!r} is not 'Field : value'")
            continue
        fields[_field_name(name)] = value.strip()

    missing = [name for name in ("time", "sequence no", "opcode", "response") if name not in fields]
    if missing:
        raise AuditLogFormatError(
            f"not a CloudHSM audit event: missing {', '.join(missing)} "
            "(every event has Time, Sequence No, Opcode and Response)"
        )

    opcode = _OPCODE.fullmatch(fields["opcode"])
    if opcode is None:
        raise AuditLogFormatError(f"Opcode {fields['opcode']!r} is not 'NAME' or 'NAME (0xNN)'")
    response = _RESPONSE.fullmatch(fields["response"])
    if response is None:
        raise AuditLogFormatError(f"Response {fields['response']!r} is not '<code>:<text>'")

    return HsmAuditEntry(
        time=_time(fields["time"]),
        sequence_no=_number(fields["sequence no"], "Sequence No"),
        opcode=opcode["name"],
        opcode_code=int(opcode["code"], 16) if opcode["code"] else None,
        response_code=int(response["code"]),
        response=response["text"].strip(),
        reboot_counter=_optional_number(fields, "reboot counter"),
        session_handle=_optional_number(fields, "session handle"),
        log_type=fields.get("log type"),
        key_handle=_optional_number(fields, "priv/secret key handle"),
        public_key_handle=_optional_number(fields, "public key handle"),
        user_name=fields.get("user name"),
        fields=fields,
    )


def _field_name(raw: str) -> str:
    return " ".join(raw.split()).lower()


def _time(value: str) -> datetime:
    # "12/13/17 23:09:04.813977, usecs:1513206544813977": the microsecond count is exact, in UTC.
    human, _, usecs = value.partition(",")
    _, _, count = usecs.partition(":")
    if count.strip().isdigit():
        return _EPOCH + timedelta(microseconds=int(count.strip()))
    try:
        return datetime.strptime(human.strip(), _HUMAN_TIME).replace(tzinfo=UTC)
    except ValueError:
        raise AuditLogFormatError(
            f"Time {value!r} is not 'MM/DD/YY HH:MM:SS.ffffff, usecs:<microseconds>'"
        ) from None


def _number(value: str, name: str) -> int:
    # Counters and handles are hex ("0x2a") or decimal ("131078") depending on the field.
    try:
        return int(value, 16) if value.lower().startswith("0x") else int(value)
    except ValueError:
        raise AuditLogFormatError(f"{name} {value!r} is not a number") from None


def _optional_number(fields: dict[str, str], name: str) -> int | None:
    value = fields.get(name)
    if value is None or value == "":
        return None
    # "Log type : MGMT_KEY_DETAILS_LOG (1)" style values are not numbers; only bare numbers are.
    return _number(value.split()[0], name)
