"""The key purge: when key material leaves a CloudHSM cluster, delete the backups that still hold it.

One run handles what one event asks for: a key removal (open a purge and advance it), a KMS key
whose deletion was scheduled or cancelled (remember or forget its cluster),
an undo, or the schedule (advance every pending purge). Every backup looked at is a
`Decision`; every purge is a DynamoDB record and an SNS notification. AWS's backup states are
re-read on every advance, so a replayed or duplicated event can only repeat a no-op.

The paths through it, one module each: `triggers` (what each event asks for: open a purge,
record or forget a key's cluster), `pending` (the schedule's check of every pending purge),
`advance` (act on a purge and record it), `undo` (restore what a purge deleted);
`key_registry` remembers key → cluster, `ports` is what every path shares.
"""

from steward.flows.key_purge.ports import PurgeFailed
from steward.flows.key_purge.triggers import read_event, run

__all__ = ["PurgeFailed", "read_event", "run"]
