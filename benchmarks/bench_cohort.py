"""An organisation's cohort in the learner store: bulk load, concurrent writers, the report.

Simulates LEARNERS members in BRANCHES branches (5,000 in 200 by default), each
with about 85 attempts, 20 reflections and 9 modules read (about 570,000 rows),
and prints, per backend:

1. the bulk load (``import_roster`` then ``load``): time, rows, rows/s;
2. PostgreSQL only: WRITERS processes (50), each with its own ``open_store(url)``,
   started together on a barrier, adding ATTEMPTS (200) one by one for members
   of its own (every WRITERS-th on the roster) as the widgets do
   (``add_learner``, ``add_attempt``, every eighth time ``save_reflection``);
   attempts/s and where the CPU went, then every attempt a writer says it wrote
   is looked for in the store: its members' attempts since the writers started
   (the loaded ones are from 2020); "lost: 0";
3. whether the query planner has statistics (``--analyze`` runs ANALYZE first),
   then ``coursekit report --store URL --out DIR`` in a child process: wall
   time and its own peak RSS, against the targets of 10 s and 500 MB.

The PostgreSQL server is tests/postgres.py's throwaway cluster with fsync on,
so the writers' figure is what a real disk gives.

Run: PYTHONPATH=src:tests .venv/bin/python benchmarks/bench_cohort.py
     [--learners N] [--branches B] [--writers W] [--attempts A] [--analyze]
     [--backend postgresql|sqlite|both] [--keep]
Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import platform
import random
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPORT_SECONDS = 10.0
REPORT_MB = 500.0
# A writer waits this long for the others at the barrier (50 interpreters start on 2 cores).
BARRIER_SECONDS = 300.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国红"


# -- the cohort ------------------------------------------------------------------------------------


def right_and_wrong(question: Any) -> tuple[Any, Any]:
    """A right answer to ``question`` and a wrong one, as the widgets store them."""
    from coursekit.model import FillBlank, Matching, MultipleChoice, Ordering, TrueFalse

    key = question.answer
    if isinstance(question, TrueFalse):
        return key, not key
    if isinstance(question, FillBlank):
        said = [f.option for f in question.feedback]
        return key[0], said[0] if said else "不清楚"
    if isinstance(question, Ordering):
        return list(key), list(reversed(key))
    if isinstance(question, Matching):
        right = {pair.item: pair.answer for pair in key}
        first = key[0]
        other = question.options[(question.options.index(first.answer) + 1) % len(question.options)]
        return right, {**right, first.item: other}
    if isinstance(question, MultipleChoice):
        right = [o for o in question.options if o in key]
        extra = [o for o in question.options if o not in key]
        return right, ([*right, extra[0]] if extra else right[:-1])
    return key, next(o for o in question.options if o != key)  # single choice


@dataclass(frozen=True)
class Cohort:
    roster: list[Any]  # RosterEntry
    dumps: list[Any]  # LearnerDump
    rows: int  # roster members, reads, attempts and reflections


def make_cohort(course: Any, learners: int, branches: int) -> Cohort:
    """A roster and everyone's work, from a fixed seed: ~60% right at the first try."""
    from coursekit.grading import grade
    from coursekit.store import Attempt, LearnerDump, Read, RosterEntry, SavedReflection

    rng = random.Random(2020)
    questions = course.all_checkpoints()
    answers = {}
    for _, q in questions:
        right, wrong = right_and_wrong(q)
        if not grade(q, right) or grade(q, wrong):
            raise SystemExit(f"bench_cohort: the made-up answers to {q.id} do not grade as meant")
        answers[q.id] = (right, wrong)
    roster, dumps, rows = [], [], 0
    for i in range(learners):
        learner = f"DY{i:05d}"
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2])))
        roster.append(RosterEntry(learner, name, branch_name(i % branches)))
        day = 5 + i % 10
        tick = iter(range(10**6))

        def stamp(day: int = day, tick: Any = tick) -> str:
            s = 8 * 3600 + 20 * next(tick)
            return f"2020-02-{day:02d}T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00:00"

        attempts = []
        for module, q in questions:
            if rng.random() > 0.62:
                continue
            right, wrong = answers[q.id]
            first_right = rng.random() < 0.6
            attempts.append(
                Attempt(learner, course.id, module, q.id, right if first_right else wrong,
                        first_right, stamp())
            )  # fmt: skip
            if not first_right:
                attempts.append(Attempt(learner, course.id, module, q.id, right, True, stamp()))
        reads = tuple(
            Read(learner, course.id, m.id, stamp()) for m in course.modules if rng.random() < 0.9
        )
        reflections = tuple(
            SavedReflection(
                learner, course.id, m.id, r.id, "学习体会" * rng.randint(20, 80), stamp()
            )
            for m in course.modules
            for r in m.reflections
            if rng.random() < 0.91
        )
        dumps.append(LearnerDump(learner, reads, tuple(attempts), reflections))
        rows += 1 + len(reads) + len(attempts) + len(reflections)
    return Cohort(roster, dumps, rows)


