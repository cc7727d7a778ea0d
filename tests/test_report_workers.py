"""Records checked in worker processes give the report one process gives (issue 18, part 4).

A cohort large enough for several batches (see :mod:`coursekit.cohort_files`),
with learners who sent several records (more work wins, the first read wins a
tie), files that are skipped, names a terminal must not take as they are, and
records inside a zip: the parallel path and ``COURSEKIT_REPORT_WORKERS=1`` must
write the same files, skip the same files for the same reasons in the same
order, and give the ledger the same members. A worker that dies stops the
report with a message instead of leaving it waiting.
"""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from coursekit import cohort_files
from coursekit.cli import main
from coursekit.ledger.data import ledger_from_cohort
from coursekit.records import record_json
from coursekit.report import Cohort, build_report, load_cohort, write_report
from test_report_trust import COURSE, QUESTIONS, record_of, reseal

FILL = next((m, q) for m, q in QUESTIONS if q.type == "fill")
FIRST = COURSE.modules[0]
LEARNERS = 150  # more than two batches of CHUNK_FILES: the pool is used


def bases() -> list[dict[str, Any]]:
    """A few records of different shapes, to be given to many learners."""
    module, fill = FILL
    prompt = FIRST.reflections[0].id
    return [
        record_of("x", reads=[FIRST.id]),
        record_of("x", answers=[(module, fill.id, fill.answer[0], False)]),
        record_of(
            "x",
            answers=[(module, fill.id, "错", True), (module, fill.id, fill.answer[0], False)],
            reflections=[(FIRST.id, prompt, '=HYPERLINK("http://x")\n学到了')],
            reads=[m.id for m in COURSE.modules],
        ),
        record_of("x", reflections=[(FIRST.id, prompt, "　")]),  # blank: no work
        retired_first(record_of("x", reads=[m.id for m in COURSE.modules])),
    ]


def retired_first(record: dict[str, Any]) -> dict[str, Any]:
    """The record with a module, a checkpoint and a reflection the course no longer has,
    ahead of the modules it has: those still count."""
    old = {
        "module": "old-module",
        "read_at": "2020-02-04T07:00:00+00:00",
        "attempts": [
            {"checkpoint": "old-q", "answer": "甲", "correct": True, "at": "2020-02-04T07:01:00Z"}
        ],
        "reflections": [
            {"reflection": "old-r", "text": "旧", "updated_at": "2020-02-04T07:02:00+00:00"}
        ],
    }
    return reseal({**record, "modules": [old, *record["modules"]]})


def as_learner(record: dict[str, Any], learner: str, branch: str | None) -> dict[str, Any]:
    return reseal({**record, "learner": learner, "name": f"名{learner}", "branch": branch})


