"""The cohort report straight from a store, on SQLite and on a real PostgreSQL.

A small organisation: three branches, two members called 王伟, a member on the
roster who never studied, a learner whose store row claims right answers that
are wrong. The report from the store must give every learner the numbers the
report over their exported record files gives, and rank the branches by the
share of their members who studied.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from coursekit.answers import Answer
from coursekit.cli import main
from coursekit.model import (
    Checkpoint,
    Course,
    FillBlank,
    Matching,
    MultipleChoice,
    Ordering,
    SingleChoice,
    TrueFalse,
)
from coursekit.records import export_record, write_record
from coursekit.store import RosterEntry, SQLStore, open_store

ROSTER = [
    RosterEntry("wh-0101", "王伟", "第一支部"),
    RosterEntry("wh-0102", "李娜", "第一支部"),
    RosterEntry("wh-0201", "王伟", "第二支部"),
    RosterEntry("wh-0202", '=HYPERLINK("http://x")', "第二支部"),
    RosterEntry("wh-0203", "刘洋", "第二支部"),  # on the roster, never studied
    RosterEntry("wh-0301", "陈静", "<b>第三</b>支部"),
]


def right(q: Checkpoint) -> Answer:
    """The key's answer, in the shape the widgets store."""
    if isinstance(q, SingleChoice | TrueFalse):
        return q.answer
    if isinstance(q, MultipleChoice | Ordering):
        return list(q.answer)
    if isinstance(q, FillBlank):
        return q.answer[0]
    assert isinstance(q, Matching)
    return {pair.item: pair.answer for pair in q.answer}


def wrong(q: Checkpoint) -> Answer:
    if isinstance(q, TrueFalse):
        return not q.answer
    if isinstance(q, FillBlank):
        return "不知道"
    if isinstance(q, Ordering):
        return list(reversed(q.answer))
    if isinstance(q, Matching):
        return {pair.item: None for pair in q.answer}
    if isinstance(q, MultipleChoice):
        return [q.options[0]] if list(q.answer) != [q.options[0]] else q.options[1:2]
    return next(o for o in q.options if o != q.answer)


def study(db: SQLStore, course: Course) -> None:
    """Each member who studied does a different share of the course, in a known pattern."""
    db.import_roster(ROSTER)
    questions = course.all_checkpoints()
    for n, member in enumerate(["wh-0101", "wh-0102", "wh-0201", "wh-0202", "wh-0301"]):
        db.add_learner(member)
        for i, (module, q) in enumerate(questions):
            if (i + n) % 3 == 0:
                continue  # not answered
            at = f"2020-02-05T08:{i:02d}:00+00:00"
            if (i + n) % 3 == 1:  # wrong first, then right
                db.add_attempt(member, course.id, module, q.id, wrong(q), False, at=at)
                db.add_attempt(
                    member, course.id, module, q.id, right(q), True, at=at.replace(":00+", ":30+")
                )
            else:
                # the learner's store claims a wrong answer was right: the report must not
                forged = member == "wh-0202"
                answer = wrong(q) if forged else right(q)
                db.add_attempt(member, course.id, module, q.id, answer, True, at=at)
        for j, m in enumerate(course.modules):
            if (j + n) % 2 == 0:
                db.mark_read(member, course.id, m.id, at=f"2020-02-05T09:0{j % 10}:00+00:00")
            for r in m.reflections:
                text = f"{member} 的体会" if (j + n) % 2 else "  \u3000\n"
                db.save_reflection(member, course.id, m.id, r.id, text)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def by_learner(
    table: list[dict[str, str]], *columns: str
) -> dict[tuple[str, str], tuple[str, ...]]:
    return {(r["learner"], r["module"]): tuple(r[c] for c in columns) for r in table}


def test_the_report_from_a_store_matches_the_report_over_exported_records(
    store_url: str, course: Course, tmp_path: Path
) -> None:
    db = open_store(store_url)
    study(db, course)
    records = tmp_path / "records"
    for member in ["wh-0101", "wh-0102", "wh-0201", "wh-0202", "wh-0301"]:
        write_record(course, export_record(course, db, member), records / f"{member}.json")
    db.close()
    runner = CliRunner()
    by_store = runner.invoke(
        main,
        [
            "report",
            "--store",
            store_url,
            "--course",
            str(course.root),
            "--out",
            str(tmp_path / "s"),
        ],
    )
    assert by_store.exit_code == 0, by_store.output
    assert by_store.output.startswith("5 learners in ")
    by_files = runner.invoke(
        main,
        ["report", str(records), "--course", str(course.root), "--out", str(tmp_path / "f")],
    )
    assert by_files.exit_code == 0, by_files.output
    assert by_files.output.startswith("5 records used, 0 skipped")

    numbers = ("name", "branch", "read", "answered", "correct", "first_correct", "reflections")
    from_store = by_learner(rows(tmp_path / "s" / "completion.csv"), *numbers)
    from_files = by_learner(rows(tmp_path / "f" / "completion.csv"), *numbers)
    assert from_store == from_files
    assert len(from_store) == 5 * len(course.modules)
    cols = ("learners", "first_correct", "common_wrong")
    assert [tuple(r[c] for c in cols) for r in rows(tmp_path / "s" / "checkpoints.csv")] == [
        tuple(r[c] for c in cols) for r in rows(tmp_path / "f" / "checkpoints.csv")
    ]
    assert rows(tmp_path / "s" / "reflections.csv") == rows(tmp_path / "f" / "reflections.csv")

    # graded from the key: the forged "right" answers of wh-0202 count as wrong
    forged = [r for r in rows(tmp_path / "s" / "completion.csv") if r["learner"] == "wh-0202"]
    honest = [r for r in rows(tmp_path / "s" / "completion.csv") if r["learner"] == "wh-0201"]
    assert sum(int(r["correct"]) for r in forged) < sum(int(r["correct"]) for r in honest)
    assert sum(int(r["first_correct"]) for r in forged) == 0


