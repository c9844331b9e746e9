"""Identifiers Steward creates, built to obey each service's naming rules.

Snapshot names look like ``<cluster>-final-20261121t093000z`` (``-rescue-`` for copies of
automatic snapshots made after someone deleted a cluster without a final snapshot), with
``-2``, ``-3``, ... appended when the name is already taken.

The timestamp is ISO 8601 *basic* format in UTC, to the second:

* basic format because colons, dots and ``+`` are not allowed in snapshot names;
* lower-case ``t``/``z`` because ElastiCache stores names in lower case, so the name Steward
  asks for is exactly the name it later reads back (and Redshift identifiers are lower case);
* UTC with a ``z`` so that the name is unambiguous and sorts chronologically per cluster;
* seconds, because two final snapshots of one cluster within a second are handled by the
  ``-2`` counter, and anything finer only makes the name longer.

Rules every generated name obeys, for every service:

* letters, digits and hyphens only, all lower case;
* starts with a letter, never ends with a hyphen, never has two hyphens in a row;
* at most 255 characters. Redshift documents 1-255 for snapshot identifiers
  (DeleteCluster FinalClusterSnapshotIdentifier, CopyClusterSnapshot TargetSnapshotIdentifier)
  and ElastiCache 1-255 for serverless snapshot names (CreateServerlessCacheSnapshot). For
  provisioned ElastiCache snapshot names (CreateSnapshot SnapshotName, CopySnapshot
  TargetSnapshotName, FinalSnapshotIdentifier) neither the API reference nor the botocore
  1.43 service model documents any limit beyond "stored as a lowercase string", so the same
  255 is used.

The timestamp and the uniqueness counter are never shortened: a long cluster id is cut
instead, and any hyphen the cut leaves at its end is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable
from datetime import UTC, datetime
from itertools import count
from typing import Final, Literal

SnapshotService = Literal["redshift", "elasticache", "elasticache-serverless"]
ResourceKind = Literal[
    "redshift-cluster",
    "elasticache-cluster",
    "elasticache-replication-group",
    "elasticache-serverless",
]

MAX_SNAPSHOT_NAME_LENGTH: Final[dict[SnapshotService, int]] = {
    "redshift": 255,
    "elasticache": 255,  # not documented anywhere; see the module docstring
    "elasticache-serverless": 255,
}

SNAPSHOT_SERVICE: Final[dict[ResourceKind, SnapshotService]] = {
    "redshift-cluster": "redshift",
    "elasticache-cluster": "elasticache",
    "elasticache-replication-group": "elasticache",
    "elasticache-serverless": "elasticache-serverless",
}

FINAL_MARKER: Final = "final"
RESCUE_MARKER: Final = "rescue"

# Put in front of a cluster id that does not start with a letter, or that has nothing usable.
LETTER_PREFIX: Final = "cluster"

_NOT_NAME_CHARACTERS = re.compile(r"[^a-z0-9]+")
# What _snapshot_name produces: <label>-<marker>-<timestamp>[-<counter from 2>].
_STEWARD_NAME = re.compile(
    rf"(?P<label>[a-z][a-z0-9-]*?)-(?P<marker>{FINAL_MARKER}|{RESCUE_MARKER})"
    r"-(?P<stamp>\d{8}t\d{6}z)(?:-(?P<counter>[2-9]|[1-9]\d+))?"
)
_NAME_CHARACTERS = re.compile(r"[a-z0-9-]*")


def final_snapshot_name(
    service: SnapshotService,
    cluster_id: str,
    at: datetime,
    taken: Container[str] = frozenset(),
) -> str:
    """The name of the final snapshot Steward takes of `cluster_id` just before deleting it."""
    return _snapshot_name(service, cluster_id, FINAL_MARKER, at, taken)


def rescue_snapshot_name(
    service: SnapshotService,
    cluster_id: str,
    at: datetime,
    taken: Container[str] = frozenset(),
) -> str:
    """The name of the manual copy Steward makes of an automatic snapshot of a deleted cluster."""
    return _snapshot_name(service, cluster_id, RESCUE_MARKER, at, taken)


def steward_snapshot_marker(name: str) -> str | None:
    """`final` or `rescue` when `name` has the shape of a snapshot name Steward generates (for
    some cluster), else None. Anyone may give a snapshot such a name: use it only to keep longer."""
    match = _STEWARD_NAME.fullmatch(name)
    return None if match is None else match["marker"]


def is_stewards_snapshot_name(service: SnapshotService, cluster_id: str, name: str) -> bool:
    """True when `name` is one Steward's naming produces for `cluster_id` (a final or rescue
    snapshot, any time, any counter): the label must be exactly the one `cluster_id` gets."""
    match = _STEWARD_NAME.fullmatch(name)
    if match is None or len(name) > MAX_SNAPSHOT_NAME_LENGTH[service]:
        return False
    suffix = f"-{match['marker']}-{match['stamp']}"
    counter = f"-{match['counter']}" if match["counter"] else ""
    room = MAX_SNAPSHOT_NAME_LENGTH[service] - len(suffix) - len(counter)
    return match["label"] == cluster_label(cluster_id)[:room].rstrip("-")


def cluster_label(cluster_id: str) -> str:
    """The cluster id as it appears in snapshot names, before any shortening.

    Lower case; accents dropped; every run of other characters becomes one hyphen; leading
    and trailing hyphens removed; prefixed with ``cluster-`` unless it starts with a letter.
    """
    decomposed = unicodedata.normalize("NFKD", cluster_id)
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    label = _NOT_NAME_CHARACTERS.sub("-", without_accents.lower()).strip("-")
    if not label:
        return LETTER_PREFIX
    if not label[0].isalpha():
        return f"{LETTER_PREFIX}-{label}"
    return label


def timestamp(at: datetime) -> str:
    """`at` in UTC as ISO 8601 basic format in lower case, e.g. ``20261121t093000z``."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(
            f"snapshot time {at.isoformat()} has no time zone; pass an aware datetime (UTC)"
        )
    utc = at.astimezone(UTC)
    return (
        f"{utc.year:04d}{utc.month:02d}{utc.day:02d}"
        f"t{utc.hour:02d}{utc.minute:02d}{utc.second:02d}z"
    )


