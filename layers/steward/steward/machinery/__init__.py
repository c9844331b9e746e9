"""The machinery every function runs on: settings, logging and metrics, the report, the command line."""
