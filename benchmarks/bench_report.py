"""How long `coursekit report` takes, and how much memory, on a cohort and on hostile files.

Targets: under 10 s for 10,000 records; within 30 s and 500 MB on a folder of
hostile files (zip bombs, overlapping entries, 20,001 entries, the largest
records in a small zip, a named pipe, a link to /dev/zero, a record with a BOM).
Run: .venv/bin/python benchmarks/bench_report.py [N]   (N records, 10,000 by default)
Prints figures; it is not a test.
"""

from __future__ import annotations

import bz2
import json
import os
import random
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

from coursekit import load_course
from coursekit.records import MAX_ATTEMPTS, MAX_BYTES, _checksum, record_json
from coursekit.report import build_report, load_cohort, write_report


def generate(course, n: int, folder: Path) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    questions = course.all_checkpoints()
    for i in range(n):
        modules = []
        for m in course.modules:
            attempts = []
            for mid, q in questions:
                if mid != m.id or rng.random() < 0.2:
                    continue
                for k in range(rng.choice([1, 1, 2])):
                    attempts.append(
                        {
                            "checkpoint": q.id,
                            "answer": rng.choice(["甲", "乙", "丙"]),
                            "correct": k == 1 or rng.random() < 0.6,
                            "at": f"2020-02-{5 + k:02d}T08:{i % 60:02d}:00+00:00",
                        }
                    )
            reflections = [
                {
                    "reflection": r.id,
                    "text": "学习体会" * rng.randint(20, 80),
                    "updated_at": "2020-02-06T09:00:00+00:00",
                }
                for r in m.reflections
            ]
            modules.append(
                {
                    "module": m.id,
                    "read_at": "2020-02-05T07:00:00+00:00" if rng.random() < 0.8 else None,
                    "attempts": attempts,
                    "reflections": reflections,
                }
            )
        body = {
            "schema": "coursekit.learner-record",
            "schema_version": 1,
            "course": {"id": course.id, "title": course.title, "version": course.version},
            "learner": f"学员{i:05d}",
            "last_activity": "2020-02-06T09:00:00+00:00",
            "modules": modules,
        }
        (folder / f"r{i:05d}.json").write_text(
            record_json({**body, "checksum": _checksum(body)}), encoding="utf-8"
        )


