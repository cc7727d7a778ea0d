"""Output folders: a command writes only where it may, and replaces only what it wrote.

Every command that writes a folder (``publish``, ``report``, ``ingest``,
``build``) claims it first with :func:`claim`, before any work starts, and
writes it with :meth:`Output.commit`. The folder keeps a manifest,
:data:`MANIFEST`: the command that wrote it and the sha256 of every file it
wrote. The rules:

- A folder may be written when it is new, empty, or carries a manifest of the
  same command. Any other folder is refused, with or without ``--force``.
- The output is never an input (a course, a packet, a records folder), and
  neither lies inside the other.
- A commit replaces the files the old manifest lists; a listed file the new
  set lacks is removed. Everything else in the folder (a publisher's
  ``robots.txt``, ``CNAME`` or ``downloads/``, a user's notebook) stays, and
  :attr:`Committed.kept` names it. A new file whose path a user's file holds
  is refused, not overwritten.
- A file the manifest lists but someone changed since is not overwritten
  without ``force``; ``force`` only ever applies to files coursekit wrote.
- A *seed* file (a starting point that the user then owns, such as ingest's
  empty ``glossary.yaml``) is written only where nothing stands and is not
  listed in the manifest: from then on it is the user's, kept like the rest.
- The new folder is built beside the old one and swapped in by renaming, so a
  reader sees the old folder or the new one, never a mix. The user's files are
  carried over as hard links (copies across file systems).
- A folder that cannot be written is refused in the first second, not after
  the work. So is a folder where a file the command wrote was changed since
  (without ``force``), and, with :meth:`Output.check`, a folder where a user's
  file stands where the command will write one.
- Files a user adds or replaces in the folder while a commit runs are moved
  into the new folder, not lost with the old one.
- Temporary folders a killed command left beside the output
  (``.NAME.tmp-PID``, ``.NAME.old-PID`` of a process that no longer runs) are
  removed by the next claim; an old folder goes back in place when the output
  is missing.

Two kinds of folder carry no manifest and are still a command's own: a folder
written by an older coursekit, whose files the command lists itself (``adopt``:
``publish`` reads the page list the old version kept in ``build/``), and a
folder whose files each carry a marker of their own (``marked``: ``build``'s
notebooks carry coursekit's metadata, so ``build`` writes them one by one in
place and keeps no manifest beside them).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursekit.atomic import temporary_name
from coursekit.errors import CoursekitError

__all__ = [
    "MANIFEST",
    "Committed",
    "Output",
    "OutputRefused",
    "check_writable",
    "claim",
    "debris_pattern",
    "refuse_public",
    "remove_debris",
    "sha256",
]

MANIFEST = ".coursekit-output.json"
_FORMAT = "coursekit.output/1"


class OutputRefused(CoursekitError):
    """An output folder that the command may not write; nothing was written."""

    exit_code = 2


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str | None:
    try:
        return sha256(path.read_bytes())
    except OSError:
        return None


def _read_manifest(out: Path) -> dict[str, Any] | None:
    """The folder's manifest, or ``None`` when it has none that coursekit wrote."""
    path = out / MANIFEST
    try:
        if not stat.S_ISREG(path.lstat().st_mode) or path.stat().st_size > 16 * 1024 * 1024:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return None
    files = data.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in files.items()
    ):
        return None
    return data


