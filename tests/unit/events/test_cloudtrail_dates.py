"""The one reader of CloudTrail's dates: every rendering AWS has written reads back the same instant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from steward.events.dates import read_cloudtrail_date


def _twelve_hour(moment: datetime) -> str:
    return f"{moment.hour % 12 or 12}:{moment:%M:%S} {moment:%p}"


def _day(moment: datetime) -> str:
    return f"{moment:%b} {moment.day}, {moment.year}"


# Each rendering, as seen in published records.
RENDERINGS: dict[str, Callable[[datetime], str]] = {
    # KMS ScheduleKeyDeletion (single-Region): "Apr 12, 2021 18:58:30 PM", a 24-hour hour with PM.
    "24-hour with marker": lambda m: f"{_day(m)} {m:%H:%M:%S} {'PM' if m.hour >= 12 else 'AM'}",
    # KMS ScheduleKeyDeletion (CloudHSM key store): "Nov 2, 2021, 11:25:25 PM".
    "comma before the time": lambda m: f"{_day(m)}, {_twelve_hour(m)}",
    # "Aug 2, 2021 11:40:56 PM", ElastiCache's "Dec 1, 2014 10:16:06 PM".
    "12-hour": lambda m: f"{_day(m)} {_twelve_hour(m)}",
    # Java 20+ (CLDR 42) put a narrow no-break space before the marker.
    "narrow no-break space": lambda m: f"{_day(m)}, {_twelve_hour(m).replace(' ', chr(0x202F))}",
    "ISO-8601 Z": lambda m: m.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "ISO-8601 fraction": lambda m: m.isoformat(timespec="microseconds").replace("+00:00", "Z"),
    "ISO-8601 offset": lambda m: m.astimezone(timezone(timedelta(hours=-7))).isoformat(),
    "ISO-8601 no zone": lambda m: m.replace(tzinfo=None).isoformat(),
}
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@pytest.mark.parametrize("rendering", RENDERINGS)
@given(moment=instants)
def test_any_instant_in_any_rendering_reads_back_equal(rendering: str, moment: datetime) -> None:
    # Only the ISO forms carry fractions of a second.
    if "ISO" not in rendering or rendering == "ISO-8601 Z":
        moment = moment.replace(microsecond=0)

    assert read_cloudtrail_date(RENDERINGS[rendering](moment)) == moment


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Apr 12, 2021 18:58:30 PM", datetime(2021, 4, 12, 18, 58, 30, tzinfo=UTC)),
        ("Nov 2, 2021, 11:25:25 PM", datetime(2021, 11, 2, 23, 25, 25, tzinfo=UTC)),
        ("Nov 15, 2022, 6:49:20 PM", datetime(2022, 11, 15, 18, 49, 20, tzinfo=UTC)),
        ("Aug 2, 2021 11:40:56 PM", datetime(2021, 8, 2, 23, 40, 56, tzinfo=UTC)),
        ("Jul 31, 2020 12:00:00 AM", datetime(2020, 7, 31, 0, 0, 0, tzinfo=UTC)),
        ("2021-03-23T18:58:30Z", datetime(2021, 3, 23, 18, 58, 30, tzinfo=UTC)),
    ],
)
def test_the_published_dates_are_read(text: str, expected: datetime) -> None:
    assert read_cloudtrail_date(text) == expected


@pytest.mark.parametrize("text", ["next Tuesday", "Nov 2", "11:25:25 PM", "2021-03-23T18:58:30 PST", ""])
def test_a_date_that_is_not_complete_or_not_known_is_refused_naming_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="Nov 2, 2021, 11:25:25 PM"):
        read_cloudtrail_date(text)


def test_an_instant_that_must_say_its_zone_is_refused_without_one() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        read_cloudtrail_date("2021-03-23T18:58:30", zone_required=True)