def peak_mb(who: int) -> float:
    """Peak resident memory of this process (RUSAGE_SELF) or of its largest child."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, else KiB


def one_member_zip(name: str, method: int, data: bytes, size: int, copies: int = 1) -> bytes:
    """A zip of one member whose data is already packed and whose size says ``size``;
    with ``copies``, that many directory entries point at the same member (an overlap bomb)."""
    raw = name.encode()
    head = struct.pack(
        "<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, 0, method, 0, 0, 0, len(data), size, len(raw), 0
    )
    entry = struct.pack(
        "<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 0, method, 0, 0, 0, len(data), size,
        len(raw), 0, 0, 0, 0, 0, 0,
    ) + raw  # fmt: skip
    body = head + raw + data
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, copies, copies, len(entry) * copies, len(body), 0
    )
    return body + entry * copies + end


def largest_record(course, learner: str) -> str:  # type: ignore[no-untyped-def]
    """A valid record of nearly MAX_BYTES: as many attempts as a record may hold (the most
    memory per byte), the rest long reflections."""
    module, question = course.all_checkpoints()[0]
    attempt = {
        "checkpoint": question.id,
        "answer": True,
        "correct": True,
        "at": "2020-02-05T08:00:00Z",
    }
    room = MAX_BYTES - 4096 - MAX_ATTEMPTS * (len(json.dumps(attempt, separators=(",", ":"))) + 1)
    texts = [
        {"reflection": f"r{i}", "text": "x" * 200_000, "updated_at": "2020-02-05T08:00:00Z"}
        for i in range(room // (200_000 + 80))
    ]
    body = {
        "schema": "coursekit.learner-record",
        "schema_version": 1,
        "course": {"id": course.id, "title": course.title, "version": course.version},
        "learner": learner,
        "last_activity": "2020-02-05T08:00:00Z",
        "modules": [
            {"module": module, "read_at": None, "attempts": [attempt] * MAX_ATTEMPTS,
             "reflections": texts[:100]},
            {"module": "m2", "read_at": None, "attempts": [], "reflections": texts[100:]},
        ],
    }  # fmt: skip
    return json.dumps({**body, "checksum": _checksum(body)}, separators=(",", ":"))


def hostile(course, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """The hostile files of issue 10, defect 6, beside one good record."""
    good = Path(tempfile.mkdtemp(dir=folder.parent))
    generate(course, 2, good)
    (folder / "good.json").write_bytes((good / "r00000.json").read_bytes())
    (folder / "bom.json").write_bytes(b"\xef\xbb\xbf" + (good / "r00001.json").read_bytes())
    bomb = bz2.compress(bytes(256 << 20))
    (folder / "bzip2.zip").write_bytes(one_member_zip("b.json", zipfile.ZIP_BZIP2, bomb, 1_000))
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(bytes(1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH)
    gib = block * 1024 + packer.flush()  # 1 GiB of zeros
    (folder / "deflate.zip").write_bytes(one_member_zip("d.json", zipfile.ZIP_DEFLATED, gib, 1_000))
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    spaces = packer.compress(b" " * (MAX_BYTES - 1)) + packer.flush()
    overlap = one_member_zip("o.json", zipfile.ZIP_DEFLATED, spaces, MAX_BYTES - 1, copies=400)
    (folder / "overlap.zip").write_bytes(overlap)
    with zipfile.ZipFile(folder / "many.zip", "w") as z:
        for i in range(20_001):
            z.writestr(f"{i}.json", "{}")
    with zipfile.ZipFile(folder / "largest.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for i in range(40):
            z.writestr(f"{i}.json", largest_record(course, f"L{i:02d}"))
    os.mkfifo(folder / "x.json")
    (folder / "zero.json").symlink_to("/dev/zero")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    course = load_course()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "hostile"
        folder.mkdir()
        t0 = time.perf_counter()
        hostile(course, folder)
        print(f"built the hostile folder in {time.perf_counter() - t0:.1f} s")
        command = [sys.executable, "-c", "from coursekit.cli import main; main()", "report"]
        t0 = time.perf_counter()
        try:
            done = subprocess.run(
                [*command, str(folder), "--out", str(Path(tmp) / "hostile-report")],
                capture_output=True,
                text=True,
                timeout=120,
            )
            outcome = f"exit code {done.returncode}; " + (
                done.stdout.splitlines()[0] if done.stdout else done.stderr[-300:]
            )
        except subprocess.TimeoutExpired:
            outcome = "did not finish in 120 s"
        print(
            f"hostile folder: {time.perf_counter() - t0:.1f} s, peak RSS "
            f"{peak_mb(resource.RUSAGE_CHILDREN):.0f} MB (target < 30 s, < 500 MB); {outcome}"
        )
        folder = Path(tmp) / "records"
        folder.mkdir()
        t0 = time.perf_counter()
        generate(course, n, folder)
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(f"generated {n:,} records ({size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        cohort = load_cohort([folder], course)
        t1 = time.perf_counter()
        report = build_report(course, cohort)
        t2 = time.perf_counter()
        write_report(course, report, Path(tmp) / "report")
        t3 = time.perf_counter()
    print(f"read and checked: {t1 - t0:.2f} s; tables: {t2 - t1:.2f} s; written: {t3 - t2:.2f} s")
    print(f"report of {report.learners:,} records: {t3 - t0:.2f} s (target < 10 s)")
    print(
        f"peak RSS of this process (generating, reporting): {peak_mb(resource.RUSAGE_SELF):.0f} MB"
    )


if __name__ == "__main__":
    main()
