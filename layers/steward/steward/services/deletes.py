"""Deleting items one call each, where a service has no batch API."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from steward.services.clients import AwsError, error_code
from steward.vocabulary.backups import Backup, DeleteOutcome


def delete_each(
    backups: Sequence[Backup], delete: Callable[[Backup], str], gone: Collection[str]
) -> list[DeleteOutcome]:
    """Call `delete` (which returns a detail for the report) for each backup.

    An error code in `gone` means the item had already been deleted, which a re-run after a
    partial failure counts as done; any other error is that item's failure, not the sweep's.
    """
    outcomes = []
    for backup in backups:
        try:
            outcomes.append(DeleteOutcome(backup, True, None, delete(backup)))
        except AwsError as error:
            code = error_code(error)
            if code in gone:
                outcomes.append(DeleteOutcome(backup, True, None, "already gone"))
            else:
                outcomes.append(DeleteOutcome(backup, False, code))
    return outcomes
