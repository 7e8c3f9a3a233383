"""Time, always timezone-aware UTC inside the platform."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC (SQLite hands some back naive)."""
    if value.tzinfo is UTC:
        return value  # the common case, and `astimezone()` is not free
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
