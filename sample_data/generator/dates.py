"""Date arithmetic and the date formats each agency exports."""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def add_years(when: date, years: int) -> date:
    """Same day ``years`` later; 29 February becomes 28 February."""
    try:
        return when.replace(year=when.year + years)
    except ValueError:
        return when.replace(year=when.year + years, day=28)


def between(rng: Random, start: date, end: date) -> date:
    """A uniformly random date in [start, end]; ``start`` if the range is empty."""
    span = (end - start).days
    if span <= 0:
        return start
    return start + timedelta(days=rng.randint(0, span))


def days(n: int) -> timedelta:
    """Shorthand for a span of days."""
    return timedelta(days=n)


def academic_age(dob: date, as_of: date) -> int:
    """Age on 31 August before the academic year that contains ``as_of``."""
    year = as_of.year if as_of.month >= 9 else as_of.year - 1
    cutoff = date(year, 8, 31)
    age = cutoff.year - dob.year
    if (cutoff.month, cutoff.day) < (dob.month, dob.day):
        age -= 1
    return age


def term_start(year: int) -> date:
    """The first weekday on or after 3 September."""
    start = date(year, 9, 3)
    while start.weekday() >= 5:
        start += timedelta(days=1)
    return start


def iso(when: date | None) -> str:
    """2026-03-05"""
    return when.isoformat() if when else ""


def ssd(when: date | None, hour: int = 0, minute: int = 0) -> str:
    """2026-03-05 00:00:00 (Standard Safeguarding Dataset)."""
    if when is None:
        return ""
    return f"{when.isoformat()} {hour:02d}:{minute:02d}:00"


def uk(when: date | None) -> str:
    """05/03/2026"""
    return f"{when.day:02d}/{when.month:02d}/{when.year:04d}" if when else ""


def uk_time(when: date | None, hour: int, minute: int) -> str:
    """05/03/2026 14:20"""
    return f"{uk(when)} {hour:02d}:{minute:02d}" if when else ""


def oracle(when: date | None) -> str:
    """05-MAR-2026 (an Oracle-style export)."""
    if when is None:
        return ""
    return f"{when.day:02d}-{MONTHS[when.month - 1]}-{when.year:04d}"


def compact(when: date | None) -> str:
    """20260305"""
    return f"{when.year:04d}{when.month:02d}{when.day:02d}" if when else ""