def branch_name(b: int) -> str:
    return f"第{b + 1:03d}党支部"


# -- 1. bulk load ----------------------------------------------------------------------------------


def bulk_load(url: str, cohort: Cohort) -> None:
    from coursekit.store import open_store

    t0 = time.perf_counter()
    store = open_store(url)
    try:
        t1 = time.perf_counter()
        counts = store.import_roster(cohort.roster)
        t2 = time.perf_counter()
        store.load(cohort.dumps, ())
        t3 = time.perf_counter()
    finally:
        store.close()
    print(
        f"  bulk load: {cohort.rows:,} rows in {t3 - t1:.1f} s"
        f" ({cohort.rows / (t3 - t1):,.0f} rows/s)"
        f"; roster import {t2 - t1:.2f} s ({counts.added:,} added), load {t3 - t2:.1f} s"
        f"; opening the new store (migrations) {t1 - t0:.2f} s"
    )


# -- 2. concurrent writers (PostgreSQL) ------------------------------------------------------------


def writer(
    url: str,
    number: int,
    learners: list[str],
    course_id: str,
    work: list[tuple[str, str, Any, bool]],
    reflections: list[tuple[str, str]],
    barrier: Any,
    results: Any,
) -> None:
    """One kernel's worth of writes: its own store, one transaction per answer, as the widgets."""
    from coursekit.errors import StoreError
    from coursekit.store import open_store

    written = saved = 0
    errors: list[str] = []
    t0 = t1 = float("nan")
    cpu = 0.0
    try:
        store = open_store(url)
    except StoreError as exc:
        barrier.abort()  # the others would wait for this one until the timeout
        results.put((number, learners, 0, 0, [f"could not open the store: {exc}"], t0, t1, cpu))
        return
    try:
        store.add_learner(learners[0])  # a first connection, outside the timed part
        barrier.wait(BARRIER_SECONDS)
        t0 = time.monotonic()
        cpu0 = time.process_time()
        for learner in learners:
            store.add_learner(learner)
        for k, (module, checkpoint, answer, correct) in enumerate(work):
            learner = learners[k % len(learners)]
            try:
                store.add_attempt(learner, course_id, module, checkpoint, answer, correct)
                written += 1
                if k % 8 == 7:
                    module, reflection = reflections[k % len(reflections)]
                    store.save_reflection(
                        learner, course_id, module, reflection, f"第{k}次保存的学习体会" * 10
                    )
                    saved += 1
            except StoreError as exc:
                errors.append(str(exc))
        t1 = time.monotonic()
        cpu = time.process_time() - cpu0
    except BaseException as exc:  # the parent must hear from every writer, whatever happened
        errors.append(f"the writer stopped: {exc!r}")
    finally:
        store.close()
        results.put((number, learners, written, saved, errors, t0, t1, cpu))


