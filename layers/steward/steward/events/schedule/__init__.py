"""The EventBridge schedule that starts a sweep (retention, pending purges, final snapshots)."""
