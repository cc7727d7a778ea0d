"""Bounded reading of learner-supplied files: record files, folders and zip files.

A learner's file is hostile until checked, and so is its size. Every read here
stops at a limit on the bytes it actually produces, never at a size that a
file or a zip says about itself:

- Only regular files are opened. A path is stat'ed first; it is opened with
  ``O_NONBLOCK``, so that a named pipe swapped in after the stat cannot hang
  the reader, and checked again with ``fstat``. A link to a record file is
  followed; a link to a pipe or a device is refused.
- A record file or zip member yields at most :data:`MAX_BYTES`.
- A zip is refused whole when it holds more than 10,000 entries, when its
  entries overlap (one piece of compressed data unpacked many times: David
  Fifield's "zip bomb without recursion"), and member by member when it is
  compressed with anything but stored or deflate. It may unpack to at most
  25 times its own size plus one largest record, and never more than 256 MiB.
  Records pack 4 to 17 to 1; a bomb packs hundreds or millions to 1.
- One run reads at most 1 GiB. Folders are walked 32 levels deep and 100,000
  entries in all; a link to a folder inside a folder is not followed.

What is read costs memory: a record being checked takes about 3.5 times its
size for ordinary records and up to 6.5 times for records made of nothing but
attempts, and the report keeps a summary of each record it uses (see
:mod:`coursekit.cohort_files`), mostly its reflections' texts. These limits keep
a small file from turning into much more.
Every refusal comes back as a reason, never as an exception.
"""

from __future__ import annotations

import itertools
import os
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

from coursekit import bounded
from coursekit.errors import RecordInvalid

__all__ = [
    "LIMITS",
    "MAX_BYTES",
    "Limits",
    "Source",
    "open_regular",
    "read_regular",
    "record_sources",
    "shown",
    "without_bom",
    "zip_refusal",
]

# (name to show, the bytes, None) for a candidate record, or (name, None, why it was not read).
Source: TypeAlias = "tuple[str, bytes | None, str | None]"

MiB = 1024 * 1024
#: One learner record: a whole course of long reflections stays far below this.
MAX_BYTES = 8 * MiB


@dataclass(frozen=True)
class Limits:
    """How much one report may read; the defaults are the limits docs/cli.md states."""

    record_bytes: int = MAX_BYTES  # one record file or zip member
    zip_members: int = 10_000  # entries of any kind in one zip
    zip_bytes: int = 256 * MiB  # unpacked from one zip, whatever its size
    zip_ratio: int = 25  # a zip unpacks to at most record_bytes + zip_ratio × its own size
    run_bytes: int = 1024 * MiB  # read in one run: files and zip members together
    folder_depth: int = 32  # levels of folders below a folder named on the command line
    folder_entries: int = 100_000  # folder entries looked at in one run


LIMITS = Limits()

_BOM = b"\xef\xbb\xbf"
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma", 9: "deflate64"}
# A central directory entry is 46 bytes plus its name and extra field; ZipFile builds an
# object for each, so the directory's size is checked before ZipFile reads it.
_DIRECTORY_BYTES_PER_MEMBER = 512
_END = struct.Struct("<4s4H2LH")  # end of central directory record
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # local file header
# What zipfile and zlib raise on damaged or crafted archives.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    struct.error,
    zlib.error,
)


def without_bom(data: bytes) -> bytes:
    """The bytes without a leading UTF-8 byte order mark (Windows editors add one)."""
    return data[len(_BOM) :] if data.startswith(_BOM) else data


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path``: at most ``limit`` of them, whatever it claims.

    Raises :class:`RecordInvalid` with the reason for a missing file, a pipe,
    a device, a socket or a folder, and for a file larger than ``limit``.
    """
    try:
        return bounded.read_regular(path, limit)
    except bounded.Unreadable as exc:
        raise RecordInvalid(path, _reason(exc, limit)) from None


def _reason(exc: bounded.Unreadable, limit: int = 0) -> str:
    """Why a learner's file was not read, as the report lists it."""
    if exc.why == "missing":
        return "file not found"
    if exc.why == "os":
        return f"cannot be read: {exc.detail}"
    if exc.why == "not-regular":
        return f"not a regular file ({exc.detail}); only plain files are read"
    if exc.why == "changed":
        return "changed while being opened; not read"
    if exc.why == "too-large":
        return _too_large(exc.size or 0, limit)
    return f"too large (it grew past {limit:,} bytes while being read)"


