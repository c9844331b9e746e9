"""The one validation-message helper: pydantic's errors in the reader's words (issue 9, finding 10)."""

from __future__ import annotations

from datetime import date
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


# pydantic's own phrasing; none may reach an operator or an event's sender.
LIBRARY_PHRASES = (
    "Input should",
    "String should",
    "valid string",
    "input is too short",
    "Extra inputs",
    "^arn",
    "\\d",
)


def _removal(**detail: object) -> dict[str, object]:
    event = load_event("steward-key-removed.json")
    event["detail"].update(detail)
    return event


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            {**load_event("steward-key-removed.json"), "time": "yesterday"},
            "time: got 'yesterday'; expected an ISO-8601",
        ),
        (_removal(clusterId=42), "detail.clusterId: got 42; expected text"),
        (_removal(removedAt="soon"), "detail.removedAt: got 'soon'; expected an ISO-8601"),
        (_removal(extra=1), "detail.extra: got 1; expected no field of this name"),
        ({}, "source and detail-type: got <absent>; expected the field to be present"),
        ({"source": "aws.kms"}, "detail-type: got <absent>"),
        (
            {"source": "nope", "detail-type": "x"},
            "source: got 'nope'; expected one of aws.kms, aws.logs, steward",
        ),
        (
            {"source": "aws.kms", "detail-type": "AWS API Call via CloudTrail", "detail": {}},
            "detail.eventName: got <absent>",
        ),
    ],
)
def test_key_event_errors_are_in_words(event: object, expected: str) -> None:
    with pytest.raises(InvalidField) as raised:
        parse_key_event(event)

    message = str(raised.value)
    assert message.startswith(expected)
    assert "('" not in message  # no tuples
    for phrase in LIBRARY_PHRASES:
        assert phrase not in message


def _cluster(sample: str, **parameters: object) -> dict[str, object]:
    event = load_event(sample)
    event["detail"]["requestParameters"].update(parameters)
    return event


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            {**load_event("redshift-deletecluster-skip-final.json"), "time": "yesterday"},
            "time: got 'yesterday'",
        ),
        (_cluster("redshift-deletecluster-skip-final.json", clusterIdentifier=42), "got 42; expected text"),
        (_cluster("redshift-createtags-delete-after.json", tags="x"), "tags: got 'x'; expected a list"),
    ],
)
def test_cluster_event_errors_are_in_words(event: dict[str, object], expected: str) -> None:
    with pytest.raises(InvalidField) as raised:
        parse_cluster_event(event)

    message = str(raised.value)
    assert expected in message
    for phrase in LIBRARY_PHRASES:
        assert phrase not in message


def test_missing_request_parameters_read_absent_and_null_reads_none() -> None:
    missing = load_event("redshift-deletecluster-skip-final.json")
    del missing["detail"]["requestParameters"]
    null = load_event("redshift-deletecluster-skip-final.json")
    null["detail"]["requestParameters"] = None

    with pytest.raises(InvalidField, match=r"detail\.requestParameters: got <absent>"):
        parse_cluster_event(missing)
    with pytest.raises(InvalidField, match=r"detail\.requestParameters: got None"):
        parse_cluster_event(null)


class Keyed(BaseModel):
    tags: dict[Annotated[str, Field(min_length=2)], str] = {}
    when: date | None = None
    ratio: float = 0.0


@pytest.mark.parametrize(
    ("data", "field", "accepted"),
    [
        ({"tags": {"k": "v"}}, "tags.k (a key)", "text of at least 2 characters"),
        ({"tags": {"kk": 1}}, "tags.kk", "text"),
        ({"when": "someday"}, "when", "an ISO-8601 date such as 2026-11-02"),
        ({"ratio": "half"}, "ratio", "a number"),
    ],
)
def test_dict_keys_dates_and_numbers_are_worded(data: dict[str, object], field: str, accepted: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Keyed.model_validate(data)

    (problem,) = problems(raised.value)
    assert (problem.field, problem.accepted) == (field, accepted)