def test_branches_are_ranked_by_the_share_of_their_members_who_studied(
    store_url: str, course: Course, tmp_path: Path
) -> None:
    db = open_store(store_url)
    study(db, course)
    db.close()
    out = tmp_path / "report"
    result = CliRunner().invoke(
        main, ["report", "--store", store_url, "--course", str(course.root), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    branches = rows(out / "branches.csv")
    assert [(b["rank"], b["branch"], b["members"], b["participants"]) for b in branches] == [
        ("1", "<b>第三</b>支部", "1", "1"),
        ("1", "第一支部", "2", "2"),
        ("3", "第二支部", "3", "2"),  # 刘洋 is on the roster and never studied
    ]
    assert float(branches[2]["participation"]) == pytest.approx(2 / 3)
    assert "3 branches; highest participation: <b>第三</b>支部 (100%), lowest: 第二支部 (67%)" in (
        result.output
    )

    page = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.find("b") is None  # a branch name is text, never markup
    heading = page.find("h2", string="各支部参学情况（按参学率排序）")
    assert heading is not None
    table = heading.find_next("table")
    first = [td.get_text(strip=True) for td in table.tbody.find("tr").find_all(["td", "th"])]
    assert first[:4] == ["1", "<b>第三</b>支部", "1", "1"]
    learners = page.find("h2", string="学员完成情况").find_next("table")
    names = [tr.find(["td", "th"]).get_text(strip=True) for tr in learners.tbody.find_all("tr")]
    # two members called 王伟 are two people, told apart by their ids
    assert "王伟（wh-0101）" in names and "王伟（wh-0201）" in names
    # the formula-looking name stays text in the spreadsheet-bound CSV
    completion = (out / "completion.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in completion and "\n=HYPERLINK" not in completion


def test_record_files_or_a_store_but_not_both(course: Course, tmp_path: Path) -> None:
    runner = CliRunner()
    both = runner.invoke(
        main,
        ["report", str(tmp_path), "--store", "sqlite://", "--course", str(course.root)],
    )
    neither = runner.invoke(main, ["report", "--course", str(course.root)])
    for result in (both, neither):
        assert result.exit_code == 2
        assert "give record files (or folders, or zips), or --store, not both" in result.output
        assert "Traceback" not in result.output


def test_a_store_that_cannot_be_reached_is_one_line_and_exit_1(
    course: Course, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--store",
            "postgresql+psycopg://trainer:secret@127.0.0.1:9/coursekit",
            "--course",
            str(course.root),
            "--out",
            str(tmp_path / "r"),
        ],
    )
    assert result.exit_code == 1
    assert "secret" not in result.output
    assert "the database server that holds the learner store cannot be reached" in result.output
    assert not (tmp_path / "r" / "index.html").exists()


def test_the_trainer_dashboard_reads_the_cohort_from_the_store(
    store_url: str, course: Course, tmp_path: Path
) -> None:
    from coursekit.dashboard import Dashboard

    db = open_store(store_url)
    study(db, course)
    db.close()
    unused = tmp_path / "records"
    dashboard = Dashboard(course, unused, "zh", store=store_url)
    assert not unused.exists()  # nothing to collect: no records folder is made
    assert dashboard.upload.layout.display == "none"
    status = BeautifulSoup(dashboard.status.value, "html.parser").get_text()
    assert "有学习记录的学员 5 人" in status
    page = BeautifulSoup(dashboard._repr_mimebundle_()["text/html"], "html.parser")
    titles = [h.get_text(strip=True) for h in page.find_all(["h2", "h3", "h4", "summary"])]
    assert "各支部参学情况（按参学率排序）" in titles
    text = page.get_text(" ", strip=True)
    assert "王伟（wh-0101）" in text and "王伟（wh-0201）" in text
    assert page.find("b") is None  # the hostile branch name is text
    db = open_store(store_url)
    db.add_learner("wh-0203")  # the member who had not studied starts
    db.add_attempt("wh-0203", course.id, course.modules[0].id, "x", "y", False)
    db.close()
    assert dashboard.refresh().learners == 6


def test_a_module_page_saves_every_answer_shape_into_the_store_coursekit_store_names(
    postgres_url: str, course: Course, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A hub's kernels point COURSEKIT_STORE at the organisation's database; the widgets
    save there, and read back what they saved, in every answer shape."""
    from coursekit.widgets._common import default_store
    from test_widgets_checkpoint import CASES, LEARNER, make

    monkeypatch.setenv("COURSEKIT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COURSEKIT_STORE", postgres_url)
    store = default_store()
    try:
        for qid, (right_answer, stored, wrong_answer, wrong_stored, _) in CASES.items():
            cp = make(course, store, qid)
            wrong_answer(cp)
            cp.submit.click()
            right_answer(cp)
            cp.submit.click()
            rows = store.attempts(LEARNER, "demo", "a1", qid)
            assert [(r.answer, r.correct) for r in rows] == [(wrong_stored, False), (stored, True)]
            # a new page (a new kernel) shows the last answer from the store
            again = make(course, store, qid)
            assert "✔ 回答正确。" in BeautifulSoup(again.feedback.value, "html.parser").get_text()
    finally:
        store.close()
    assert not (tmp_path / "home").exists()  # nothing went to the embedded default
