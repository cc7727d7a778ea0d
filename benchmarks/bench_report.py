"""How long `coursekit report` takes, and how much memory, on a cohort and on hostile files.

Targets: 10,000 records in under 5 s and at most 500 MB of peak RSS; within 30 s
and 500 MB on a folder of hostile files (zip bombs, overlapping entries, 20,001
entries, the largest records in a small zip, a named pipe, a link to /dev/zero, a
record with a BOM). Each report runs in a child process that measures its own
peak (VmHWM; see measure.py), once with one process (COURSEKIT_REPORT_WORKERS=1)
and once with a worker per CPU, so the gain is measured in one run.
Run: .venv/bin/python benchmarks/bench_report.py [N [RUNS]]   (10,000 records, best of 3)
Prints figures; it is not a test.
"""

from __future__ import annotations

import bz2
import json
import os
import random
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
from measure import run_coursekit


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


# One report in a child process of its own: its phases, its own peak (VmHWM) and the largest
# peak among the worker processes it waited for (RUSAGE_CHILDREN: a worker forked from it
# carries its peak at the fork, which is small: workers start after two batches are read).
_PHASES = """
import json, resource, sys, time
from pathlib import Path
from coursekit import load_course
from coursekit.report import build_report, load_cohort, write_report
course = load_course()
t0 = time.perf_counter()
cohort = load_cohort([Path(sys.argv[1])], course)
t1 = time.perf_counter()
report = build_report(course, cohort)
t2 = time.perf_counter()
write_report(course, report, Path(sys.argv[2]))
t3 = time.perf_counter()
with open("/proc/self/status") as status:
    kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"read": t1 - t0, "tables": t2 - t1, "written": t3 - t2, "total": t3 - t0,
                  "learners": report.learners, "peak": kib / 1024,
                  "workers": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def phases(folder: Path, out: Path, workers: str) -> dict[str, float]:
    """The report of ``folder`` in a child, with ``COURSEKIT_REPORT_WORKERS=workers``."""
    env = {**os.environ, "COURSEKIT_REPORT_WORKERS": workers}
    done = subprocess.run(
        [sys.executable, "-c", _PHASES, str(folder), str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def same_files(one: Path, other: Path) -> bool:
    names = sorted(p.name for p in one.iterdir() if p.suffix in {".csv", ".html"})
    return names == sorted(
        p.name for p in other.iterdir() if p.suffix in {".csv", ".html"}
    ) and all((one / name).read_bytes() == (other / name).read_bytes() for name in names)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    course = load_course()
    cpus = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "hostile"
        folder.mkdir()
        t0 = time.perf_counter()
        hostile(course, folder)
        print(f"built the hostile folder in {time.perf_counter() - t0:.1f} s")
        hostile_run = run_coursekit(
            "report", str(folder), "--out", str(Path(tmp) / "hostile-report")
        )
        print(
            f"hostile folder: {hostile_run.seconds:.1f} s, "
            f"peak RSS {hostile_run.peak_mb or 0:.0f} MB "
            f"(target < 30 s, < 500 MB); exit code {hostile_run.code}; "
            + (hostile_run.lines[0] if hostile_run.lines else "")
        )
        folder = Path(tmp) / "records"
        folder.mkdir()
        t0 = time.perf_counter()
        generate(course, n, folder)
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(f"generated {n:,} records ({size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s")
        print(
            f"report of {n:,} records in a child process, best of {runs} "
            f"(targets: total < 5 s, peak RSS <= 500 MB); {cpus} CPUs"
        )
        outs = {}
        for label, workers in (("one process (workers=1)", "1"), (f"{cpus} workers", str(cpus))):
            best: dict[str, float] | None = None
            for i in range(runs):
                outs[workers] = Path(tmp) / f"report-{workers}-{i}"
                figures = phases(folder, outs[workers], workers)
                if best is None or figures["total"] < best["total"]:
                    best = figures
            assert best is not None
            ok = "within" if best["total"] < 5 and best["peak"] <= 500 else "NOT within"
            print(
                f"  {label:>24}: read and checked {best['read']:.2f} s, "
                f"tables {best['tables']:.2f} s, "
                f"written {best['written']:.2f} s; total {best['total']:.2f} s (target < 5 s); "
                f"peak RSS {best['peak']:.0f} MB (target <= 500 MB), largest worker "
                f"{best['workers']:.0f} MB; {ok} targets"
            )
        print(f"  the two reports' files are the same: {same_files(outs['1'], outs[str(cpus)])}")
        for workers in ("1", str(cpus)):
            os.environ["COURSEKIT_REPORT_WORKERS"] = workers
            run = run_coursekit(
                "report", str(folder), "--out", str(Path(tmp) / f"cli-{workers}"), "--force"
            )
            print(
                f"coursekit report (workers={workers}), the whole command: {run.seconds:.2f} s, "
                f"peak RSS {run.peak_mb or 0:.0f} MB; exit code {run.code}"
            )


if __name__ == "__main__":
    main()
