"""Defect 6 of issue 10: hostile files must not hang, exhaust or crash `coursekit report`.

Every hostile file is built here, byte by byte where a zip has to lie about
itself. The command runs in a child process with a time limit (a named pipe
used to hang the report) and a 4 GiB address-space limit (``/dev/zero`` used to
eat memory until MemoryError). A fresh wrapper process starts each run and reads
its peak memory from ``RUSAGE_CHILDREN`` after the wait: that figure is a maximum
over every child a process has waited for, so it must not be read in pytest itself.
"""

from __future__ import annotations

import bz2
import csv
import hashlib
import json
import os
import signal
import struct
import subprocess
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from coursekit import load_course
from coursekit.intake import Limits, record_sources
from coursekit.records import (
    MAX_ATTEMPTS,
    MAX_BYTES,
    LearnerRecord,
    export_record,
    parse_record,
    record_json,
)
from coursekit.store import SQLiteStore

pytestmark = pytest.mark.skipif(
    os.name != "posix", reason="named pipes, /dev/zero and resource limits are POSIX"
)

COURSE = load_course()
MEMORY_MB = 500  # the bound the report keeps on hostile input (docs/cli.md)
SECONDS = 30

# --- running the command -------------------------------------------------------------------------

WRAPPER = """
import json, resource, subprocess, sys, time
address_space, timeout, out, err, *command = sys.argv[1:]

def limit():
    if sys.platform.startswith("linux"):  # elsewhere RLIMIT_AS is not kept, or refused
        resource.setrlimit(resource.RLIMIT_AS, (int(address_space), int(address_space)))

start = time.monotonic()
with open(out, "wb") as o, open(err, "wb") as e:
    child = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=o, stderr=e, preexec_fn=limit
    )
    try:
        child.wait(float(timeout))
        timed_out = False
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        timed_out = True
print(json.dumps({
    "rc": child.returncode,
    "seconds": time.monotonic() - start,
    "timed_out": timed_out,
    "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    / (1024 if sys.platform == "darwin" else 1),  # macOS counts bytes
}))
"""


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float
    timed_out: bool

    def skipped(self, name: str | Path, reason: str) -> bool:
        """Whether the output says ``name`` was skipped for ``reason`` (the start of it)."""
        return f"  skipped {name}: {reason}" in self.stdout


def coursekit(tmp_path: Path, *args: str | Path) -> Run:
    """Run ``coursekit ARGS`` in a child process, within SECONDS and a 4 GiB address space."""
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    command = [sys.executable, "-c", "from coursekit.cli import main; main()", *map(str, args)]
    wrapper = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, str(4 << 30), str(SECONDS), str(out), str(err), *command],
        stdout=subprocess.PIPE,
        env={**os.environ, "COURSEKIT_HOME": str(tmp_path / "home")},
        cwd=tmp_path,
        start_new_session=True,
        text=True,
    )
    try:
        summary, _ = wrapper.communicate(timeout=SECONDS + 60)
    except subprocess.TimeoutExpired:
        os.killpg(wrapper.pid, signal.SIGKILL)
        wrapper.communicate()
        pytest.fail("the wrapper around coursekit did not finish")
    facts = json.loads(summary)
    return Run(
        rc=facts["rc"],
        stdout=out.read_text(encoding="utf-8", errors="replace"),
        stderr=err.read_text(encoding="utf-8", errors="replace"),
        seconds=facts["seconds"],
        peak_mb=facts["peak_kb"] / 1024,
        timed_out=facts["timed_out"],
    )


def report(tmp_path: Path, *inputs: Path) -> tuple[Run, Path]:
    out = tmp_path / "report"
    run = coursekit(tmp_path, "report", *inputs, "--out", out)
    assert not run.timed_out, f"coursekit report did not finish in {SECONDS} s:\n{run.stdout}"
    assert run.rc == 0, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    return run, out


def skipped_rows(out: Path) -> dict[str, str]:
    with (out / "skipped.csv").open(encoding="utf-8-sig", newline="") as f:
        return {row["file"]: row["reason"] for row in csv.DictReader(f)}


