"""Steward: retention, key purge and final snapshots for ElastiCache, Redshift and CloudHSM backups."""
