"""The schedule's check: advance every pending purge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from steward.flows.key_purge.advance import advance
from steward.flows.key_purge.ports import ItemFailure, KeyPurgeRun

# What a failed listing of the pending purges is reported against.
PENDING_MARKERS = "pending-purge"


@dataclass(frozen=True)
class PendingCheck:
    """The schedule: advance every pending purge."""

    time: datetime
    source_event_id: str


def check_pending(run: KeyPurgeRun) -> None:
    state = run.ports.state
    try:
        pending = state.pending_ids()
    except ItemFailure as error:
        return run.failed(PENDING_MARKERS, run.settings.AWS_REGION, error)
    for purge_id in pending:
        try:
            record = state.get(purge_id)
            if record is None or record.status != "pending":
                if not run.settings.DRY_RUN:
                    state.clear_pending(purge_id)
                continue
            advance(run, record, opened=False)
        except ItemFailure as error:
            run.failed(purge_id, run.settings.AWS_REGION, error)
    return None