def learners(out: Path) -> set[str]:
    with (out / "completion.csv").open(encoding="utf-8-sig", newline="") as f:
        return {row["learner"] for row in csv.DictReader(f)}


# --- building the files --------------------------------------------------------------------------


def resealed(body: dict[str, Any]) -> bytes:
    """A record edited by hand and sealed again, as anyone can: the seal is an unkeyed sha256."""
    body = {k: v for k, v in body.items() if k != "checksum"}
    digest = hashlib.sha256(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
    return record_json({**body, "checksum": "sha256:" + digest.hexdigest()}).encode("utf-8")


def record(learner: str) -> bytes:
    """A good record, exported from a store the way a learner's session writes it."""
    store = SQLiteStore(memory=True)
    store.add_learner(learner)
    module, question = COURSE.all_checkpoints()[0]
    store.mark_read(learner, COURSE.id, module, at="2020-02-05T08:00:00+00:00")
    store.add_attempt(
        learner, COURSE.id, module, question.id, "甲", False, at="2020-02-05T08:01:00+00:00"
    )
    exported = export_record(COURSE, store, learner)
    store.close()
    return record_json(exported).encode("utf-8")


LOCAL = struct.Struct("<4s2B4HL2L2H")
CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
END = struct.Struct("<4s4H2LH")
DATE = (2020 - 1980) << 9 | 2 << 5 | 5


@dataclass
class Entry:
    """A zip member as the zip holds it: its data already compressed, and what it claims."""

    name: str
    data: bytes
    size: int  # the unpacked size the zip declares
    method: int = zipfile.ZIP_DEFLATED
    crc: int = 0


def local_header(e: Entry) -> bytes:
    name = e.name.encode()
    return (
        LOCAL.pack(
            b"PK\x03\x04", 20, 0, 0, e.method, 0, DATE, e.crc, len(e.data), e.size, len(name), 0
        )
        + name
    )


def central_entry(e: Entry, offset: int) -> bytes:
    name = e.name.encode()
    fields = (20, 3, 20, 0, 0, e.method, 0, DATE, e.crc, len(e.data), e.size, len(name))
    return CENTRAL.pack(b"PK\x01\x02", *fields, 0, 0, 0, 0, 0, offset) + name


def end_record(entries: int, directory: int, offset: int) -> bytes:
    return END.pack(b"PK\x05\x06", 0, 0, entries, entries, directory, offset, 0)


def zip_of(entries: list[Entry]) -> bytes:
    """A zip written byte by byte, so that it can say what it likes about its members."""
    body, directory = bytearray(), bytearray()
    for e in entries:
        directory += central_entry(e, len(body))
        body += local_header(e) + e.data
    return bytes(body + directory + end_record(len(entries), len(directory), len(body)))


def deflated(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def good_entry(name: str, learner: str) -> Entry:
    data = record(learner)
    return Entry(name, deflated(data), len(data), crc=zlib.crc32(data))


def deflate_bomb(gib: int = 1) -> bytes:
    """Raw deflate data that unpacks to ``gib`` GiB of zeros, made in milliseconds: after a
    full flush the packer starts afresh, so every MiB packs to the same bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(bytes(1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH)
    return block * (1024 * gib) + packer.flush()


def quoted_overlap_zip(count: int, kernel_size: int) -> bytes:
    """David Fifield's zip bomb without recursion, with quoted overlap.

    Every entry's data opens with a stored deflate block that quotes the next
    entry's local header, and then runs on into that entry's data, down to one
    deflated kernel that all of them share. Each entry unpacks to the kernel
    and the headers after it. (The CRCs are left 0: a reader pays for the
    whole expansion before it can find that out.)
    """
    kernel = deflated(b" " * kernel_size)
    entries = [Entry(f"r{count - 1:03d}.json", kernel, kernel_size)]
    for i in reversed(range(count - 1)):
        after = entries[0]
        quoted = local_header(after)
        stub = b"\x00" + struct.pack("<HH", len(quoted), len(quoted) ^ 0xFFFF)
        entries.insert(
            0, Entry(f"r{i:03d}.json", stub + quoted + after.data, len(quoted) + after.size)
        )
    body, directory = bytearray(), bytearray()
    for e in entries:
        directory += central_entry(e, len(body))
        # After its 5-byte stub, an entry's data is the next entry, which follows anyway.
        body += local_header(e) + (e.data if e is entries[-1] else e.data[:5])
    return bytes(body + directory + end_record(count, len(directory), len(body)))


def full_overlap_zip(count: int, size: int) -> bytes:
    """Fifield's simplest form: ``count`` directory entries all naming one local file."""
    member = Entry("x.json", deflated(b" " * size), size)
    body = local_header(member) + member.data
    directory = central_entry(member, 0) * count
    return body + directory + end_record(count, len(directory), len(body))


def largest_records(count: int) -> list[bytes]:
    """``count`` valid records of different learners, each nearly MAX_BYTES: as many attempts
    as a record may hold (the shape that costs the report the most memory per byte), the
    rest long reflections."""
    module, question = COURSE.all_checkpoints()[0]
    attempt = {
        "checkpoint": question.id,
        "answer": True,
        "correct": True,
        "at": "2020-02-05T08:00:00Z",
    }
    room = MAX_BYTES - 4096 - MAX_ATTEMPTS * (len(json.dumps(attempt, separators=(",", ":"))) + 1)
    reflection = {"reflection": "r", "text": "x" * 200_000, "updated_at": "2020-02-05T08:00:00Z"}
    reflections = [{**reflection, "reflection": f"r{i}"} for i in range(room // (200_000 + 80))]
    modules = [
        {
            "module": module,
            "read_at": None,
            "attempts": [attempt] * MAX_ATTEMPTS,
            "reflections": reflections[:100],
        },
        {"module": "m2", "read_at": None, "attempts": [], "reflections": reflections[100:]},
    ]
    body = {
        "schema": "coursekit.learner-record",
        "schema_version": 1,
        "course": {"id": COURSE.id, "title": COURSE.title, "version": COURSE.version},
        "learner": "L00",
        "last_activity": "2020-02-05T08:00:00Z",
        "modules": modules,
    }
    # The seal is a sha256 of the record's own JSON without the checksum. Sealing it once and
    # swapping the name in that text takes a second; sealing 40 records takes half a minute.
    sealed = LearnerRecord.model_validate({**body, "checksum": ""}, strict=False)
    # (a version 1 record is sealed without the name and branch fields version 2 added)
    text = sealed.model_dump_json(by_alias=True, exclude={"checksum", "name", "branch"})
    records = []
    for i in range(count):
        own = text.replace('"learner":"L00"', f'"learner":"L{i:02d}"', 1)
        seal = "sha256:" + hashlib.sha256(own.encode()).hexdigest()
        records.append(f'{own[:-1]},"checksum":"{seal}"}}'.encode())
    assert len(records[-1]) <= MAX_BYTES
    parse_record(records[-1], "check", COURSE)  # a good record: the report has to take it
    return records


@pytest.fixture(scope="module")
def largest_records_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 of the largest records in one small zip (1.2 MB): 2.1 GB of memory before the fix."""
    path = tmp_path_factory.mktemp("largest") / "largest.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for i, data in enumerate(largest_records(40)):
            z.writestr(f"r{i:02d}.json", data)
    return path


def good_folder(tmp_path: Path) -> Path:
    """A folder with a good record and a zip holding another, beside which hostile files go."""
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "good.json").write_bytes(record("王五"))
    (folder / "good.zip").write_bytes(zip_of([good_entry("zhao.json", "赵六")]))
    return folder


GOOD = {"王五", "赵六"}


# --- the tests -----------------------------------------------------------------------------------


def test_defect6_bzip2_bomb_refused_without_expanding(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    bomb = bz2.compress(bytes(64 << 20))  # 64 MiB of zeros in a few hundred bytes
    (folder / "bomb.zip").write_bytes(
        zip_of(
            [
                Entry("bomb.json", bomb, 1_000, method=zipfile.ZIP_BZIP2),
                good_entry("li.json", "李四"),
            ]
        )
    )
    with zipfile.ZipFile(folder / "lzma.zip", "w", zipfile.ZIP_LZMA) as z:
        z.writestr("packed.json", record("孙七"))
    with zipfile.ZipFile(folder / "bomb.zip") as z:
        assert z.getinfo("bomb.json").file_size == 1_000  # it lies about its size

    run, out = report(tmp_path, folder)

    bzip2 = "compressed with bzip2 (method 12); only stored and deflate members are read"
    assert run.skipped(f"{folder / 'bomb.zip'}!bomb.json", bzip2)
    lzma = "compressed with lzma (method 14); only stored and deflate members are read"
    assert run.skipped(f"{folder / 'lzma.zip'}!packed.json", lzma)
    assert skipped_rows(out)[f"{folder / 'bomb.zip'}!bomb.json"] == bzip2
    assert learners(out) == GOOD | {"李四"}  # the good member of the same zip is read
    assert run.peak_mb < MEMORY_MB


def test_defect6_deflate_bomb_with_lying_size_stops_at_the_cap(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "bomb.zip").write_bytes(
        zip_of(
            [
                Entry("bomb.json", deflate_bomb(1), 1_000),  # 1 GiB that says 1,000 bytes
                Entry("honest.json", deflate_bomb(1), 1 << 30),  # and one that says 1 GiB
                good_entry("li.json", "李四"),
            ]
        )
    )

    run, out = report(tmp_path, folder)

    assert run.skipped(
        f"{folder / 'bomb.zip'}!bomb.json", "cannot be read from the zip file (Bad CRC-32"
    )
    assert run.skipped(
        f"{folder / 'bomb.zip'}!honest.json",
        f"too large (1,073,741,824 bytes; the limit is {MAX_BYTES:,})",
    )
    assert learners(out) == GOOD | {"李四"}
    assert run.peak_mb < MEMORY_MB, f"peak {run.peak_mb:.0f} MB"


@pytest.mark.parametrize("kind", ["quoted", "full"])
def test_defect6_overlapping_entries_zip_refused_with_reason(tmp_path: Path, kind: str) -> None:
    folder = good_folder(tmp_path)
    bomb = (
        quoted_overlap_zip(400, MAX_BYTES - 400 * 64)
        if kind == "quoted"
        else full_overlap_zip(400, MAX_BYTES - 1)
    )
    (folder / "overlap.zip").write_bytes(bomb)
    with zipfile.ZipFile(folder / "overlap.zip") as z:  # a zip that zipfile itself accepts
        assert len(z.infolist()) == 400
        assert z.infolist()[0].file_size <= MAX_BYTES

    run, out = report(tmp_path, folder)

    first, second = ("r000.json", "r001.json") if kind == "quoted" else ("x.json", "x.json")
    reason = f"entries {first!r} and {second!r} overlap: a zip bomb"
    assert run.skipped(folder / "overlap.zip", reason)
    assert skipped_rows(out)[str(folder / "overlap.zip")] == (
        f"{reason} (one piece of data unpacked again for each entry); not read"
    )
    assert learners(out) == GOOD
    assert run.seconds < 10


def test_defect6_zip_with_20001_entries_refused_by_count(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    tiny = b"{}"
    entries = [
        Entry(f"r{i:05d}.json", tiny, len(tiny), zipfile.ZIP_STORED, zlib.crc32(tiny))
        for i in range(20_001)
    ]
    (folder / "many.zip").write_bytes(zip_of(entries))

    run, out = report(tmp_path, folder)

    reason = "holds 20,001 entries; a zip may hold 10,000; not read"
    assert run.skipped(folder / "many.zip", reason)
    assert skipped_rows(out)[str(folder / "many.zip")] == reason
    assert run.stdout.count("  skipped ") == 1
    assert learners(out) == GOOD


def test_defect6_fifo_named_x_json_is_skipped_not_waited_on(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    os.mkfifo(folder / "x.json")
    (tmp_path / "given").mkdir()
    os.mkfifo(tmp_path / "given" / "x.json")

    run, out = report(tmp_path, folder, tmp_path / "given" / "x.json")

    reason = "not a regular file (a named pipe); only plain files are read"
    assert run.skipped(folder / "x.json", reason)
    assert run.skipped(tmp_path / "given" / "x.json", reason)
    assert skipped_rows(out)[str(folder / "x.json")] == reason
    assert learners(out) == GOOD


def test_defect6_symlink_to_dev_zero_is_skipped(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "zero.json").symlink_to("/dev/zero")
    (folder / "zero.zip").symlink_to("/dev/zero")
    (tmp_path / "x.json").symlink_to("/dev/zero")

    run, out = report(tmp_path, folder, tmp_path / "x.json")

    reason = "not a regular file (a device); only plain files are read"
    for name in (folder / "zero.json", folder / "zero.zip", tmp_path / "x.json"):
        assert run.skipped(name, reason)
        assert skipped_rows(out)[str(name)] == reason
    assert learners(out) == GOOD
    assert run.peak_mb < MEMORY_MB


def test_defect6_record_with_utf8_bom_is_accepted(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    bom = b"\xef\xbb\xbf"
    windows = bom + record("李四").replace(b"\n", b"\r\n")  # saved again by a Windows editor
    (folder / "li.json").write_bytes(windows)
    zhou = bom + record("周七")
    (folder / "bom.zip").write_bytes(
        zip_of([Entry("zhou.json", deflated(zhou), len(zhou), crc=zlib.crc32(zhou))])
    )

    run, out = report(tmp_path, folder)

    assert "4 records used, 0 skipped" in run.stdout
    assert learners(out) == GOOD | {"李四", "周七"}

    imported = coursekit(tmp_path, "record", "import", folder / "li.json")
    assert imported.rc == 0, imported.stderr
    assert "restored 李四" in imported.stdout


def test_defect6_record_import_of_a_fifo_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.json")
    (tmp_path / "zero.json").symlink_to("/dev/zero")

    for name, kind in (("x.json", "a named pipe"), ("zero.json", "a device")):
        run = coursekit(tmp_path, "record", "import", tmp_path / name)

        assert not run.timed_out, "record import waited on a pipe"
        assert run.rc == 2
        assert (
            f"error: {tmp_path / name}: not a regular file ({kind}); only plain files are read"
            in run.stderr
        )
        assert "Traceback" not in run.stderr


def test_defect6_largest_records_in_a_small_zip_stay_within_memory(
    tmp_path: Path, largest_records_zip: Path
) -> None:
    size = largest_records_zip.stat().st_size
    allowed = min(256 << 20, MAX_BYTES + 25 * size)

    run, out = report(tmp_path, largest_records_zip)

    used = len(learners(out))
    assert 1 <= used < 40
    assert run.skipped(
        largest_records_zip,
        f"unpacks to more than {allowed:,} bytes (a zip may unpack to 25 times its size plus "
        f"{MAX_BYTES:,} bytes, and to 268,435,456 at most); {40 - used} of its records were not read",
    )
    assert run.peak_mb < MEMORY_MB, f"peak {run.peak_mb:.0f} MB"
    assert run.seconds < SECONDS


def test_defect6_folder_walk_is_bounded_and_links_do_not_loop(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "loop").symlink_to(folder)  # a link back to the folder itself
    deep = folder.joinpath(*[f"d{i}" for i in range(40)])
    deep.mkdir(parents=True)
    (deep / "deep.json").write_bytes(record("李四"))

    run, out = report(tmp_path, folder)

    assert run.skipped(
        folder / "loop", "a link to a folder; not followed (name that folder itself to read it)"
    )
    too_deep = folder.joinpath(*[f"d{i}" for i in range(33)])
    assert run.skipped(too_deep, "a folder more than 32 levels deep; not read")
    assert learners(out) == GOOD


def test_defect6_file_names_cannot_forge_lines_or_crash_the_report(tmp_path: Path) -> None:
    folder = good_folder(tmp_path)
    (folder / "a\n  skipped forged.json: fine.json").write_bytes(b"not json")
    with open(os.path.join(os.fsencode(folder), b"\xff\xfe.json"), "wb") as f:
        f.write(b"not json either")

    run, out = report(tmp_path, folder)

    assert "\n  skipped forged.json" not in run.stdout
    assert run.skipped(f"{folder}/a\\n  skipped forged.json: fine.json", "not valid JSON")
    assert run.skipped(f"{folder}/\\xff\\xfe.json", "not valid JSON")
    assert learners(out) == GOOD


def test_defect6_one_run_reads_at_most_its_limit(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    for i in range(5):
        (folder / f"more{i}.json").write_bytes(record(f"学员{i}"))
    size = len(record("学员0"))  # each of the five is this size

    found = list(record_sources([folder], Limits(run_bytes=3 * size)))

    read = [name for name, data, _ in found if data is not None]
    assert len(read) == 3
    name, data, reason = found[-1]
    assert data is None and name == str(folder / "more3.json")
    assert reason == (
        f"not read, nor anything after it: this report has read {3 * size:,} bytes, "
        f"and one run reads at most {3 * size:,}"
    )


def test_defect6_hostile_folder_within_500_mb_and_30_s(
    tmp_path: Path, largest_records_zip: Path
) -> None:
    folder = good_folder(tmp_path)
    (folder / "bzip2.zip").write_bytes(
        zip_of([Entry("b.json", bz2.compress(bytes(64 << 20)), 1_000, zipfile.ZIP_BZIP2)])
    )
    (folder / "deflate.zip").write_bytes(zip_of([Entry("d.json", deflate_bomb(1), 1_000)]))
    (folder / "quoted.zip").write_bytes(quoted_overlap_zip(400, MAX_BYTES - 400 * 64))
    (folder / "full.zip").write_bytes(full_overlap_zip(400, MAX_BYTES - 1))
    tiny = b"{}"
    (folder / "many.zip").write_bytes(
        zip_of([Entry(f"{i}.json", tiny, 2, zipfile.ZIP_STORED) for i in range(20_001)])
    )
    (folder / "largest.zip").symlink_to(largest_records_zip)
    os.mkfifo(folder / "x.json")
    (folder / "zero.json").symlink_to("/dev/zero")
    bom = b"\xef\xbb\xbf" + record("李四")
    (folder / "bom.json").write_bytes(bom)
    (folder / "loop").symlink_to(folder)
    # A record claiming every answer right, sealed again; and 王五's record renamed to 赵六,
    # dated in 2099 so that "the newest record wins" would have picked it.
    forged = json.loads(record("孙八"))
    forged["modules"][0]["attempts"][0]["correct"] = True
    (folder / "forged.json").write_bytes(resealed(forged))
    impostor = json.loads(record("王五"))
    impostor |= {"learner": "赵六", "last_activity": "2099-01-01T00:00:00+00:00"}
    (folder / "impostor.json").write_bytes(resealed(impostor))

    run, out = report(tmp_path, folder)

    bad = {
        f"{folder / 'bzip2.zip'}!b.json": "compressed with bzip2",
        f"{folder / 'deflate.zip'}!d.json": "cannot be read from the zip file (Bad CRC-32",
        str(folder / "quoted.zip"): "entries 'r000.json' and 'r001.json' overlap",
        str(folder / "full.zip"): "entries 'x.json' and 'x.json' overlap",
        str(folder / "many.zip"): "holds 20,001 entries",
        str(folder / "largest.zip"): "unpacks to more than",
        str(folder / "x.json"): "not a regular file (a named pipe)",
        str(folder / "zero.json"): "not a regular file (a device)",
        str(folder / "loop"): "a link to a folder; not followed",
        str(
            folder / "impostor.json"
        ): "field last_activity: 2099-01-01T00:00:00+00:00 is in the future",
    }
    rows = skipped_rows(out)
    for name, reason in bad.items():
        assert run.skipped(name, reason), name
        assert rows[name].startswith(reason)
    assert GOOD | {"李四", "孙八"} <= learners(out)
    with (out / "completion.csv").open(encoding="utf-8-sig", newline="") as f:
        right = {
            row["learner"]: int(row["correct"])
            for row in csv.DictReader(f)
            if row["correct"] != "0"
        }
    assert right == {}  # 甲 is wrong for everyone, whatever a record says
    assert run.seconds < SECONDS
    assert run.peak_mb < MEMORY_MB, f"peak {run.peak_mb:.0f} MB"
