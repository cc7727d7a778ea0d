"""Reading a file whose size nobody vouches for: regular files only, never past a limit.

Course files, learner records and notebooks to strip are all read here. A path is
stat'ed first and opened with ``O_NONBLOCK``, so that a named pipe swapped in after
the stat cannot hang the reader, then checked again with ``fstat``. A link to a
regular file is followed; a link to a pipe or a device is refused. The limit holds
while reading too, for a file that grows after it was measured. Each caller says
what went wrong in its own words, from :class:`Unreadable`'s ``why``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Literal

__all__ = ["Unreadable", "describe_kind", "open_regular", "read_capped", "read_regular"]

_CHUNK = 64 * 1024

Why = Literal["missing", "os", "not-regular", "changed", "too-large", "grew"]


class Unreadable(Exception):
    """Why a file was not read: ``why``, with ``detail`` (an OS reason, or the kind of entry)
    and ``size`` (the size it has, for ``too-large``)."""

    def __init__(self, why: Why, detail: str = "", size: int | None = None) -> None:
        super().__init__(why, detail)
        self.why = why
        self.detail = detail
        self.size = size


def describe_kind(mode: int) -> str:
    """What a path that is not a regular file is instead, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def open_regular(path: Path) -> tuple[int, int]:
    """(descriptor, size) of the regular file at ``path``; :class:`Unreadable` otherwise."""
    try:
        before = os.stat(path)
    except FileNotFoundError as exc:
        raise Unreadable("missing", exc.strerror or "No such file or directory") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise Unreadable("os", getattr(exc, "strerror", None) or str(exc)) from None
    if not stat.S_ISREG(before.st_mode):
        raise Unreadable("not-regular", describe_kind(before.st_mode))
    try:
        # O_NONBLOCK: a pipe put in its place since the stat opens at once instead of waiting.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise Unreadable("os", exc.strerror or str(exc)) from None
    after = os.fstat(fd)
    if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (
        before.st_dev,
        before.st_ino,
    ):
        os.close(fd)
        raise Unreadable("changed")
    return fd, after.st_size


def read_capped(read: Callable[[int], bytes], cap: int) -> bytes | None:
    """At most ``cap`` bytes from ``read(n)`` calls, or ``None`` when there are more."""
    buf = bytearray()
    while True:
        chunk = read(min(_CHUNK, cap + 1 - len(buf)))
        if not chunk:
            return bytes(buf)
        buf += chunk
        if len(buf) > cap:
            return None


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path``: at most ``limit`` of them, whatever it claims.

    Raises :class:`Unreadable`: a missing file, a pipe, a device, a socket or a folder,
    a file larger than ``limit`` (``too-large``) or one that grew past it while read
    (``grew``).
    """
    fd, size = open_regular(path)
    try:
        if size > limit:
            raise Unreadable("too-large", size=size)
        data = read_capped(lambda n: os.read(fd, n), limit)
    except OSError as exc:
        raise Unreadable("os", exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    if data is None:
        raise Unreadable("grew")
    return data
