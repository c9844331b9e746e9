"""The operator's own events on the default bus, source `steward`: key removed by hand, purge undo."""
