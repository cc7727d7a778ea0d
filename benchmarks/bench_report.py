"""How long `coursekit report` takes on a generated cohort of 10,000 learner records.

Target: under 10 s for 10,000 records. Run: .venv/bin/python benchmarks/bench_report.py [N]
Prints figures; it is not a test.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from coursekit import load_course
from coursekit.records import _checksum, record_json
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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    course = load_course()
    with tempfile.TemporaryDirectory() as tmp:
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


if __name__ == "__main__":
    main()