def record_sources(paths: Iterable[Path], limits: Limits = LIMITS) -> Iterator[Source]:
    """Every candidate record in ``paths``, read within ``limits``, in a stable order.

    A path named here is read as a record whatever its name (as a zip file if it
    ends in ``.zip``); in folders, ``*.json`` and ``*.zip`` files are read and
    anything else is passed over. Zip files inside zip files are not opened.
    Names are shown with control characters escaped.
    """
    budget = _Budget(limits)
    for path in paths:
        if path.is_dir():
            yield from _folder(path, 0, budget)
        elif path.suffix.lower() == ".zip":
            yield from _zip(path, budget)
        else:
            yield from _record_file(path, budget)
        if budget.over:
            return


# --- the pieces ----------------------------------------------------------------------------------


@dataclass
class _Budget:
    """What one run has read so far. The run limit is checked before each file or member is
    read, so one run reads at most one record more than ``run_bytes``."""

    limits: Limits
    read: int = 0
    entries: int = 0
    folders: set[tuple[int, int]] = field(default_factory=set)
    over: bool = False  # the run stopped, and said so

    def stop(self, name: str) -> Iterator[Source]:
        """The line that ends the run, if it must end before ``name`` is read."""
        if self.read >= self.limits.run_bytes:
            self.over = True
            yield (
                name,
                None,
                f"not read, nor anything after it: this report has read {self.read:,} bytes, "
                f"and one run reads at most {self.limits.run_bytes:,}",
            )


