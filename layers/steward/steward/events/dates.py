"""The one reader of the dates CloudTrail and EventBridge write, built on dateutil.

`read_cloudtrail_date` for code; `CloudTrailDate` (no zone means UTC) and `UtcDatetime` (the zone
is required) for models.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from typing import Annotated, Final

from dateutil import parser as dateutil_parser
from pydantic import AfterValidator, BeforeValidator

# Every rendering AWS has written into CloudTrail records, as the readers' messages show them.
ACCEPTED_CLOUDTRAIL_DATE: Final = (
    "a CloudTrail date such as 'Nov 2, 2021, 11:25:25 PM', 'Apr 12, 2021 18:58:30 PM' or "
    "ISO-8601 '2021-03-23T18:58:30Z'"
)
ACCEPTED_INSTANT: Final = "an ISO-8601 date and time with a time zone, such as '2021-03-23T18:58:30Z'"

# Two defaults that differ in every field dateutil fills in: a field the text lacks shows up as a
# difference, so "Nov 2" or "11:25 PM" alone is refused rather than completed from today.
_DEFAULTS: Final = (datetime(2000, 1, 1, 0, 0, 0), datetime(2001, 2, 2, 1, 1, 1))


def read_cloudtrail_date(text: str, *, zone_required: bool = False) -> datetime:
    """A date CloudTrail wrote, in UTC; ValueError naming what is accepted otherwise.

    Accepts "Nov 2, 2021, 11:25:25 PM", "Apr 12, 2021 18:58:30 PM" (a 24-hour hour despite the
    marker), a narrow no-break space before AM/PM, and ISO-8601 with or without fraction and zone.
    A date without a zone is UTC (CloudTrail records in UTC), unless `zone_required`.
    """
    accepted = ACCEPTED_INSTANT if zone_required else ACCEPTED_CLOUDTRAIL_DATE
    # CLDR 42 put U+202F before AM/PM; Java-rendered dates carry it.
    words = " ".join(text.replace("\u202f", " ").split())
    readings = {_read(words, default) for default in _DEFAULTS}
    if None in readings or len(readings) != 1:
        raise ValueError(accepted)
    (parsed,) = readings
    assert parsed is not None
    if parsed.tzinfo is None:
        if zone_required:
            raise ValueError(f"{accepted} (this one has no time zone)")
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _read(words: str, default: datetime) -> datetime | None:
    for candidate in (words, _without_marker(words)):
        if candidate is None:
            continue
        try:
            with warnings.catch_warnings():
                # An unknown zone name would otherwise be dropped silently and read as UTC.
                warnings.simplefilter("error", dateutil_parser.UnknownTimezoneWarning)
                parsed: datetime = dateutil_parser.parse(candidate, default=default)
        except (ValueError, OverflowError, dateutil_parser.UnknownTimezoneWarning):
            continue
        if candidate is words or parsed.hour > 12:
            return parsed
    return None


def _without_marker(words: str) -> str | None:
    # "18:58:30 PM": dateutil rightly refuses a 24-hour hour with a marker; KMS wrote it anyway.
    head, _, marker = words.rpartition(" ")
    return head if marker.upper() in ("AM", "PM") else None


def _cloudtrail_date(value: object) -> object:
    return read_cloudtrail_date(value) if isinstance(value, str) else value


def _instant(value: object) -> object:
    return read_cloudtrail_date(value, zone_required=True) if isinstance(value, str) else value


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{ACCEPTED_INSTANT} (this one has no time zone)")
    return value.astimezone(UTC)


# A date in `responseElements` and the like: any rendering above; no zone means UTC.
CloudTrailDate = Annotated[datetime, BeforeValidator(_cloudtrail_date)]
# An instant that says its zone: `eventTime`, an EventBridge envelope's `time`.
UtcDatetime = Annotated[datetime, BeforeValidator(_instant), AfterValidator(_utc)]
