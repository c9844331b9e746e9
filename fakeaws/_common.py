"""Helpers shared by the service modules: patching, time, ordered stores and token pagination."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sortedcontainers import SortedKeyList

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


class OrderedStore[K, V](dict[K, V]):
    """A moto backend's dict that also keeps its values sorted by ``order_key``.

    Installed in place of the plain dict a moto backend keeps its snapshots or backups in, so a
    listing page starts with a bisect instead of a sort: its cost does not grow with the fleet.
    The order key of a value must not change while it is stored.
    """

    def __init__(self, order_key: Callable[[V], str], items: Mapping[K, V] | None = None):
        super().__init__()
        self.ordered: SortedKeyList[V] = SortedKeyList(key=order_key)
        self.update(items or {})

    def __setitem__(self, key: K, value: V) -> None:
        if key in self:
            self.ordered.remove(self[key])
        super().__setitem__(key, value)
        self.ordered.add(value)

    def __delitem__(self, key: K) -> None:
        self.ordered.remove(self[key])
        super().__delitem__(key)

    def pop(self, key: K, *default: Any) -> Any:
        if key not in self:
            if default:
                return default[0]
            raise KeyError(key)
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[K, V]:
        key, value = super().popitem()
        self.ordered.remove(value)
        return key, value

    def setdefault(self, key: K, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self) -> None:
        super().clear()
        self.ordered.clear()


def keep_in_order[V](backend_class: type, attribute: str, order_key: Callable[[V], str]) -> None:
    """Make every ``backend_class`` instance keep ``attribute`` as an :class:`OrderedStore`."""
    init = backend_class.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        plain = getattr(self, attribute)
        ordered = OrderedStore(order_key, plain)
        setattr(self, attribute, ordered)
        # moto's maps of resources by type (Redshift's RESOURCE_TYPE_MAP, for tagging) hold the
        # dict itself: point them at the store too.
        for value in vars(self).values():
            if isinstance(value, dict) and not isinstance(value, OrderedStore):
                for key, item in value.items():
                    if item is plain:
                        value[key] = ordered

    backend_class.__init__ = __init__


def page[T](
    ordered: SortedKeyList[T],
    token: str | None,
    limit: int,
    invalid_token: Callable[[], Exception],
    *,
    keep: Callable[[T], bool] = lambda _: True,
    descending: bool = False,
) -> tuple[list[T], str | None]:
    """One page of the items in ``ordered`` that ``keep`` accepts, in key order (or reversed).

    The token names the key of the first item of the next page, so pages stay consistent
    when items are deleted between calls (as the AWS markers do). The page starts at a bisect
    and reads only as far as it needs to, so its cost does not depend on how many items sit
    before or after it. Returns (page, next_token).
    """
    key: Callable[[T], str] = ordered.key
    if token:
        first = decode_token(token)
        if first is None:
            raise invalid_token()
        if descending:
            items = ordered.irange_key(max_key=first, reverse=True)
        else:
            items = ordered.irange_key(min_key=first)
    else:
        items = reversed(ordered) if descending else iter(ordered)
    chunk: list[T] = []
    for item in items:
        if not keep(item):
            continue
        if len(chunk) == limit:
            return chunk, encode_token(key(item))
        chunk.append(item)
    return chunk, None
