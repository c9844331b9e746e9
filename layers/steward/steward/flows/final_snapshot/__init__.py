"""Final snapshots: delete tagged clusters only with a final snapshot; rescue the data of clusters
that someone deleted without one.

Three triggers, one flow:
* schedule sweep -> refresh the inventory of guarded clusters, write tags that failed before,
  decommission what is due;
* tag event (AddTagsToResource / CreateTags) -> the same for the one cluster, right away, once
  the cluster's live tags show the event's tags;
* delete event (DeleteCluster / DeleteCacheCluster / DeleteReplicationGroup / DeleteServerlessCache)
  without a final snapshot -> copy the newest automatic snapshot to a manual one and alert.

The paths through it, one module each: `decommission` (delete by tag, with a final snapshot),
`rescue` (copy the newest automatic snapshot after an unsafe delete), `sweep` and `tag_event`
(the two ways a decommission starts), `deferred_tags` (snapshot tags written on a later sweep);
`run` reads the trigger and picks the path, `context` is what every path shares.
"""

from steward.flows.final_snapshot.run import parse_trigger, run

__all__ = ["parse_trigger", "run"]
