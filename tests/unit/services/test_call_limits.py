"""The one client configuration: no call, retries and their waits included, outlasts the safety
margin it was started before; timestamps read as botocore reads them, faster."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.utils import parse_timestamp
from hypothesis import given
from hypothesis import strategies as st
from steward.machinery.settings import StewardSettings
from steward.services.clients import CallLimits, read_timestamp

MARGINS = StewardSettings.model_fields["SAFETY_MARGIN_SECONDS"].metadata


@given(st.floats(min_value=5, max_value=600))
def test_the_longest_call_fits_inside_the_margin(margin: float) -> None:
    limits = CallLimits.within(margin)

    assert limits.longest_call < margin
    assert 2 <= limits.attempts <= 8
    assert limits.connect_timeout > 0 and limits.read_timeout > 0


def test_the_default_margin_gives_four_attempts_of_at_least_three_seconds() -> None:
    limits = CallLimits.within(30)

    assert limits.attempts == 4
    assert limits.connect_timeout + limits.read_timeout >= 3
    config = limits.config(connections=8)
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 4}
    assert config.max_pool_connections == 10


def test_the_connection_pool_is_as_large_as_the_threads_that_share_a_client() -> None:
    assert CallLimits.within(30).config(connections=32).max_pool_connections == 32


def test_the_margin_setting_stays_where_the_limits_were_checked() -> None:
    bounds = {type(m).__name__: m for m in MARGINS}
    assert (bounds["Ge"].ge, bounds["Le"].le) == (5, 600)


timestamps = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.sampled_from([UTC, None])
)


@given(timestamps, st.sampled_from(["seconds", "milliseconds", "microseconds"]), st.booleans())
def test_timestamps_read_as_botocore_reads_them(moment: datetime, precision: str, zulu: bool) -> None:
    text = moment.isoformat(timespec=precision)
    if zulu and moment.tzinfo is not None:
        text = text.replace("+00:00", "Z")

    assert read_timestamp(text) == parse_timestamp(text)
    assert (read_timestamp(text).tzinfo is None) == (parse_timestamp(text).tzinfo is None)


@pytest.mark.parametrize("value", [1700000000, 1700000000.5, "1700000000", "1700000000.25"])
def test_epoch_seconds_still_go_to_botocore(value: object) -> None:
    assert read_timestamp(value) == parse_timestamp(value)