def _inside(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def _user_entries(out: Path, owned: Iterable[str]) -> list[str]:
    """Paths under ``out`` (files, links, empty folders) that the manifest does not list."""
    owned = set(owned) | {MANIFEST}
    found: list[str] = []
    for root, dirs, files in os.walk(out):
        rel_root = Path(root).relative_to(out)
        for name in sorted(files):
            rel = (rel_root / name).as_posix()
            if rel not in owned:
                found.append(rel)
        for name in sorted(dirs):
            full = Path(root) / name
            if full.is_symlink():
                found.append((rel_root / name).as_posix())
        if not dirs and not files and rel_root != Path("."):
            found.append(rel_root.as_posix() + "/")
        dirs[:] = [d for d in sorted(dirs) if not (Path(root) / d).is_symlink()]
    return found


def _collides(rel: str, user: list[str]) -> bool:
    """Whether writing ``rel`` would replace, or pass through, one of the user's paths."""
    path = Path(rel)
    for entry in user:
        theirs = Path(entry.rstrip("/"))
        if path == theirs or path in theirs.parents:
            return True
        if not entry.endswith("/") and theirs in path.parents:  # a file where a folder must go
            return True
    return False


def _describe(paths: list[str], most: int = 5) -> str:
    shown = ", ".join(paths[:most])
    return shown + (f" and {len(paths) - most} more" if len(paths) > most else "")


def _refuse_changed(out: Path, owned: Mapping[str, str]) -> None:
    """Refuse when a file the command wrote was changed since; ``force`` skips this."""
    changed = [
        rel
        for rel, digest in owned.items()
        if (out / rel).exists() and _file_sha256(out / rel) != digest
    ]
    if changed:
        it = "it" if len(changed) == 1 else "them"
        raise OutputRefused(
            f"{out}: {_describe(changed)} changed after coursekit wrote {it}; "
            f"use --force to replace {it} (files coursekit did not write are kept either way)"
        )


def _refuse_taken(out: Path, rels: Iterable[str], user: list[str]) -> None:
    taken = [rel for rel in rels if _collides(rel, user)]
    if taken:
        raise OutputRefused(
            f"{out}: {_describe(taken)} would replace files coursekit did not write; "
            "move them away or choose another folder"
        )


def debris_pattern(out: Path) -> re.Pattern[str]:
    """Names of the temporary folders a commit keeps beside ``out``, with groups kind and pid."""
    return re.compile(rf"\.{re.escape(out.name)}\.(?P<kind>tmp|old)-(?P<pid>[0-9]+)")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # leftovers of an earlier command in this process
    if os.name != "posix":
        return True  # os.kill(pid, 0) would end the process on Windows: keep the folder
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, and someone else's
        return True
    return True


def remove_debris(folder: Path, pattern: re.Pattern[str], restore: Path | None = None) -> None:
    """Remove what a killed command left in ``folder``: names matching ``pattern``, dead PID.

    ``pattern`` has the groups ``kind`` and ``pid``; only coursekit writes such
    names. An ``old`` folder is the previous output when the command was killed
    between the two renames of a swap: it goes back to ``restore`` if that is
    missing.
    """
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or entry.is_symlink() or _pid_alive(int(match["pid"])):
            continue
        if entry.is_dir():
            if restore is not None and match["kind"] == "old" and not restore.exists():
                with suppress(OSError):
                    entry.rename(restore)
                    continue
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with suppress(OSError):
                entry.unlink()


def check_writable(folder: Path) -> None:
    """Create and remove a file in ``folder``: fails at once on a read-only folder."""
    probe = folder / f".coursekit-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.close(fd)
        probe.unlink()
    except OSError as exc:
        raise OutputRefused(f"{folder}: cannot write here ({exc.strerror})") from None


@dataclass(frozen=True)
class Committed:
    """What a commit did: the files written, the files removed, the user's files kept.

    ``seeded`` names the seed files written (those that were not there yet).
    """

    written: list[str]
    removed: list[str]
    kept: list[str]
    seeded: list[str] = field(default_factory=list)


@dataclass
class Output:
    """A claimed output folder; see the module docstring for the rules it keeps."""

    path: Path
    command: str
    force: bool = False
    owned: dict[str, str] = field(default_factory=dict)  # rel -> sha256, from the old manifest
    extra: dict[str, Any] = field(default_factory=dict)  # the old manifest's ``extra``

    def current(self, rel: str, data: bytes) -> bool:
        """Whether ``rel`` already holds ``data`` as this command wrote it."""
        return self.owned.get(rel) == sha256(data) and _file_sha256(self.path / rel) == sha256(data)

    def check(self, files: Iterable[str]) -> None:
        """Refuse now, before the work, when writing ``files`` would replace a user's file."""
        if self.path.is_dir():
            _refuse_taken(self.path, files, _user_entries(self.path, self.owned))

    def commit(
        self,
        files: Mapping[str, bytes],
        extra: Mapping[str, Any] | None = None,
        *,
        before_swap: Callable[[], None] | None = None,
        seed: Mapping[str, bytes] | None = None,
    ) -> Committed:
        """Make the folder hold ``files`` (relative POSIX paths) and the user's own files.

        ``extra`` is stored in the manifest beside the file list (for a command's own
        bookkeeping, such as cache keys); the next :func:`claim` reads it back as
        :attr:`Output.extra`. ``seed`` files are written where nothing stands, and are
        not listed in the manifest, so they are the user's. Raises :class:`OutputRefused`
        before anything is written when a new file would replace a file coursekit did
        not write, or one changed since it was written (without ``force``).
        ``before_swap`` runs once the new folder is complete, just before the renames
        (``publish`` stops handling signals there, so that a swap is never left half
        done).
        """
        seed = dict(seed or {})
        _check_relative(files, seed)
        out = self.path
        existing = out.is_dir()
        self.check(files)
        if existing and not self.force:
            _refuse_changed(out, self.owned)
        parent = out.parent
        parent.mkdir(parents=True, exist_ok=True)
        stage = temporary_name(out)
        shutil.rmtree(stage, ignore_errors=True)
        try:
            os.mkdir(stage)
            _write_files(stage, files)
            # The user's files are looked at once the slow part is done, so that the
            # window in which one can appear unseen is short (and see _rescue).
            user = _user_entries(out, self.owned) if existing else []
            _refuse_taken(out, files, user)
            carried = {rel: _carry(out / rel.rstrip("/"), stage / rel.rstrip("/")) for rel in user}
            seeded = [s for s in sorted(seed) if s not in self.owned and not _collides(s, user)]
            _write_files(stage, {rel: seed[rel] for rel in seeded})
            _write_manifest(stage, self.command, files, extra)
            if existing:
                _copy_modes(out, stage)
            if before_swap is not None:
                before_swap()
            _swap(stage, out, lambda old: _rescue(old, out, carried, set(self.owned), files))
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        removed = sorted(set(self.owned) - set(files))
        self.owned = {rel: sha256(data) for rel, data in files.items()}
        self.extra = dict(extra) if extra else {}
        return Committed(sorted(files), removed, user, seeded)


def _check_relative(files: Mapping[str, bytes], seed: Mapping[str, bytes]) -> None:
    """Every path is inside the folder and not the manifest; no path is both file and seed."""
    for rel in [*files, *seed]:
        if rel == MANIFEST or rel.startswith(("/", "../")) or "/../" in rel or not rel:
            raise ValueError(f"not a path inside the output folder: {rel!r}")
    if set(files) & set(seed):
        raise ValueError(f"both a file and a seed: {sorted(set(files) & set(seed))}")


def _write_files(stage: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` into the staged folder; the swap, not each file, makes it atomic."""
    for rel, data in files.items():
        target = stage / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _write_manifest(
    stage: Path, command: str, files: Mapping[str, bytes], extra: Mapping[str, Any] | None
) -> None:
    manifest = {
        "format": _FORMAT,
        "command": command,
        "files": {rel: sha256(data) for rel, data in sorted(files.items())},
        **(dict(extra) if extra else {}),
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    (stage / MANIFEST).write_text(text, encoding="utf-8")


def _carry(source: Path, target: Path) -> tuple[int, int]:
    """Put the user's ``source`` at ``target``: hard links where possible, else copies.

    Returns the device and inode ``source`` had, to tell later whether it was replaced.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    info = source.lstat()
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
    elif source.is_dir():
        target.mkdir(exist_ok=True)
        shutil.copystat(source, target)
    else:
        try:
            os.link(source, target)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise
            shutil.copy2(source, target)
    return info.st_dev, info.st_ino


def _copy_modes(out: Path, stage: Path) -> None:
    """Give the new folder, and each folder in it that was there before, its old mode.

    A publisher's ``private/`` stays private, and a folder a web server must read stays
    readable, whatever the umask of the command that rewrote it.
    """
    for root, _, _ in os.walk(stage):
        before = out / Path(root).relative_to(stage)
        if before.is_dir() and not before.is_symlink():
            with suppress(OSError):
                shutil.copymode(before, root)


def _rescue(
    old: Path,
    out: Path,
    carried: Mapping[str, tuple[int, int]],
    owned: set[str],
    files: Mapping[str, bytes],
) -> None:
    """Move into ``out`` the user's files that appeared in ``old`` while the commit ran.

    A file saved after the user's files were carried over (an editor's save
    replaces the file) would otherwise go with the old folder. One saved where
    the command has just written a file of its own loses to it, as with any two
    programs writing one file.
    """
    for root, dirs, names in os.walk(old):
        for name in [*names, *(d for d in dirs if (Path(root) / d).is_symlink())]:
            path = Path(root) / name
            rel = path.relative_to(old).as_posix()
            if rel == MANIFEST or rel in owned or rel in files:
                continue
            with suppress(OSError):
                info = path.lstat()
                if carried.get(rel) == (info.st_dev, info.st_ino):
                    continue
                target = out / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)


def _swap(stage: Path, out: Path, after: Callable[[Path], None] | None = None) -> None:
    """Rename ``stage`` to ``out``; the old folder goes only once the new one is in place.

    ``after`` gets the old folder between the swap and its removal.
    """
    if not out.exists():
        stage.rename(out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    out.rename(old)
    try:
        stage.rename(out)
    except BaseException:
        old.rename(out)
        raise
    if after is not None:
        after(old)
    shutil.rmtree(old, ignore_errors=True)


def claim(
    out: Path,
    command: str,
    *,
    inputs: Iterable[Path | None] = (),
    force: bool = False,
    adopt: Mapping[str, str] | None = None,
    marked: Callable[[Path], bool] | None = None,
    private: bool = False,
) -> Output:
    """Check that ``command`` may write the folder ``out``; refuse with a reason otherwise.

    ``inputs`` are the paths the command reads (a course, a packet, record files):
    the output may be none of them, and neither may lie inside the other.
    ``adopt`` (relative path -> sha256) lists the files an older coursekit wrote
    into ``out`` without a manifest: such a folder is taken as the command's own,
    those files as written by it. ``marked(out)`` says whether a folder without
    a manifest holds files that each carry the command's own marker; such a
    command writes its files in place, so the folder's parent need not be writable.
    ``private`` output (learners' names and work: a report, a ledger) is refused
    inside a folder ``publish`` wrote, which is made to be put on a web server.
    """
    resolved = _own_folder(out, inputs)
    if private:
        refuse_public(out)
    remove_debris(resolved.parent, debris_pattern(resolved), restore=resolved)
    owned: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if resolved.exists() or resolved.is_symlink():
        owned, extra = _what_it_owns(out, resolved, command, adopt, marked)
        check_writable(resolved)
        if marked is None:
            check_writable(resolved.parent)  # the new folder is built beside it
    else:
        parent = resolved.parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise OutputRefused(f"{out}: {parent} is not a folder")
        check_writable(parent)
    if not force:
        _refuse_changed(resolved, owned)
    return Output(resolved, command, force, owned, extra)


def _own_folder(out: Path, inputs: Iterable[Path | None]) -> Path:
    """``out`` resolved, when it is a folder of its own: not ``.``, home, or an input."""
    if str(out) in {"", "."} or out.name in {"", ".", ".."}:
        raise OutputRefused(f"{out}: name a folder of its own for the output, not {str(out)!r}")
    resolved = out.resolve()
    if resolved == Path(resolved.anchor) or resolved == Path.home().resolve():
        raise OutputRefused(f"{out}: name a folder of its own for the output")
    for given in inputs:
        if given is None:
            continue
        source = given.resolve()
        if _inside(resolved, source) or _inside(source, resolved):
            what = "is" if resolved == source else "overlaps"
            raise OutputRefused(
                f"{out}: the output folder {what} an input ({given}); choose another --out"
            )
    return resolved


def refuse_public(out: Path) -> None:
    """Refuse ``out`` (a folder or a file of learner data) inside a site ``publish`` wrote.

    A published site is made to be copied to a web server, and a publish keeps
    the files it did not write: learners' names and work put there would go too.
    """
    for folder in out.resolve().parents:
        manifest = _read_manifest(folder)
        if manifest is not None and manifest.get("command") == "publish":
            raise OutputRefused(
                f"{out}: is inside {folder}, a site coursekit publish wrote for the web; "
                "learners' names and work never go there: choose a folder outside it"
            )


def _what_it_owns(
    out: Path,
    resolved: Path,
    command: str,
    adopt: Mapping[str, str] | None,
    marked: Callable[[Path], bool] | None,
) -> tuple[dict[str, str], dict[str, Any]]:
    """The files ``command`` wrote in the existing folder and its manifest's extra fields.

    Refused: a folder another command wrote, and one with files nobody can say are its.
    """
    if resolved.is_symlink() or not resolved.is_dir():
        raise OutputRefused(f"{out}: exists and is not a folder")
    manifest = _read_manifest(resolved)
    if manifest is not None:
        if manifest.get("command") != command:
            raise OutputRefused(
                f"{out}: holds the output of coursekit {manifest.get('command')}, "
                f"not of {command}; choose another --out"
            )
        extra = {k: v for k, v in manifest.items() if k not in {"format", "command", "files"}}
        return dict(manifest["files"]), extra
    if adopt:
        return {rel: digest for rel, digest in adopt.items() if (resolved / rel).is_file()}, {}
    if not (marked is not None and marked(resolved)) and any(_entries(resolved)):
        raise OutputRefused(
            f"{out}: is not empty and was not written by coursekit {command}; "
            "choose a new or empty folder (nothing in it was changed)"
        )
    return {}, {}


def _entries(folder: Path) -> Iterator[Path]:
    try:
        yield from folder.iterdir()
    except OSError as exc:
        raise OutputRefused(f"{folder}: cannot be read ({exc.strerror})") from None
