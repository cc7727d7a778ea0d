"""What an answer is, and when it was given: shared by the store, grading and the widgets.

Answers are plain JSON values, the same in the widgets, the store and the
learner record; :mod:`coursekit.grading` says what each question type takes.
``None`` (or an empty value) means "not answered" and is never graded.

Times are stored as ISO 8601 in UTC (:func:`now`) and shown in the course's
time zone (``course.yaml``'s ``timezone``) by :func:`shown_time`: a Binder
kernel runs in UTC, eight hours behind a learner in Wuhan.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterable
from functools import cache
from typing import TypeAlias
from zoneinfo import ZoneInfo

from coursekit.messages import msg

__all__ = [
    "STAMP_PATTERN",
    "STAMP_SHAPE",
    "Answer",
    "instant",
    "local_time",
    "now",
    "parse_time",
    "shown_time",
    "time_bounds",
]

Answer: TypeAlias = "str | bool | list[str] | dict[str, str | None] | None"


def now() -> str:
    """The current time as stored: ISO 8601, UTC, with microseconds."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


STAMP_PATTERN = r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)$"
_STAMP = re.compile(STAMP_PATTERN)
STAMP_SHAPE = "expected a time such as 2020-02-05T08:00:00+00:00"


def parse_time(value: str) -> dt.datetime:
    """An ISO 8601 time with its zone, as :func:`coursekit.answers.now` writes it.

    Raises ``ValueError`` for text of another shape and for times that do not
    exist (month 19, hour 29).
    """
    found = _STAMP.match(value)
    if found is None:
        raise ValueError(STAMP_SHAPE)
    try:
        if sys.version_info >= (3, 11):
            return dt.datetime.fromisoformat(value)
        # Python 3.10's fromisoformat takes neither Z nor 1 to 5 fraction digits.
        year, month, day, hour, minute, second, fraction, zone = found.groups()
        offset = dt.timedelta(0)
        if zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            offset = sign * dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        return dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=dt.timezone(offset),
        )
    except ValueError:
        raise ValueError(f"{value} is not a real date and time") from None


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_time(stamp: str, zone: str) -> dt.datetime | None:
    """A stored time in the time zone ``zone``; ``None`` if ``stamp`` is no ISO time.

    A time without an offset is taken as UTC, as the store writes it.
    """
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(_zone(zone))


def shown_time(
    stamp: str, zone: str, lang: str, *, dated: bool = False, today: dt.date | None = None
) -> str:
    """A stored time as a learner reads it, in the course's time zone.

    ``2月5日 14:37`` (the catalogue's ``format.datetime``), or just ``14:37``
    when it is today there and the text is read now (a widget's status); a
    page kept for later (``dated``) always names the day. A record's time that
    is not an ISO time is shown as it is: a learner's file is input, not truth.
    """
    moment = local_time(stamp, zone)
    if moment is None:
        return stamp
    clock = f"{moment.hour:02d}:{moment.minute:02d}"
    if today is None:
        today = dt.datetime.now(_zone(zone)).date()
    if moment.date() == today and not dated:
        return clock
    return msg(
        lang,
        "format.datetime",
        year=moment.year,
        month=moment.month,
        day=moment.day,
        iso=moment.date().isoformat(),
        clock=clock,
    )


def instant(stamp: str) -> dt.datetime:
    """A stored time as an aware moment; a time without a zone is taken as UTC."""
    moment = dt.datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def time_bounds(stamps: Iterable[str]) -> tuple[str | None, str | None]:
    """The earliest and the latest of ``stamps`` (the first given of equal instants), each
    distinct stamp parsed once: a record holds thousands, often the same one again."""
    first = last = None
    lo = hi = None
    for stamp in dict.fromkeys(s for s in stamps if s):
        moment = instant(stamp)
        if lo is None or moment < lo:
            first, lo = stamp, moment
        if hi is None or moment > hi:
            last, hi = stamp, moment
    return first, last