def shown(name: str) -> str:
    """The name with undecodable bytes and control or direction characters escaped, so a
    file name cannot forge a line of output or reorder what the trainer reads."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii")
        for c in text
    )


def _too_large(size: int, limit: int) -> str:
    return f"too large ({size:,} bytes; the limit is {limit:,})"


def open_regular(path: Path) -> tuple[int, int]:
    """(descriptor, size) of the regular file at ``path``; :class:`RecordInvalid` otherwise."""
    try:
        return bounded.open_regular(path)
    except bounded.Unreadable as exc:
        raise RecordInvalid(path, _reason(exc)) from None


def _record_file(path: Path, budget: _Budget) -> Iterator[Source]:
    name = shown(str(path))
    yield from budget.stop(name)
    if budget.over:
        return
    try:
        data = read_regular(path, budget.limits.record_bytes)
    except RecordInvalid as exc:
        yield name, None, exc.reason
        return
    budget.read += len(data)
    yield name, without_bom(data), None


def _folder(folder: Path, depth: int, budget: _Budget) -> Iterator[Source]:
    limits = budget.limits
    name = shown(str(folder))
    try:
        st = os.stat(folder)
        if (st.st_dev, st.st_ino) in budget.folders:
            yield name, None, "a folder already read; not read again"
            return
        budget.folders.add((st.st_dev, st.st_ino))
        room = limits.folder_entries - budget.entries
        entries = []
        with os.scandir(folder) as listing:
            for entry in listing:
                entries.append(entry)
                if len(entries) > room:
                    break
    except OSError as exc:
        yield name, None, f"folder cannot be read: {exc.strerror}"
        return
    if len(entries) > room:
        budget.over = True
        yield (
            name,
            None,
            f"not read, nor anything after it: the folders hold more than "
            f"{limits.folder_entries:,} entries, the limit for one run",
        )
        return
    budget.entries += len(entries)
    for entry in sorted(entries, key=lambda e: e.name):
        path = Path(entry.path)
        suffix = path.suffix.lower()
        try:
            is_dir = entry.is_dir()
            is_link = entry.is_symlink()
        except OSError:
            is_dir = is_link = False
        if is_dir and is_link:
            # A link could lead anywhere, back up into a loop or over the whole disk.
            yield (
                shown(entry.path),
                None,
                "a link to a folder; not followed (name that folder itself to read it)",
            )
        elif is_dir and depth >= limits.folder_depth:
            yield (
                shown(entry.path),
                None,
                f"a folder more than {limits.folder_depth} levels deep; not read",
            )
        elif is_dir:
            yield from _folder(path, depth + 1, budget)
        elif suffix == ".json":
            yield from _record_file(path, budget)
        elif suffix == ".zip":
            yield from _zip(path, budget)
        if budget.over:
            return


def _declared_directory(fd: int, size: int) -> tuple[int, int] | None:
    """(entries, bytes) that the zip's end record gives for its central directory, found
    the way zipfile finds it; ``None`` when there is none (zipfile then says why)."""
    tail_size = min(size, _END.size + 0xFFFF)
    tail = os.pread(fd, tail_size, size - tail_size)
    at = len(tail) - _END.size
    if not (at >= 0 and tail[at : at + 4] == b"PK\x05\x06" and tail[-2:] == b"\0\0"):
        at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _END.size > len(tail):
        return None
    entries, directory = _END.unpack_from(tail, at)[4:6]
    if entries == 0xFFFF or directory == 0xFFFFFFFF:  # zip64: the real counts are further back
        locator_at = size - tail_size + at - _END64_LOCATOR.size
        if locator_at - _END64.size < 0:
            return None
        locator = os.pread(fd, _END64_LOCATOR.size, locator_at)
        end64 = os.pread(fd, _END64.size, locator_at - _END64.size)
        if locator[:4] != b"PK\x06\x07" or end64[:4] != b"PK\x06\x06":
            return None
        entries, directory = _END64.unpack(end64)[7:9]
    return entries, directory


def _overlap(fd: int, archive: zipfile.ZipFile) -> str | None:
    """Why the zip's entries are not laid out one after another, or ``None``.

    Each entry spans its local header, name, extra field and compressed data.
    In a zip bomb without recursion these spans overlap, so that one piece of
    data is unpacked once for every entry that points into it.
    """
    spans = []
    for info in archive.infolist():
        try:
            head = os.pread(fd, _LOCAL.size, info.header_offset)
        except (OSError, OverflowError, ValueError):
            head = b""
        if len(head) < _LOCAL.size or head[:4] != b"PK\x03\x04":
            return f"damaged: entry {shown(info.filename)!r} is not where the zip's list says"
        name_size, extra_size = _LOCAL.unpack(head)[-2:]
        end = info.header_offset + _LOCAL.size + name_size + extra_size + info.compress_size
        spans.append((info.header_offset, end, info.filename))
    spans.sort()
    for (_, end, first), (start, _, second) in itertools.pairwise(spans):
        if start < end:
            return (
                f"entries {shown(first)!r} and {shown(second)!r} overlap: a zip bomb "
                f"(one piece of data unpacked again for each entry); not read"
            )
    if spans and spans[-1][1] > archive.start_dir:
        return f"entry {shown(spans[-1][2])!r} runs into the zip's list of contents; not read"
    return None


def _zip(path: Path, budget: _Budget) -> Iterator[Source]:
    name = shown(str(path))
    yield from budget.stop(name)
    if budget.over:
        return
    try:
        fd, size = open_regular(path)
    except RecordInvalid as exc:
        yield name, None, exc.reason
        return
    with os.fdopen(fd, "rb") as file:
        try:
            refused = _refuse_directory(fd, size, budget.limits)
            archive = None if refused else zipfile.ZipFile(file)
        except _ZIP_ERRORS as exc:
            refused, archive = f"not a readable zip file ({exc})", None
        if archive is None:
            yield name, None, refused
            return
        with archive:
            yield from _zip_members(archive, fd, size, name, budget)


def zip_refusal(fd: int, size: int, unpacked: int, limits: Limits = LIMITS) -> str | None:
    """Why the zip file open at ``fd`` must not be handed to a library that unpacks it on its
    own (openpyxl reading an XLSX), or ``None``. Nothing is unpacked to find out.

    Refused: a list of contents for more than ``limits.zip_members`` entries, entries that
    overlap (a zip bomb), and members that say they unpack to more than ``unpacked`` bytes
    in all. Here a declared size is enough to accept as well as to refuse, because
    :mod:`zipfile` never yields more of a member than the size its list of contents
    declares: what is cut off there fails the member's CRC check instead of unpacking.
    """
    refused = _refuse_directory(fd, size, limits)
    if refused:
        return refused
    try:
        with open(fd, "rb", closefd=False) as file, zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            if len(members) > limits.zip_members:
                return _too_many(len(members), limits)
            refused = _overlap(fd, archive)
    except _ZIP_ERRORS as exc:
        return f"not a readable zip file ({exc})"
    declared = sum(m.file_size for m in members)
    if refused is None and declared > unpacked:
        refused = (
            f"says it unpacks to {declared:,} bytes, and at most {unpacked:,} are unpacked "
            f"from a file of {size:,} bytes (a zip bomb?); not read"
        )
    return refused


def _refuse_directory(fd: int, size: int, limits: Limits) -> str | None:
    """Why the zip's list of contents is not even read (too many entries), or ``None``."""
    declared = _declared_directory(fd, size)
    if declared is None:
        return None
    entries, directory = declared
    if entries > limits.zip_members:
        return _too_many(entries, limits)
    if directory > limits.zip_members * _DIRECTORY_BYTES_PER_MEMBER:
        return (
            f"its list of contents takes {directory:,} bytes, more than "
            f"{limits.zip_members:,} entries would; not read"
        )
    return None


