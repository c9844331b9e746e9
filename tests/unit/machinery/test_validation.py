"""The one validation-message helper: pydantic's errors in the reader's words (issue 9, finding 10)."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError
from steward.events.cluster_changes.parser import parse_cluster_event
from steward.events.key_triggers import parse_key_event
from steward.events.outcomes import InvalidField, read_model
from steward.machinery.validation import problems

from tests.conftest import load_event


class Detail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purgeId: Annotated[str, Field(min_length=1, max_length=8)] = "p"
    days: Annotated[int, Field(ge=0, le=10)] = 0
    flag: StrictBool = False


@pytest.mark.parametrize(
    ("data", "accepted"),
    [
        ({"purgeId": ""}, "text of at least 1 character"),
        ({"purgeId": "x" * 9}, "text of at most 8 characters"),
        ({"purgeId": 7}, "text"),
        ({"extra": 1}, "no field of this name (it is not one this input has)"),
        ({"days": "many"}, "a whole number"),
        ({"days": -1}, "a number no less than 0"),
        ({"days": 11}, "a number no greater than 10"),
        ({"flag": "yes"}, "a JSON boolean, true or false"),
    ],
)
def test_pydantic_errors_are_worded_for_the_reader(data: dict[str, object], accepted: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Detail.model_validate(data)

    assert problems(raised.value)[0].accepted == accepted


@pytest.mark.parametrize(
    "data", [{"purgeId": ""}, {"extra": 1}, {"days": "x"}, {"flag": 3}, [], None, "text"]
)
def test_no_pydantic_phrasing_leaks_into_a_message(data: object) -> None:
    with pytest.raises(InvalidField) as raised:
        read_model(Detail, data)

    message = str(raised.value)
    for phrase in ("should", "Input", "permitted", "valid dictionary", "instance of"):
        assert phrase not in message


def test_a_tag_event_for_another_service_names_the_arn_it_expects() -> None:
    event = load_event("redshift-createtags-delete-after.json")
    event["detail"]["requestParameters"]["resourceName"] = "arn:aws:s3:::bucket"

    with pytest.raises(InvalidField) as raised:
        parse_cluster_event(event)

    assert "an redshift" not in str(raised.value)
    assert "the ARN of a redshift resource" in str(raised.value)


def test_a_key_event_that_is_not_an_object_names_the_event() -> None:
    with pytest.raises(InvalidField) as raised:
        parse_key_event(["not", "an", "event"])

    assert raised.value.field == "event"