def cohort_folder(root: Path) -> Path:
    """Many learners, duplicates and ties, bad files, hostile names, and a zip of records."""
    folder = root / "records"
    folder.mkdir(parents=True)
    shapes = bases()
    for i in range(LEARNERS):
        record = as_learner(
            shapes[i % len(shapes)], f"学员{i:03d}", ("一支部", "二支部", None)[i % 3]
        )
        # hostile names: a newline, a direction override, an escape, in a sorted position
        odd = ("\n", "\u202e", "\x1b[31m", "")[i % 4]
        (folder / f"r{i:03d}{odd}.json").write_text(record_json(record), encoding="utf-8")
    # duplicates: more work (wins), less work (loses), the same work (the first read wins)
    for i in range(0, 40, 4):
        more = as_learner(shapes[2], f"学员{i:03d}", "一支部")
        (folder / f"s{i:03d}-more.json").write_text(record_json(more), encoding="utf-8")
        tie = as_learner(shapes[i % len(shapes)], f"学员{i + 1:03d}", None)
        (folder / f"s{i:03d}-tie.json").write_text(record_json(tie), encoding="utf-8")
    (folder / "bad-json.json").write_text("{not json", encoding="utf-8")
    (folder / "binary.json").write_bytes(b"\xff\xfe\x00")
    changed = as_learner(shapes[0], "学员999", None)
    changed["learner"] = "someone else"
    (folder / "changed.json").write_text(record_json(changed), encoding="utf-8")
    (folder / "other-course.json").write_text(
        record_json(reseal({**shapes[0], "course": {**shapes[0]["course"], "id": "other"}})),
        encoding="utf-8",
    )
    (folder / "notes.txt").write_text("not read", encoding="utf-8")
    with zipfile.ZipFile(folder / "sent.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(0, LEARNERS, 10):
            z.writestr(f"again/{i}.json", record_json(as_learner(shapes[2], f"学员{i:03d}", None)))
        z.writestr("broken.json", "[]")
        z.writestr("new\r\nline.json", record_json(as_learner(shapes[1], "zip-only", "三支部")))
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cohort_folder(tmp_path_factory.mktemp("workers"))


def test_workers_and_one_process_give_the_same_cohort_and_report(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pools: list[int] = []
    real = cohort_files.ProcessPoolExecutor

    class Counted(real):  # type: ignore[misc, valid-type]
        def __init__(self, workers: int, *args: Any, **kwargs: Any) -> None:
            pools.append(workers)
            super().__init__(workers, *args, **kwargs)

    monkeypatch.setattr(cohort_files, "ProcessPoolExecutor", Counted)
    alone = load_cohort([folder], COURSE, workers=1)
    assert pools == []
    together = load_cohort([folder], COURSE, workers=2)
    assert pools == [2]
    assert together.skipped == alone.skipped
    assert together.records == alone.records
    # what the cohort holds is what the folder holds
    assert len(alone.records) == LEARNERS + 1
    reasons = dict(alone.skipped)
    assert any("bad-json.json" in name for name in reasons)
    assert reasons[f"{folder / 'changed.json'}"].startswith("checksum does not match")
    assert reasons[f"{folder / 'sent.zip'}!broken.json"] == "not a coursekit learner record"
    tie = f"{folder / 's000-tie.json'}"
    assert reasons[tie].startswith("another record of learner '学员001'")
    shown = str(folder / "r001") + "\\u202e.json"  # a direction override, escaped
    assert reasons[tie].endswith(f"in {shown}, which is used")
    assert not any("notes.txt" in name for name in reasons)
    assert all("\n" not in name and "\u202e" not in name for name in reasons)
    shaped = [r for _, r in alone.records if r.retired]
    assert shaped and all(r.reads and r.reads[0][0] == FIRST.id for r in shaped)
    assert {kind for r in shaped for _, kind, _ in r.retired} == {
        "module",
        "checkpoint",
        "reflection",
    }
    files = {}
    for label, cohort in (("alone", alone), ("together", together)):
        report = build_report(COURSE, cohort)
        write_report(COURSE, report, tmp_path / label)
        files[label] = {p.name: p.read_bytes() for p in sorted((tmp_path / label).iterdir())}
    assert files["alone"] == files["together"]
    assert "index.html" in files["alone"] and "skipped.csv" in files["alone"]
    assert ledger_from_cohort(COURSE, together) == ledger_from_cohort(COURSE, alone)


def test_the_command_writes_the_same_files_with_either_setting(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("COURSEKIT_REPORT_WORKERS", workers)
        out = tmp_path / f"report-{workers}"
        result = CliRunner().invoke(main, ["report", str(folder), "--out", str(out)])
        assert result.exit_code == 0, result.output
        outputs[workers] = (
            result.output,
            {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != ".coursekit"},
        )
    assert outputs["1"][1] == outputs["2"][1]
    # the printed lines name the output folder, which differs; the rest is the same
    said = [line.replace("report-1", "report-N") for line in outputs["1"][0].splitlines()]
    assert said == [line.replace("report-2", "report-N") for line in outputs["2"][0].splitlines()]
    assert any("skipped" in line and "bad-json.json" in line for line in said)


def test_a_few_files_are_checked_without_a_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("no pool for a few files")

    monkeypatch.setattr(cohort_files, "ProcessPoolExecutor", refuse)
    shape = bases()[2]
    for i in range(cohort_files.CHUNK_FILES):
        (tmp_path / f"{i}.json").write_text(record_json(as_learner(shape, f"l{i}", None)))
    cohort = load_cohort([tmp_path], COURSE, workers=2)
    assert len(cohort.records) == cohort_files.CHUNK_FILES and cohort.skipped == []


def test_a_process_with_threads_starts_workers_from_a_clean_process(folder: Path) -> None:
    """A kernel has threads; a fork of it could wait forever on a lock one of them held."""
    import threading

    release = threading.Event()
    waiting = threading.Thread(target=release.wait)
    waiting.start()
    try:
        assert cohort_files._start_method().get_start_method() in {"forkserver", "spawn"}
        together = load_cohort([folder], COURSE, workers=2)
    finally:
        release.set()
        waiting.join()
    alone = load_cohort([folder], COURSE, workers=1)
    assert together.skipped == alone.skipped and together.records == alone.records


FORK = pytest.mark.skipif(
    sys.platform != "linux"
    or multiprocessing.get_start_method(allow_none=True) not in {None, "fork"},
    reason="the fault is planted in the parent and reaches the workers by fork",
)


@FORK
def test_a_worker_that_dies_stops_the_report_with_a_message(folder: Path, tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import os, sys
        from coursekit import cohort_files
        from coursekit.cli import main

        def die(*args):
            os._exit(9)  # as the kernel's OOM killer would end it

        cohort_files.summarise = die
        sys.argv[0] = "coursekit"
        main()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "report", str(folder), "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        env={**_environ(), "COURSEKIT_REPORT_WORKERS": "2"},
        timeout=300,  # a hang fails here rather than hold the suite
    )
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "a worker process checking learners' records stopped without an answer" in said
    assert "no report was written" in said
    assert "Traceback" not in said
    assert not (tmp_path / "r" / "index.html").exists()


@FORK
def test_an_error_in_a_worker_reaches_the_caller(folder: Path) -> None:
    # In a process of its own: this one may have threads by now, and then workers do not fork.
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from coursekit import cohort_files, load_course
        from coursekit.report import load_cohort

        def fault(*args):
            raise ValueError("a fault in the worker")

        cohort_files.summarise = fault
        try:
            load_cohort([Path(sys.argv[1])], load_course(), workers=2)
        except ValueError as exc:
            print("raised:", exc)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        capture_output=True,
        text=True,
        env=_environ(),
        timeout=300,
    )
    assert done.stdout.strip() == "raised: a fault in the worker", done.stdout + done.stderr


def test_the_cohort_holds_summaries_not_records(folder: Path) -> None:
    cohort: Cohort = load_cohort([folder], COURSE, workers=1)
    source, kept = next((s, r) for s, r in cohort.records if r.learner == "学员000")
    assert source.endswith("s000-more.json") or "again/0.json" in source
    assert isinstance(kept, cohort_files.RecordSummary)
    json.dumps(kept.written)  # plain data: texts, ids and times


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_a_summary_counts_work_as_work_done_does(folder: Path) -> None:
    import datetime as dt

    from coursekit.records import parse_record
    from coursekit.report import work_done

    key = cohort_files._Key(COURSE)
    now = dt.datetime.now(dt.timezone.utc)
    works = set()
    for path in sorted(folder.glob("r00*.json"))[:8]:
        record = parse_record(path.read_bytes(), path, COURSE, now=now)
        works.add(work_done(record))
        assert cohort_files.summarise(record, key).work == work_done(record)
    assert len(works) > 2  # records of several shapes, blank reflections among them
