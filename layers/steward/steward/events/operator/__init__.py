"""The operator's own events on the operator bus, source `steward`: key removed by hand, purge undo."""
