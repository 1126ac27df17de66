"""Backup and restore of one installation: the database and every file location (docs/operations.md)."""