def concurrent_writers(url: str, course: Any, cohort: Cohort, writers: int, each: int) -> None:
    import sqlalchemy as sa

    from coursekit.answers import now
    from coursekit.store import open_store
    from coursekit.store.schema import attempts

    questions = course.all_checkpoints()
    rng = random.Random(7)
    reflections = [(m.id, r.id) for m in course.modules for r in m.reflections]
    by_writer: list[list[str]] = [[] for _ in range(writers)]
    for i, entry in enumerate(cohort.roster):
        by_writer[i % writers].append(entry.learner)
    context = mp.get_context("spawn")
    barrier = context.Barrier(writers + 1)  # and this process, to sample the CPU from the start
    results = context.Queue()
    since = now()
    processes = []
    for w in range(writers):
        work = []
        for _ in range(each):
            module, q = rng.choice(questions)
            right, wrong = right_and_wrong(q)
            correct = rng.random() < 0.6
            work.append((module, q.id, right if correct else wrong, correct))
        process = context.Process(
            target=writer,
            args=(url, w, by_writer[w], course.id, work, reflections, barrier, results),
        )
        process.start()
        processes.append(process)
    t0 = time.perf_counter()
    with contextlib.suppress(threading.BrokenBarrierError):  # a writer's report says why
        barrier.wait(BARRIER_SECONDS)
    cpu_before = cpu_times()
    reports = [results.get(timeout=BARRIER_SECONDS + 600) for _ in processes]
    cpu_after = cpu_times()
    for process in processes:
        process.join()
    print(f"  {writers} writer processes started and finished in {time.perf_counter() - t0:.1f} s")
    timed = [r for r in reports if r[5] == r[5] and r[6] == r[6]]  # NaN: never started
    start = min(r[5] for r in timed)
    end = max(r[6] for r in timed)
    written = sum(r[2] for r in reports)
    saved = sum(r[3] for r in reports)
    errors = [e for r in reports for e in r[4]]
    seconds = end - start
    print(
        f"  concurrent writers: {written:,} attempts and {saved:,} reflections in {seconds:.1f} s"
        f" from the barrier: {written / seconds:,.0f} attempts/s,"
        f" {(written + saved) / seconds:,.0f} writes/s; {len(errors)} store errors"
        + (f" (first: {errors[0]})" if errors else "")
    )
    ticks = os.sysconf("SC_CLK_TCK")
    busy = (cpu_after[0] - cpu_before[0]) / ticks
    whole = (cpu_after[1] - cpu_before[1]) / ticks
    python = sum(r[7] for r in reports)
    print(
        f"  while they wrote, the machine's {os.cpu_count()} cores were"
        f" {busy / max(whole, 1e-9):.0%} busy: {busy:.1f} CPU-s, of which the writers' Python"
        f" (coursekit, SQLAlchemy, psycopg)"
        f" {python:.1f} s, {python / max(written + saved, 1) * 1000:.1f} ms a write,"
        f" and the rest (PostgreSQL and the kernel) {busy - python:.1f} s"
    )
    # Each writer's attempts are the ones since `since` for its own members: the roster's
    # attempts are all from February 2020.
    store = open_store(url)
    lost = 0
    try:
        with store.connection() as c:
            for number, learners, said, *_ in sorted(reports, key=lambda r: r[0]):
                found = c.execute(
                    sa.select(sa.func.count())
                    .select_from(attempts)
                    .where(attempts.c.learner.in_(learners), attempts.c.at >= since)
                ).scalar_one()
                if found != said:
                    print(f"  writer {number}: said {said}, the store holds {found}")
                lost += said - found
    finally:
        store.close()
    print(f"  lost: {lost}")


# -- 3. the report ---------------------------------------------------------------------------------


def statistics(url: str, analyze: bool) -> None:
    """Say whether the query planner has statistics for the report; with ``analyze``, make them.

    A freshly loaded store has none, unless PostgreSQL's autovacuum has got to it;
    SQLite gathers them only on ANALYZE.
    """
    import sqlalchemy as sa

    from coursekit.store import open_store

    store = open_store(url)
    try:
        with store.engine.connect() as c:
            if analyze:
                t0 = time.perf_counter()
                c.exec_driver_sql("ANALYZE")
                c.commit()
                print(f"  ANALYZE: {time.perf_counter() - t0:.1f} s")
            if store.backend == "postgresql":
                said = c.execute(
                    sa.text(
                        "SELECT coalesce(last_analyze, last_autoanalyze) IS NOT NULL"
                        " FROM pg_stat_user_tables WHERE relname = 'attempts'"
                    )
                ).scalar()
            else:
                said = c.exec_driver_sql(
                    "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
                ).scalar()
    finally:
        store.close()
    print(f"  planner statistics on attempts before the report: {'yes' if said else 'none'}")


