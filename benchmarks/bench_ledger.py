"""The study ledger of a whole organisation, and of one branch, from the learner store.

Simulates LEARNERS members in BRANCHES branches (5,000 in 200 by default, the
cohort of ``bench_cohort.py``: about 570,000 rows, 100,000 reflections), the
first member of each branch its secretary, loads them into a SQLite store and
runs, each in a child process of its own:

1. ``coursekit ledger --store URL --branch B``: what a branch secretary waits
   for (3 documents);
2. ``coursekit ledger --store URL``: every branch (600 documents).

Prints the wall time, the child's peak RSS and what was written, beside the
targets: one branch within 5 s, the organisation within 120 s and 1 GB.

Run: PYTHONPATH=src:tests:benchmarks .venv/bin/python benchmarks/bench_ledger.py
     [--learners N] [--branches B] [--keep]
Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import tempfile
from pathlib import Path

from bench_cohort import branch_name, make_cohort, verdict
from measure import Measured, run_coursekit

BRANCH_SECONDS = 5.0
ALL_SECONDS = 120.0
ALL_MB = 1024.0


def run(url: str, out: Path, *extra: str) -> Measured:
    """``coursekit ledger`` in a child of its own, timed, with its own peak RSS."""
    return run_coursekit("ledger", "--store", url, "--out", str(out), *extra)


def written(out: Path) -> str:
    files = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".xlsx", ".docx")]
    size = sum(p.stat().st_size for p in files)
    return f"{len(files):,} documents, {size / 1024**2:.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=5000)
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the store and the ledger")
    args = parser.parse_args()

    from coursekit.content import load_course
    from coursekit.store import open_store

    course = load_course(None)
    work = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    try:
        cohort = make_cohort(course, args.learners, args.branches)
        # the first member of each branch is its secretary, as a roster's 职务 column says
        roster = [
            dataclasses.replace(e, role="支部书记") if i < args.branches else e
            for i, e in enumerate(cohort.roster)
        ]
        url = f"sqlite:///{work / 'learner.sqlite3'}"
        store = open_store(url)
        try:
            store.import_roster(roster)
            store.load(cohort.dumps, ())
        finally:
            store.close()
        reflections = sum(len(d.reflections) for d in cohort.dumps)
        print(
            f"cohort: {args.learners:,} members in {args.branches} branches, {cohort.rows:,} rows "
            f"({reflections:,} reflections), SQLite"
        )
        for label, out, extra, limit in (
            ("one branch", work / "one", ("--branch", branch_name(0)), BRANCH_SECONDS),
            ("every branch", work / "all", (), ALL_SECONDS),
        ):
            result = run(url, out, *extra)
            if result.code != 0 or result.peak_mb is None:
                print(f"  {label}: FAILED, exit code {result.code}; it said:")
                for line in result.lines[-8:]:
                    print(f"    | {line}")
                continue
            mb, seconds = result.peak_mb, result.seconds
            memory = f"peak RSS {mb:.0f} MB"
            if not extra:
                memory += f" ({verdict(mb <= ALL_MB)} ≤ {ALL_MB:.0f} MB)"
            print(
                f"  {label}: {seconds:.1f} s ({verdict(seconds <= limit)} ≤ {limit:.0f} s), "
                f"{memory}; {written(out)}"
            )
        if args.keep:
            print(f"kept: {work}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
