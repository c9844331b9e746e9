"""The tag names users control Steward with (a public interface) and how their values read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

PREFIX = "steward:"
RETENTION_DAYS = "steward:retention-days"
HOLD = "steward:hold"
DELETE_AFTER = "steward:delete-after"
FINAL_SNAPSHOT = "steward:final-snapshot"

# Tags Steward writes on what it creates, so people can tell what it is and where it came from.
CREATED_BY = "steward:created-by"
SOURCE = "steward:source"
REASON = "steward:reason"

RETENTION_DAYS_MIN = 1
RETENTION_DAYS_MAX = 3653
KEEP_FOREVER = -1
RETENTION_DAYS_ACCEPTED = (
    f"{KEEP_FOREVER} (keep forever) or whole days {RETENTION_DAYS_MIN}..{RETENTION_DAYS_MAX}"
)

# The deployment default of MIN_FINAL_SNAPSHOT_RETENTION_DAYS: a week to notice the alert.
MIN_FINAL_SNAPSHOT_DAYS = 7

Tags = Mapping[str, str]


def tags_from_list(tag_list: Iterable[Mapping[str, object]] | None) -> dict[str, str]:
    """AWS's [{"Key": k, "Value": v}] (or CloudTrail's lower-case key/value) as a plain dict."""
    tags: dict[str, str] = {}
    for tag in tag_list or ():
        key = tag.get("Key", tag.get("key"))
        if key is not None:
            tags[str(key)] = str(tag.get("Value", tag.get("value")) or "")
    return tags


def is_held(tags: Tags) -> bool:
    """`steward:hold` with any value but `false` is a legal hold (an empty value is one too)."""
    value = tags.get(HOLD)
    return value is not None and value.strip().lower() != "false"


def read_retention_days(value: str) -> int | None:
    """A `steward:retention-days` value: -1 (keep forever) or whole days 1..3653.

    None when it is neither (`abc`, `0`, `99999`, `7.5`): an unreadable value never means "delete".
    The same reading serves backups (part 1) and final snapshots (part 3).
    """
    text = value.strip()
    if text == str(KEEP_FOREVER):
        return KEEP_FOREVER
    if not text.isascii() or not text.isdigit():
        return None
    try:
        days = int(text)
    except ValueError:  # more digits than Python's int() limit (4,300): no number of days anyway
        return None
    return days if RETENTION_DAYS_MIN <= days <= RETENTION_DAYS_MAX else None


def steward_tags(tags: Tags) -> dict[str, str]:
    """Only the `steward:*` tags: what Steward remembers of a cluster."""
    return {key: value for key, value in tags.items() if key.startswith(PREFIX)}


def merge_protecting(*tag_sets: Tags) -> dict[str, str]:
    """Tags from several places that all apply to one backup, merged so that protection wins.

    Any hold holds; of the `steward:retention-days` values an unreadable one wins (it keeps the
    backup), then keep-forever, then the longest. Other keys: the first set that has them.
    """
    merged: dict[str, str] = {}
    for tags in reversed(tag_sets):
        merged.update(tags)
    holds = [tags[HOLD] for tags in tag_sets if HOLD in tags]
    if holds:
        merged[HOLD] = next((value for value in holds if is_held({HOLD: value})), holds[0])
    days = [tags[RETENTION_DAYS] for tags in tag_sets if RETENTION_DAYS in tags]
    if days:
        merged[RETENTION_DAYS] = max(days, key=_protection)
    return merged


def _protection(value: str) -> int:
    # How long a retention-days value keeps a backup: unreadable and keep-forever above any days.
    days = read_retention_days(value)
    if days is None:
        return RETENTION_DAYS_MAX + 2
    return RETENTION_DAYS_MAX + 1 if days == KEEP_FOREVER else days
