"""The words every layer shares: services, backups, clusters, tag names, snapshot names.

Imports nothing else of Steward's, so policy, services, events and flows can all use it."""
