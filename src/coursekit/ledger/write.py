"""The ledger folder: one subfolder per branch, three documents each, for the trainer only.

``ledger/第一党支部/第一党支部-学习登记表.xlsx`` and its two DOCX siblings: the
branch's name is in the file names too, so a file sent on by e-mail or WeChat
still says whose it is. Folder names are the branch's own, made safe for
Windows, macOS and Linux file systems (see :func:`branch_folder`).

The folder is claimed like a report's (:mod:`coursekit.outputs`): new, empty or
a ledger written before; never a course or records path; and, because a
ledger holds members' names and writing, never inside a published site.
Its ``.gitignore`` keeps it out of git.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from coursekit.ledger.data import Branch, Ledger
from coursekit.ledger.register import branch_name, register_xlsx
from coursekit.messages import msg
from coursekit.outputs import Committed, Output, claim

__all__ = [
    "DOCUMENTS",
    "GITIGNORE",
    "branch_folder",
    "claim_ledger",
    "ledger_files",
    "write_ledger",
]

#: The documents written per branch: their names' catalogue keys and suffixes.
DOCUMENTS = (
    ("ledger.file.register", ".xlsx"),
    ("ledger.file.record", ".docx"),
    ("ledger.file.compilation", ".docx"),
)
GITIGNORE = b"# Written by coursekit ledger: members' names and writing never go into git.\n*\n"
# What Windows forbids in a file name, and what could move a name out of its folder.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
)
_LONGEST = 60  # characters of a branch's folder name: paths in zip files and on Windows


def branch_folder(name: str) -> str:
    """A folder name for the branch ``name``: its own characters where a file system allows.

    Characters Windows forbids, controls and direction marks become ``_``; a
    leading dot (``..``, ``.gitignore``) and Windows' reserved names get a ``_``
    in front; trailing dots and spaces go; long names are cut.
    """
    text = "".join(
        "_" if _UNSAFE.match(c) or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
        for c in unicodedata.normalize("NFC", name)
    )
    text = text.strip().rstrip(". ")[:_LONGEST].rstrip(". ")
    if not text:
        return "_"
    if text.startswith(".") or text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    return text


def _documents(ledger: Ledger) -> Iterator[tuple[Branch, list[str]]]:
    """Each branch with the paths of its three documents (:data:`DOCUMENTS`' order).

    Two branch names that come out the same folder get ``-2``, ``-3``…, compared
    without case, as macOS and Windows compare file names.
    """
    lang = ledger.course.meta.lang
    taken: set[str] = set()
    for branch in ledger.branches:
        base = folder = branch_folder(branch_name(branch, lang))
        n = 1
        while folder.casefold() in taken:
            n += 1
            folder = f"{base}-{n}"
        taken.add(folder.casefold())
        yield branch, [f"{folder}/{folder}-{msg(lang, key)}{suffix}" for key, suffix in DOCUMENTS]


def ledger_files(
    ledger: Ledger,
    template: Path | None = None,
    *,
    generated: dt.date | None = None,
    progress: Callable[[Branch], None] | None = None,
) -> dict[str, bytes]:
    """Every branch's three documents, by their path in the ledger folder."""
    from coursekit.ledger.documents import activity_record, reflections_compilation

    files = {".gitignore": GITIGNORE}
    for branch, (register, record, compilation) in _documents(ledger):
        files[register] = register_xlsx(ledger, branch, generated)
        files[record] = activity_record(ledger, branch, template)
        files[compilation] = reflections_compilation(ledger, branch, template)
        if progress is not None:
            progress(branch)
    return files


def claim_ledger(out: Path, inputs: Iterable[Path | None], *, force: bool = False) -> Output:
    """Check, before anything is read, that a ledger may be written to ``out``.

    Refused (:class:`~coursekit.outputs.OutputRefused`) where :func:`coursekit.outputs.claim`
    refuses, and inside a published site.
    """
    output = claim(out, "ledger", inputs=inputs, force=force, private=True)
    output.check([".gitignore"])
    return output


def write_ledger(output: Output, files: dict[str, bytes]) -> Committed:
    """Swap the new ledger in: only its own files are replaced (see :mod:`coursekit.outputs`)."""
    output.check(files)
    return output.commit(files)