def report(url: str, out: Path) -> None:
    """``coursekit report --store URL`` in a child of its own, timed, with its own peak RSS.

    The peak is the child's own (benchmarks/measure.py): the rusage of a child forked
    from this process, which holds the whole cohort, would report this process's peak.
    """
    from measure import run_coursekit

    result = run_coursekit("report", "--store", url, "--out", str(out))
    seconds, mb = result.seconds, result.peak_mb
    if result.code != 0 or mb is None:
        print(f"  report: FAILED, exit code {result.code} after {seconds:.1f} s; it said:")
    else:
        print(
            f"  report: {seconds:.1f} s ({verdict(seconds <= REPORT_SECONDS)} ≤ "
            f"{REPORT_SECONDS:.0f} s), peak RSS {mb:.0f} MB ({verdict(mb <= REPORT_MB)} ≤ "
            f"{REPORT_MB:.0f} MB)"
        )
    for line in result.lines[:3] if result.code == 0 else result.lines[-8:]:
        print(f"    | {line}")


def cpu_times() -> tuple[int, int]:
    """The machine's busy and total CPU ticks so far, from /proc/stat (all cores)."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return sum(ticks) - idle, sum(ticks)


def verdict(met: bool) -> str:
    return "PASS" if met else "MISS"


# -- the run ---------------------------------------------------------------------------------------


def machine(server_version: str | None) -> None:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory = next(
        int(line.split()[1]) / 1024**2
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    import sqlalchemy

    print(f"machine: {os.cpu_count()} cores ({cpu}), {memory:.0f} GB RAM, {platform.system()}")
    print(
        f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"SQLite {__import__('sqlite3').sqlite_version}"
        + (f", PostgreSQL {server_version} (fsync on)" if server_version else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=5000)
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument(
        "--attempts", type=int, default=200, help="attempts each writer adds (default 200)"
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run ANALYZE before the report, so that the query planner has statistics",
    )
    parser.add_argument("--backend", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the work folder (SQLite store, reports); the PostgreSQL server is always "
        "removed",
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]

    from coursekit import load_course

    course = load_course()
    work = Path(tempfile.mkdtemp(prefix="coursekit-bench-cohort-"))
    cluster = None
    try:
        server_version = None
        if "postgresql" in backends:
            from postgres import Cluster

            cluster = Cluster(fast=False)
            cluster.start()
            server_version = server_said(cluster.url)
        machine(server_version)
        t0 = time.perf_counter()
        cohort = make_cohort(course, args.learners, args.branches)
        print(
            f"cohort: {args.learners:,} learners in {args.branches:,} branches,"
            f" {cohort.rows:,} rows"
            f" ({sum(len(d.attempts) for d in cohort.dumps):,} attempts,"
            f" {sum(len(d.reflections) for d in cohort.dumps):,} reflections,"
            f" {sum(len(d.reads) for d in cohort.dumps):,} reads),"
            f" made in {time.perf_counter() - t0:.1f} s"
        )
        for backend in backends:
            print(f"{backend}:")
            if backend == "sqlite":
                url = f"sqlite:///{work / 'learner.sqlite3'}"
            else:
                url = cluster.create_database("cohort")
            bulk_load(url, cohort)
            if backend == "postgresql":
                concurrent_writers(url, course, cohort, args.writers, args.attempts)
            statistics(url, analyze=args.analyze)
            report(url, work / f"report-{backend}")
    finally:
        if cluster is not None:
            cluster.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def server_said(url: str) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as c:
            return str(c.execute(sa.text("SHOW server_version")).scalar())
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
