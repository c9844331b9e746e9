"""Retention: the scheduled sweep that deletes expired backups (`sweep`)."""

from steward.flows.retention.sweep import run

__all__ = ["run"]
