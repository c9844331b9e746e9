"""Helpers shared by the service modules: patching, time and opaque-token pagination."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

_ORIGINALS: dict[tuple[type, str], Any] = {}


def graft(target: type, extension: type) -> None:
    """Copy every attribute defined in ``extension``'s body onto moto's ``target`` class.

    Extensions subclass the moto class only so that ``self`` is typed; their methods are
    installed on the moto class itself, so moto's own instances (and the URL maps that bind
    moto's Response classes) pick them up. Replaced attributes stay reachable via :func:`original`.
    """
    for name, value in vars(extension).items():
        if name.startswith("__"):
            continue
        _ORIGINALS.setdefault((target, name), target.__dict__.get(name))
        setattr(target, name, value)


def original(target: type, name: str) -> Any:
    """The attribute ``target.<name>`` had before :func:`graft` replaced it."""
    return _ORIGINALS[(target, name)]


def now() -> datetime:
    """Naive UTC 'now', the representation moto uses for every timestamp."""
    return datetime.now(UTC).replace(tzinfo=None)


def naive_utc(value: datetime) -> datetime:
    """Normalise a (possibly aware) datetime to moto's naive-UTC representation."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def epoch(value: datetime | None) -> float | None:
    """Seconds since the epoch, as AWS JSON-protocol services send timestamps."""
    if value is None:
        return None
    return naive_utc(value).replace(tzinfo=UTC).timestamp()


def encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"k": key}).encode()).decode()


def decode_token(token: str) -> str | None:
    """Return the key stored in a token, or None if the token is not one of ours."""
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))["k"]
    except (ValueError, KeyError, TypeError):
        return None
    return key if isinstance(key, str) else None


def page[T](
    items: Sequence[T],
    key: Callable[[T], str],
    token: str | None,
    limit: int,
    invalid_token: Callable[[], Exception],
) -> tuple[list[T], str | None]:
    """Slice ``items`` (sorted here by ``key``) into one page.

    The token names the key of the first item of the next page, so pages stay consistent
    when items are deleted between calls (as the AWS markers do). Returns (page, next_token).
    """
    ordered = sorted(items, key=key)
    start = 0
    if token:
        first = decode_token(token)
        if first is None:
            raise invalid_token()
        start = next((i for i, item in enumerate(ordered) if key(item) >= first), len(ordered))
    chunk = ordered[start : start + limit]
    rest = ordered[start + limit :]
    return chunk, (encode_token(key(rest[0])) if rest else None)