def _zip_members(
    archive: zipfile.ZipFile, fd: int, size: int, name: str, budget: _Budget
) -> Iterator[Source]:
    limits = budget.limits
    members = archive.infolist()
    if len(members) > limits.zip_members:
        yield name, None, _too_many(len(members), limits)
        return
    refused = _overlap(fd, archive)
    if refused:
        yield name, None, refused
        return
    allowed = min(limits.zip_bytes, limits.record_bytes + limits.zip_ratio * size)
    unpacked = 0
    records = [m for m in members if not m.is_dir() and m.filename.lower().endswith(".json")]
    for done, info in enumerate(records):
        member = f"{name}!{shown(info.filename)}"
        yield from budget.stop(member)
        if budget.over:
            return
        if unpacked >= allowed:
            yield name, None, _unpacked_too_much(allowed, len(records) - done, limits)
            return
        result, produced = _member(archive, info, limits.record_bytes, allowed - unpacked)
        unpacked += produced
        budget.read += produced
        if result is None:
            yield name, None, _unpacked_too_much(allowed, len(records) - done, limits)
            return
        if isinstance(result, bytes):
            yield member, without_bom(result), None
        else:
            yield member, None, result


def _too_many(entries: int, limits: Limits) -> str:
    return f"holds {entries:,} entries; a zip may hold {limits.zip_members:,}; not read"


def _unpacked_too_much(allowed: int, not_read: int, limits: Limits) -> str:
    return (
        f"unpacks to more than {allowed:,} bytes (a zip may unpack to {limits.zip_ratio} times "
        f"its size plus {limits.record_bytes:,} bytes, and to {limits.zip_bytes:,} at most); "
        f"{not_read:,} of its records were not read"
    )


def _member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, room: int
) -> tuple[bytes | str | None, int]:
    """(the member's bytes, or why it was not read, or ``None`` when ``room`` ran out
    first; the bytes unpacked). Each read is bounded: ``info.file_size`` is not trusted."""
    if info.flag_bits & 0x1:
        return "encrypted; a record is never encrypted", 0
    if info.compress_type not in _METHODS:
        method = _METHOD_NAMES.get(info.compress_type, "an unknown method")
        return (
            f"compressed with {method} (method {info.compress_type}); only stored and "
            "deflate members are read",
            0,
        )
    if info.file_size > limit:  # a declared size is enough to refuse, never to accept
        return _too_large(info.file_size, limit), 0
    cap = min(limit, room)
    produced = 0
    try:
        with archive.open(info) as stream:

            def read(n: int) -> bytes:
                nonlocal produced
                chunk = stream.read(n)
                produced += len(chunk)
                return chunk

            data = bounded.read_capped(read, cap)
    except _ZIP_ERRORS as exc:
        return f"cannot be read from the zip file ({exc})", produced
    if data is None and cap == limit:
        return (
            f"too large once unpacked (more than {limit:,} bytes, "
            f"though the zip says {info.file_size:,})",
            produced,
        )
    return data, produced
