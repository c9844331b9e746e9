"""Deleting expired backups with several calls in flight, each heard the moment it returns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from typing import Protocol

from steward.policy.retention import Verdict
from steward.vocabulary.backups import Backup, DeleteOutcome

Batch = Sequence[Verdict]


class Deletes(Protocol):
    def delete(self, backups: Sequence[Backup]) -> list[DeleteOutcome]: ...


def delete_batches(
    store: Deletes,
    batches: Sequence[Batch],
    workers: int,
    stop: Callable[[], bool],
    done: Callable[[Batch, list[DeleteOutcome]], None],
    deferred: Callable[[Batch], None],
) -> None:
    """Delete batch by batch with up to `workers` calls in flight (threads share the store's
    client, and so its adaptive rate limiter); `done` hears each batch as its call returns.

    Once `stop()` says so no batch is started, and `deferred` hears each one left. Every call
    started is waited for and heard, even when another raised, before the error goes on.
    """
    in_flight: dict[Future[list[DeleteOutcome]], Batch] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="delete") as pool:
        try:
            for index, batch in enumerate(batches):
                if len(in_flight) >= workers:
                    finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in finished:
                        done(in_flight.pop(future), future.result())
                if stop():
                    for left in batches[index:]:
                        deferred(left)
                    break
                in_flight[pool.submit(store.delete, [v.backup for v in batch])] = batch
        finally:
            _hear_the_rest(in_flight, done)


def _hear_the_rest(
    in_flight: dict[Future[list[DeleteOutcome]], Batch], done: Callable[[Batch, list[DeleteOutcome]], None]
) -> None:
    errors: list[BaseException] = []
    for future in as_completed(list(in_flight)):
        batch = in_flight.pop(future)
        try:
            outcomes = future.result()
        except BaseException as error:  # the others are heard first, then it is raised
            errors.append(error)
            continue
        done(batch, outcomes)
    if errors:
        raise errors[0]