def partition(region: str) -> str:
    """The ARN partition of `region`: aws-cn for cn-*, aws-us-gov for us-gov-*, else aws."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def validate_snapshot_name(service: SnapshotService, name: str) -> None:
    """Raise ValueError naming the rule `name` breaks for `service`; return None if it obeys all."""
    limit = MAX_SNAPSHOT_NAME_LENGTH[service]
    accepted = (
        f"{service} snapshot names Steward creates are 1-{limit} lower-case letters, digits "
        "or hyphens, start with a letter, and neither end with a hyphen nor contain '--'"
    )

    def broken(rule: str) -> ValueError:
        return ValueError(f"snapshot name {name!r} {rule}; {accepted}")

    if not name:
        raise broken("is empty")
    if len(name) > limit:
        raise broken(f"is {len(name)} characters long, more than {limit}")
    if name != name.lower():
        raise broken("has upper-case letters")
    if not _NAME_CHARACTERS.fullmatch(name):
        bad = sorted({c for c in name if not _NAME_CHARACTERS.fullmatch(c)})
        raise broken(f"has characters other than letters, digits and hyphens: {bad!r}")
    if not name[0].isalpha():
        raise broken("does not start with a letter")
    if name.endswith("-"):
        raise broken("ends with a hyphen")
    if "--" in name:
        raise broken("contains two consecutive hyphens")


def _snapshot_name(
    service: SnapshotService,
    cluster_id: str,
    marker: str,
    at: datetime,
    taken: Container[str],
) -> str:
    limit = MAX_SNAPSHOT_NAME_LENGTH[service]
    label = cluster_label(cluster_id)
    suffix = f"-{marker}-{timestamp(at)}"
    lowered_taken = _lowered(taken)
    for number in count(1):
        counter = "" if number == 1 else f"-{number}"
        room = limit - len(suffix) - len(counter)
        name = label[:room].rstrip("-") + suffix + counter
        if name not in lowered_taken:
            validate_snapshot_name(service, name)
            return name
    raise AssertionError("unreachable: count() never ends")  # pragma: no cover


def _lowered(taken: Container[str]) -> Container[str]:
    # Names Steward generates are lower case; compare against lower-cased taken names when
    # they can be listed. A container that cannot be listed is asked as it is.
    if isinstance(taken, Iterable):
        return frozenset(name.lower() for name in taken if isinstance(name, str))
    return taken
