"""Every function refuses an event it cannot read with InvalidEvent naming the field, the value
and what is accepted, before it reads or changes anything (issue 9, finding 10)."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from steward.events.outcomes import InvalidEvent

from sandbox.stack import stack_resources
from tests.conftest import FakeContext, load_event

FUNCTIONS = ["hsm_purge", "final_snapshot", "retention"]
# A sample each function accepts, and where its times are.
SAMPLES = {
    "hsm_purge": ["kms-cmk-deletion.json", "kms-schedulekeydeletion.json", "steward-key-removed.json"],
    "final_snapshot": ["redshift-deletecluster-skip-final.json", "retention-schedule.json"],
    "retention": ["retention-schedule.json"],
}


@pytest.fixture
def door(aws: None, handler: Callable[..., ModuleType]) -> Callable[[str], ModuleType]:
    return lambda function: handler(function, **stack_resources("us-east-1"))


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize(("event", "kind"), [([], "a list"), (None, "null"), ("steward", "a string")])
def test_an_event_that_is_not_an_object_is_refused(
    door: Callable[[str], ModuleType], context: FakeContext, function: str, event: Any, kind: str
) -> None:
    with pytest.raises(InvalidEvent, match=f"event: got .*; expected a JSON object .*not {kind}"):
        door(function).lambda_handler(event, context)


@pytest.mark.parametrize(("function", "sample"), [(f, s) for f, samples in SAMPLES.items() for s in samples])
def test_a_time_without_a_zone_is_refused_naming_the_field(
    door: Callable[[str], ModuleType], context: FakeContext, function: str, sample: str
) -> None:
    event = load_event(sample)
    event["time"] = "2026-11-02T09:30:00"

    with pytest.raises(InvalidEvent, match=r"time: got '2026-11-02T09:30:00'; expected .*time zone"):
        door(function).lambda_handler(event, context)


def test_a_cloudtrail_event_time_without_a_zone_is_refused_naming_the_field(
    door: Callable[[str], ModuleType], context: FakeContext
) -> None:
    event = load_event("kms-schedulekeydeletion.json")
    event["detail"]["eventTime"] = "2021-03-23T18:58:30"

    with pytest.raises(InvalidEvent, match=r"detail\.eventTime: got '2021-03-23T18:58:30'"):
        door("hsm_purge").lambda_handler(event, context)
