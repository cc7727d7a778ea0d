"""The report and the dashboard treat learner records as input, never as truth (issue 10).

Defect 2: learner markup must not run in the trainer's dashboard.
Defect 3: learner text must not become a spreadsheet formula.
Defect 4: a record's own grades, dates and claims are not believed.
Defect 5: a course update does not throw records away.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from coursefactory import write_course
from coursekit import load_course
from coursekit.cli import main
from coursekit.model import Course
from coursekit.records import export_record, record_json
from coursekit.report import build_report, load_cohort
from coursekit.store import SQLiteStore

COURSE = load_course()
QUESTIONS = COURSE.all_checkpoints()
FILL = next((m, q) for m, q in QUESTIONS if q.type == "fill")
XSS = '<img src=x onerror="window.__xss=(window.__xss||0)+1;alert(3)">'


def reseal(body: dict[str, Any]) -> dict[str, Any]:
    """Seal an edited record as anyone can: the checksum is an unkeyed sha256 of compact JSON."""
    body = {k: v for k, v in body.items() if k != "checksum"}
    canonical = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return {**body, "checksum": "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()}


def test_reseal_makes_the_checksum_export_makes() -> None:
    record = record_of("甲", answers=[(FILL[0], FILL[1].id, "一", False)])
    assert reseal(record) == record


def record_of(
    learner: str,
    course: Course = COURSE,
    *,
    answers: list[tuple[str, str, Any, bool]] = (),  # type: ignore[assignment]
    reflections: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
    reads: list[str] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    store = SQLiteStore(memory=True)
    store.add_learner(learner)
    for i, module in enumerate(reads):
        store.mark_read(learner, course.id, module, at=f"2020-02-05T07:{i:02d}:00+00:00")
    for i, (module, checkpoint, answer, correct) in enumerate(answers):
        store.add_attempt(
            learner,
            course.id,
            module,
            checkpoint,
            answer,
            correct,
            at=f"2020-02-05T08:{i // 60:02d}:{i % 60:02d}+00:00",
        )
    for i, (module, reflection, text) in enumerate(reflections):
        store.save_reflection(
            learner, course.id, module, reflection, text, at=f"2020-02-05T09:{i:02d}:00+00:00"
        )
    record = export_record(course, store, learner)
    store.close()
    return record


def write(folder: Path, name: str, record: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(record_json(record), encoding="utf-8")
    return path


def report(folder: Path, out: Path, *extra: str) -> Any:
    result = CliRunner().invoke(main, ["report", str(folder), "--out", str(out), *extra])
    assert "Traceback" not in result.output
    return result


# --- defect 2: stored XSS in the trainer dashboard ---------------------------------------------


def hostile_cohort(folder: Path) -> None:
    module, fill = FILL
    first = COURSE.modules[0]
    write(
        folder,
        "a.json",
        record_of(
            XSS,
            answers=[(module, fill.id, XSS, False)],
            reflections=[(first.id, first.reflections[0].id, "体会" + XSS)],
            reads=[first.id],
        ),
    )
    (folder / '"><svg onload=alert(5)>.json').write_text("{not json", encoding="utf-8")


def test_defect2_dashboard_shows_learner_markup_as_text(tmp_path: Path) -> None:
    from coursekit.dashboard import Dashboard

    hostile_cohort(tmp_path / "records")
    board = Dashboard(COURSE, tmp_path / "records")
    page = board._repr_mimebundle_()["text/html"]
    assert page == f"<p>{board.status.value}</p>{board.tables.value}"
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find_all(["img", "svg", "script"]) == []
    assert not [tag for tag in soup.find_all(True) if any(a.startswith("on") for a in tag.attrs)]
    text = soup.get_text()
    assert XSS in text  # the learner's name, and their wrong answer, as text
    assert f"{XSS}（1）" in text
    assert "体会" + XSS in text
    assert '"><svg onload=alert(5)>.json' in text


@pytest.mark.browser
def test_defect2_dashboard_runs_no_learner_markup_in_chromium(tmp_path: Path) -> None:
    from browser import CHROMIUM, CHROMIUM_ARGS, need_chromium

    need_chromium()
    from playwright.sync_api import sync_playwright

    from coursekit.dashboard import Dashboard

    hostile_cohort(tmp_path / "records")
    board = Dashboard(COURSE, tmp_path / "records")
    html = board._repr_mimebundle_()["text/html"]
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            # The way JupyterLab shows an ipywidgets HTML value: inserted as markup.
            page.set_content('<!DOCTYPE html><html><body><div id="out"></div></body></html>')
            page.evaluate("html => { document.getElementById('out').innerHTML = html; }", html)
            page.wait_for_timeout(500)
            fired = page.evaluate("window.__xss || 0")
            live = page.evaluate(
                "document.querySelectorAll('#out img, #out svg, #out script').length"
            )
            shown = page.inner_text("#out")
        finally:
            browser.close()
    assert (dialogs, fired, live) == ([], 0, 0)
    assert XSS in shown


# --- defect 3: spreadsheet formula injection ---------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://example.invalid","点此")',
    "+1+2",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "=2*3",
]


def test_defect3_csv_and_xlsx_cells_never_hold_a_formula(tmp_path: Path) -> None:
    import openpyxl

    module, fill = FILL
    first = COURSE.modules[0]
    for i, hostile in enumerate(FORMULAS):
        write(
            tmp_path / "records",
            f"r{i}.json",
            record_of(
                hostile + str(i),
                answers=[(module, fill.id, hostile, False)],
                reflections=[(first.id, first.reflections[0].id, hostile)],
            ),
        )
    result = report(tmp_path / "records", tmp_path / "report", "--xlsx")
    assert result.exit_code == 0, result.output
    assert f"{len(FORMULAS)} records used, 0 skipped" in result.output

    cells: list[str] = []
    for path in sorted((tmp_path / "report").glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:  # as a spreadsheet reads it
            rows = list(csv.reader(f))
        cells += [cell for row in rows for cell in row]
    assert cells
    dangerous = [c for c in cells if c[:1] in {"=", "+", "-", "@", "\t", "\r"}]
    assert dangerous == []
    for i, hostile in enumerate(FORMULAS):
        assert "'" + hostile + str(i) in cells  # the learner's name, neutralised
    (excerpts,) = [c for c in cells if " ｜ " in c]  # five reflections, joined
    assert excerpts.startswith("'") and excerpts.count(" ｜ ") == 4

    book = openpyxl.load_workbook(tmp_path / "report" / "report.xlsx")
    formulas = [
        (sheet.title, cell.coordinate)
        for sheet in book
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []
    learners = [c.value for c in book["completion"]["A"][1:]]
    assert "=2*36" in learners and "+1+21" in learners  # text cells, shown as typed
    wrong = book["checkpoints"]
    row = next(r for r in wrong.iter_rows(min_row=2) if r[1].value == fill.id)
    assert row[6].data_type == "s" and row[6].value.startswith("\t=1+1（1）")


def test_defect3_xlsx_keeps_a_reflection_with_control_characters(tmp_path: Path) -> None:
    import openpyxl

    first = COURSE.modules[0]
    write(
        tmp_path / "records",
        "a.json",
        record_of("甲", reflections=[(first.id, first.reflections[0].id, "体会\x00\x07\x1b结束")]),
    )
    result = report(tmp_path / "records", tmp_path / "report", "--xlsx")
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(tmp_path / "report" / "report.xlsx")["reflections"]
    excerpts = [r[5].value for r in sheet.iter_rows(min_row=2) if r[5].value]
    assert excerpts == ["体会\ufffd\ufffd\ufffd结束"]


# --- defect 4: the report trusts what the learner's file says about itself -------------------


def test_defect4_a_resealed_record_claiming_every_answer_right_is_graded_from_the_key(
    tmp_path: Path,
) -> None:
    honest = record_of("王五", answers=[(m, q.id, "胡说", False) for m, q in QUESTIONS])
    forged = json.loads(record_json(honest))
    for module in forged["modules"]:
        for attempt in module["attempts"]:
            attempt["correct"] = True
    write(tmp_path / "records", "forged.json", reseal(forged))
    result = report(tmp_path / "records", tmp_path / "report")
    assert result.exit_code == 0, result.output
    assert "1 records used, 0 skipped" in result.output
    completion = list(
        csv.DictReader((tmp_path / "report" / "completion.csv").open("r", encoding="utf-8-sig"))
    )
    assert sum(int(r["answered"]) for r in completion) == len(QUESTIONS) > 50
    assert sum(int(r["correct"]) for r in completion) == 0
    checkpoints = list(
        csv.DictReader((tmp_path / "report" / "checkpoints.csv").open("r", encoding="utf-8-sig"))
    )
    assert {float(r["first_correct"]) for r in checkpoints} == {0.0}


def test_defect4_a_right_answer_counts_even_if_the_record_says_wrong(tmp_path: Path) -> None:
    module, fill = FILL
    record = record_of("甲", answers=[(module, fill.id, fill.answer[0], False)])
    cohort = load_cohort([write(tmp_path, "a.json", record)], COURSE)
    done = build_report(COURSE, cohort).completion.set_index(["learner", "module"])
    assert done.loc[("甲", module), "correct"] == 1


def test_defect4_a_renamed_record_with_a_later_date_does_not_replace_the_real_one(
    tmp_path: Path,
) -> None:
    module, fill = FILL
    li_si = record_of(
        "李四",
        answers=[(module, fill.id, "一", False), (module, fill.id, fill.answer[0], True)],
        reads=[module],
    )
    zhang = record_of("张三", answers=[(module, fill.id, fill.answer[0], True)])
    impostor = json.loads(record_json(zhang))
    impostor["learner"] = "李四"
    impostor["last_activity"] = "2020-03-01T00:00:00+00:00"
    from_2099 = {**impostor, "last_activity": "2099-01-01T00:00:00+00:00"}
    folder = tmp_path / "records"
    genuine = write(folder, "li-si.json", li_si)
    renamed = write(folder, "renamed.json", reseal(impostor))
    future = write(folder, "zz-future.json", reseal(from_2099))

    result = report(folder, tmp_path / "report")
    assert result.exit_code == 0, result.output
    assert "1 records used, 2 skipped" in result.output
    assert (
        f"skipped {renamed}: another record of learner '李四', with 1 items of work "
        f"against 3 in {genuine}, which is used"
    ) in result.output
    assert f"skipped {future}: field last_activity: 2099-01-01T00:00:00+00:00 is in the future" in (
        result.output
    )
    records = list(
        csv.DictReader((tmp_path / "report" / "records.csv").open("r", encoding="utf-8-sig"))
    )
    assert [(r["learner"], r["file"]) for r in records] == [("李四", str(genuine))]
    skipped = (tmp_path / "report" / "skipped.csv").read_text(encoding="utf-8-sig")
    assert "another record of learner '李四'" in skipped


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        ("2020-19-39T29:59:59+00:00", "2020-19-39T29:59:59+00:00 is not a real date and time"),
        ("2020-02-30T08:00:00+00:00", "2020-02-30T08:00:00+00:00 is not a real date and time"),
        ("9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59+00:00 is in the future"),
        ("2020-02-05 08:00", "expected a time such as 2020-02-05T08:00:00+00:00"),
    ],
)
def test_defect4_times_must_be_real_and_not_in_the_future(
    tmp_path: Path, stamp: str, reason: str
) -> None:
    module, fill = FILL
    body = json.loads(record_json(record_of("甲", answers=[(module, fill.id, "一", False)])))
    body["modules"][0]["attempts"][0]["at"] = stamp
    path = write(tmp_path / "records", "a.json", reseal(body))
    result = report(tmp_path / "records", tmp_path / "report")
    assert result.exit_code == 0, result.output
    assert f"skipped {path}: field modules.0.attempts.0.at: {reason}" in result.output


def test_defect4_a_record_of_an_older_content_version_is_graded_and_named(tmp_path: Path) -> None:
    module, fill = FILL
    old = json.loads(
        record_json(record_of("甲", answers=[(module, fill.id, fill.answer[0], False)]))
    )
    old["course"]["version"] = "0ld0ld0ld0ld0ld0"
    path = write(tmp_path / "records", "old.json", reseal(old))
    result = report(tmp_path / "records", tmp_path / "report")
    assert result.exit_code == 0, result.output
    assert (
        f"1 records come from an older content version (0ld0ld0ld0ld0ld0); "
        f"graded against the current key ({COURSE.version})"
    ) in result.output
    records = list(
        csv.DictReader((tmp_path / "report" / "records.csv").open("r", encoding="utf-8-sig"))
    )
    assert [(r["file"], r["version"], r["current_version"]) for r in records] == [
        (str(path), "0ld0ld0ld0ld0ld0", "False")
    ]
    soup = BeautifulSoup((tmp_path / "report" / "index.html").read_text("utf-8"), "html.parser")
    assert "以下记录来自旧版本，已按当前答案重新评分" in soup.get_text()
    completion = list(
        csv.DictReader((tmp_path / "report" / "completion.csv").open("r", encoding="utf-8-sig"))
    )
    assert sum(int(r["correct"]) for r in completion) == 1


# --- defect 5: a course update throws away learners' records ---------------------------------


def test_defect5_records_survive_a_checkpoint_and_a_reflection_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    v1 = load_course(write_course(tmp_path / "v1"))
    record = record_of(
        "甲",
        v1,
        answers=[("a1", "q-single", "党中央", True), ("a1", "q-fill", "错", False)],
        reflections=[("a1", "r-a1-duty", "我的体会，写得很长。"), ("a1", "r-a1-study", "第二篇")],
        reads=["a1"],
    )
    path = write(tmp_path / "records", "jia.json", record)

    v2_root = write_course(tmp_path / "v2")
    extras = yaml.safe_load((v2_root / "modules" / "a1.yaml").read_text("utf-8"))
    extras["checkpoints"] = [q for q in extras["checkpoints"] if q["id"] != "q-single"]
    extras["reflections"] = [r for r in extras["reflections"] if r["id"] != "r-a1-duty"]
    (v2_root / "modules" / "a1.yaml").write_text(
        yaml.safe_dump(extras, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    v2 = load_course(v2_root)
    assert v2.version != v1.version

    result = report(tmp_path / "records", tmp_path / "report", "--course", str(v2_root))
    assert result.exit_code == 0, result.output
    assert "1 records used, 0 skipped" in result.output
    assert "2 items in the records are no longer in the course and were not counted" in (
        result.output
    )
    retired = list(
        csv.DictReader((tmp_path / "report" / "retired.csv").open("r", encoding="utf-8-sig"))
    )
    assert [(r["learner"], r["kind"], r["item"]) for r in retired] == [
        ("甲", "checkpoint", "q-single"),
        ("甲", "reflection", "r-a1-duty"),
    ]
    completion = list(
        csv.DictReader((tmp_path / "report" / "completion.csv").open("r", encoding="utf-8-sig"))
    )
    a1 = next(r for r in completion if r["module"] == "a1")
    assert (a1["read"], a1["answered"], a1["correct"], a1["reflections"]) == ("True", "1", "0", "1")
    soup = BeautifulSoup((tmp_path / "report" / "index.html").read_text("utf-8"), "html.parser")
    assert "已不在课程中的作答（不计入统计）" in soup.get_text()

    # a new Binder session of the updated course: the record is imported whole
    monkeypatch.setenv("COURSEKIT_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(main, ["record", "import", str(path), "--course", str(v2_root)])
    assert result.exit_code == 0, result.output
    assert "restored 甲: 1 reads, 2 attempts, 2 reflections added" in result.output
    assert (
        "kept 2 items that are no longer in the course: checkpoint q-single, reflection r-a1-duty"
        in (result.output)
    )
    store = SQLiteStore(tmp_path / "home" / "learner.sqlite3")
    assert sorted(a.checkpoint_id for a in store.attempts("甲")) == ["q-fill", "q-single"]
    assert store.reflection("甲", v2.id, "r-a1-duty") is not None
    again = export_record(v2, store, "甲")
    store.close()
    kept = {a["checkpoint"] for m in again["modules"] for a in m["attempts"]}
    assert kept == {"q-single", "q-fill"}  # nothing lost in the next export either


def test_defect5_the_record_panel_imports_a_record_with_retired_items(tmp_path: Path) -> None:
    from coursekit.widgets import RecordPanel

    v1 = load_course(write_course(tmp_path / "v1"))
    record = record_of("乙", v1, answers=[("a1", "q-single", "党中央", True)])
    v2_root = write_course(tmp_path / "v2")
    (v2_root / "modules" / "a1.yaml").write_text(
        (v2_root / "modules" / "a1.yaml").read_text("utf-8").replace("q-single", "q-single-2"),
        encoding="utf-8",
    )
    store = SQLiteStore(memory=True)
    panel = RecordPanel(load_course(v2_root), store, "乙")
    assert panel.import_bytes(record_json(record).encode("utf-8"), "yi.json")
    assert panel.status.value == (
        "已导入 乙 的学习记录：新增阅读 0 项、作答 1 次、体会 0 则。请重新运行本页以显示恢复的内容。"
        " 记录中有 1 项内容已不在本课程中：已一并保留，但不计入进度。"
    )
    assert [a.checkpoint_id for a in store.attempts("乙")] == ["q-single"]
    store.close()


def test_record_times_are_checked_against_the_readers_clock() -> None:
    from coursekit.errors import RecordInvalid
    from coursekit.records import parse_record

    module, fill = FILL
    data = record_json(record_of("甲", answers=[(module, fill.id, "一", False)])).encode("utf-8")
    parse_record(data, "a.json", COURSE, now=dt.datetime(2020, 2, 5, 9, tzinfo=dt.timezone.utc))
    with pytest.raises(RecordInvalid, match="is in the future"):
        parse_record(data, "a.json", COURSE, now=dt.datetime(2020, 2, 5, tzinfo=dt.timezone.utc))


def test_defect2_a_file_name_cannot_send_escape_sequences_to_the_trainers_terminal(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "\x1b]0;owned\x07\x1b[2J.json").write_text("{not json", encoding="utf-8")
    result = report(folder, tmp_path / "report")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert f"skipped {folder}/\\x1b]0;owned\\x07\\x1b[2J.json: not valid JSON" in result.output


def test_defect4_an_imported_record_is_graded_from_the_key_on_the_way_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, fill = FILL
    forged = json.loads(record_json(record_of("甲", answers=[(module, fill.id, "胡说", False)])))
    forged["modules"][0]["attempts"][0]["correct"] = True
    path = write(tmp_path, "forged.json", reseal(forged))
    monkeypatch.setenv("COURSEKIT_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(main, ["record", "import", str(path)])
    assert result.exit_code == 0, result.output
    store = SQLiteStore(tmp_path / "home" / "learner.sqlite3")
    assert [(a.answer, a.correct) for a in store.attempts("甲")] == [("胡说", False)]
    store.close()


def test_defect6_a_record_of_absurdly_many_attempts_is_refused_before_it_costs_memory(
    tmp_path: Path,
) -> None:
    _module, fill = FILL
    body = json.loads(record_json(record_of("甲")))
    attempt = {
        "checkpoint": fill.id,
        "answer": "一",
        "correct": False,
        "at": "2020-02-05T08:00:00+00:00",
    }
    for i in range(3):
        body["modules"][i]["attempts"] = [attempt] * 2_000
    path = write(tmp_path / "records", "many.json", reseal(body))
    result = report(tmp_path / "records", tmp_path / "report")
    assert result.exit_code == 0, result.output
    assert f"skipped {path}: holds 6,000 attempts; a record holds at most 5,000" in result.output


def test_defect6_the_record_panel_takes_a_record_saved_with_a_bom(tmp_path: Path) -> None:
    from coursekit.widgets import RecordPanel

    module, fill = FILL
    data = record_json(record_of("丙", answers=[(module, fill.id, "一", False)])).encode("utf-8")
    store = SQLiteStore(memory=True)
    panel = RecordPanel(COURSE, store, "丙")
    assert panel.import_bytes(b"\xef\xbb\xbf" + data, "bing.json"), panel.status.value
    assert [a.answer for a in store.attempts("丙")] == ["一"]
    store.close()
