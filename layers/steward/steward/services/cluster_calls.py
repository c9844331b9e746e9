"""What the two cluster adapters do alike: turn wire error codes into Steward's cluster problems,
ask whether a snapshot name exists, write tag lists, and date an ElastiCache snapshot."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import NoReturn, NotRequired, TypedDict

from botocore.exceptions import ClientError

from steward.services.clients import error_code
from steward.vocabulary.clusters import ClusterProblem

Problems = Mapping[str, Callable[[str, str], ClusterProblem]]


class Tag(TypedDict):
    """One tag as both Redshift and ElastiCache take it."""

    Key: NotRequired[str]
    Value: NotRequired[str]


def raise_problem(error: ClientError, problems: Problems) -> NoReturn:
    """Re-raise `error` as the cluster problem its wire code means, or as it is."""
    code = error_code(error)
    problem = problems.get(code)
    if problem is None:
        raise error
    raise problem(code, str(error)) from error


def snapshot_exists(describe: Callable[[], object], not_found: str) -> bool:
    """Whether `describe` (a describe call for one snapshot name) finds it; `not_found` is the code."""
    try:
        describe()
    except ClientError as error:
        if error_code(error) == not_found:
            return False
        raise
    return True


def tag_list(tags: Mapping[str, str]) -> list[Tag]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def created_from_nodes(node_times: Iterable[datetime | None]) -> datetime | None:
    """An ElastiCache snapshot has no timestamp of its own: it is as old as its oldest node snapshot.
    None unless every node reports a time (a snapshot still being taken is not dated)."""
    times = list(node_times)
    if not times or any(t is None for t in times):
        return None
    return min(t for t in times if t is not None)
