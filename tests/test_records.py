"""Learner records: round trips, the readable page, and the corpus of bad files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coursekit import Course, load_course
from coursekit.cli import main
from coursekit.html import record_page
from coursekit.records import (
    MAX_BYTES,
    export_record,
    import_record,
    parse_record,
    record_json,
)
from coursekit.store import SQLiteStore

COURSE = load_course()
QUESTIONS = COURSE.all_checkpoints()
REFLECTIONS = [(m.id, r.id) for m in COURSE.modules for r in m.reflections]

# Text a learner might type: CJK, emoji, control characters, and very long passages.
learner_text = st.lists(
    st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from(
            ["😀", "👍🏽", "\u0000", "\u0007", "\x1b", "\t", "\n", "\r", "<", "&", '"', "\u202e"]
        ),
        st.characters(codec="utf-8"),
    ),
    max_size=300,
).map("".join)
stamp = st.datetimes(
    min_value=dt.datetime(2020, 1, 1),
    max_value=dt.datetime(2026, 1, 1),  # records from the future are refused
    timezones=st.just(dt.timezone.utc),
).map(lambda d: d.isoformat(timespec="microseconds"))


@st.composite
def learner_data(draw: st.DrawFn) -> dict[str, object]:
    answers = st.one_of(
        learner_text,
        st.booleans(),
        st.lists(learner_text, max_size=4),
        st.dictionaries(learner_text, st.one_of(st.none(), learner_text), max_size=3),
    )
    return {
        "name": draw(learner_text.filter(lambda s: 0 < len(s) <= 200 and bool(s.strip()))),
        "reads": draw(
            st.lists(
                st.tuples(st.sampled_from([m.id for m in COURSE.modules]), stamp),
                max_size=4,
                unique_by=lambda t: t[0],
            )
        ),
        "attempts": draw(
            st.lists(
                st.tuples(st.sampled_from(QUESTIONS), answers, st.booleans(), stamp), max_size=8
            )
        ),
        "reflections": draw(
            st.lists(
                st.tuples(
                    st.sampled_from(REFLECTIONS),
                    st.one_of(learner_text, learner_text.map(lambda s: s * 200)),
                    stamp,
                ),
                max_size=4,
                unique_by=lambda t: t[0],
            )
        ),
    }


def fill(store: SQLiteStore, course: Course, data: dict[str, object]) -> str:
    name = str(data["name"])
    store.add_learner(name)
    for module, at in data["reads"]:  # type: ignore[attr-defined]
        store.mark_read(name, course.id, module, at=at)
    for (module, q), answer, correct, at in data["attempts"]:  # type: ignore[attr-defined]
        store.add_attempt(name, course.id, module, q.id, answer, correct, at=at)
    for (module, rid), text, at in data["reflections"]:  # type: ignore[attr-defined]
        store.save_reflection(name, course.id, module, rid, text, at=at)
    return name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(learner_data())
def test_any_learner_data_round_trips_without_loss(data: dict[str, object]) -> None:
    first = SQLiteStore(memory=True)
    name = fill(first, COURSE, data)
    record = export_record(COURSE, first, name)
    text = record_json(record)
    parsed = parse_record(text.encode("utf-8"), "record.json", COURSE)

    second = SQLiteStore(memory=True)
    import_record(second, parsed)
    again = export_record(COURSE, second, name)
    assert record_json(again) == text
    assert second.dump(name, COURSE.id) == first.dump(name, COURSE.id)
    first.close()
    second.close()


def make_record(learner: str = "李四", extra_attempts: int = 0) -> dict[str, object]:
    store = SQLiteStore(memory=True)
    store.add_learner(learner)
    module, q = QUESTIONS[1]
    store.mark_read(learner, COURSE.id, module, at="2020-02-05T08:00:00+00:00")
    store.add_attempt(
        learner, COURSE.id, module, q.id, "错的答案", False, at="2020-02-05T08:01:00+00:00"
    )
    for i in range(extra_attempts):
        store.add_attempt(
            learner,
            COURSE.id,
            module,
            q.id,
            f"again {i}",
            False,
            at=f"2020-02-06T08:{i:02d}:00+00:00",
        )
    mid, rid = REFLECTIONS[0]
    store.save_reflection(
        learner,
        COURSE.id,
        mid,
        rid,
        '心得<script>alert("x")</script>',
        at="2020-02-05T09:00:00+00:00",
    )
    record = export_record(COURSE, store, learner)
    store.close()
    return record


def test_the_readable_page_escapes_everything() -> None:
    record = make_record('"><img src=x onerror=alert(1)>')
    page = record_page(COURSE, record)
    soup = BeautifulSoup(page, "html.parser")
    assert soup.html["lang"] == "zh-CN"
    assert soup.find("script") is None and soup.find("img") is None
    assert '"><img src=x onerror=alert(1)>' in soup.h1.get_text()
    assert '心得<script>alert("x")</script>' in soup.find("blockquote").get_text()
    assert "http" not in page


def bad_files(folder: Path) -> dict[str, str]:
    """Each bad file, and the reason the report must give for it."""
    good = make_record("王五")
    folder.mkdir(parents=True, exist_ok=True)
    text = record_json(good)
    cases = {
        "truncated.json": (
            text[: len(text) // 2],
            "not valid JSON (truncated or damaged) at line ",
        ),
        "wrong-version.json": (
            record_json({**good, "schema_version": 3}),
            "schema version 3 is not supported (this coursekit reads versions 1 to 2)",
        ),
        "other-course.json": (
            record_json({**good, "course": {**good["course"], "id": "another-course"}}),  # type: ignore[dict-item]
            "",  # checksum catches it first unless resealed; see below
        ),
        "tampered.json": (
            text.replace('"correct": false', '"correct": true'),
            "checksum does not match: the file was changed after export",
        ),
        "binary.json": (
            b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe",
            "not a text file (binary data): a record is UTF-8 JSON",
        ),
        "pickle.json": (
            b"\x80\x04\x95\x00\x00",
            "not a text file (binary data): a record is UTF-8 JSON",
        ),
        "not-a-record.json": ('{"hello": "world"}', "not a coursekit learner record"),
    }
    # another course, resealed with a valid checksum, so the course check is what stops it
    from coursekit.records import _checksum

    body = {k: v for k, v in good.items() if k != "checksum"}
    body["course"] = {**good["course"], "id": "another-course"}  # type: ignore[dict-item]
    cases["other-course.json"] = (
        record_json({**body, "checksum": _checksum(body)}),
        "a record of course 'another-course', not of 'wuhan-2020-02-theme-day'",
    )
    reasons = {}
    for name, (content, reason) in cases.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        reasons[str(path)] = reason
    big = folder / "oversized.json"
    big.write_bytes(b" " * (MAX_BYTES + 1))
    reasons[str(big)] = f"too large ({MAX_BYTES + 1:,} bytes; the limit is {MAX_BYTES:,})"
    return reasons


def test_a_corpus_of_bad_files_is_rejected_and_the_good_still_reported(tmp_path: Path) -> None:
    records = tmp_path / "records"
    reasons = bad_files(records / "bad")
    older = make_record("赵六")
    newer = make_record("赵六", extra_attempts=2)
    (records / "zhao-old.json").write_text(record_json(older), encoding="utf-8")
    (records / "zhao-new.json").write_text(record_json(newer), encoding="utf-8")
    with zipfile.ZipFile(records / "batch.zip", "w") as z:
        z.writestr("wang.json", record_json(make_record("王五")))
        z.writestr("notes.txt", "not a record")
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["report", str(records), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 records used, 9 skipped" in result.output
    for path, reason in reasons.items():
        assert f"skipped {path}: {reason}" in result.output
    assert (
        f"skipped {records / 'zhao-old.json'}: another record of learner '赵六', "
        f"with 3 items of work against 5 in {records / 'zhao-new.json'}, which is used"
    ) in result.output
    completion = (out / "completion.csv").read_text(encoding="utf-8-sig")
    assert "王五" in completion and "赵六" in completion
    soup = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.html["lang"] == "zh-CN"
    assert "有效学习记录 2 份；跳过 9 份。" in soup.get_text()
    assert soup.find("script") is None
    # the hostile reflection text is shown as text in the digest
    assert '心得<script>alert("x")</script>' in soup.get_text()
    skipped = (out / "skipped.csv").read_text(encoding="utf-8-sig")
    assert "checksum does not match" in skipped


def test_the_report_tables_count_what_learners_did(tmp_path: Path) -> None:
    from coursekit.report import build_report, load_cohort

    (tmp_path / "a.json").write_text(
        record_json(make_record("甲", extra_attempts=1)), encoding="utf-8"
    )
    (tmp_path / "b.json").write_text(record_json(make_record("乙")), encoding="utf-8")
    report = build_report(COURSE, load_cohort([tmp_path], COURSE))
    module, q = QUESTIONS[1]
    row = report.checkpoints.set_index("checkpoint").loc[q.id]
    assert (row["learners"], row["first_correct"]) == (2, 0.0)
    assert row["common_wrong"].startswith("错的答案（2）")
    reading = report.reading.set_index("module").loc[module]
    assert (reading["read"], reading["share"]) == (2, 1.0)
    done = report.completion.set_index(["learner", "module"]).loc[("甲", module)]
    assert (bool(done["read"]), done["answered"], done["correct"]) == (True, 1, 0)


def test_export_and_import_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COURSEKIT_HOME", str(tmp_path / "home"))
    store = SQLiteStore(tmp_path / "home" / "learner.sqlite3")
    module, q = QUESTIONS[0]
    store.add_learner("周七")
    store.add_attempt("周七", COURSE.id, module, q.id, "x", False, at="2020-02-05T08:00:00+00:00")
    store.close()
    runner = CliRunner()
    result = runner.invoke(main, ["record", "export", "--out", str(tmp_path / "zhou.json")])
    assert result.exit_code == 0, result.output
    assert "周七, 1 attempts, 0 modules read" in result.output
    assert (tmp_path / "zhou.html").is_file()
    monkeypatch.setenv("COURSEKIT_HOME", str(tmp_path / "fresh"))
    result = runner.invoke(main, ["record", "import", str(tmp_path / "zhou.json")])
    assert result.exit_code == 0, result.output
    assert "restored 周七: 0 reads, 1 attempts, 0 reflections added" in result.output
    restored = SQLiteStore(tmp_path / "fresh" / "learner.sqlite3")
    assert [a.answer for a in restored.attempts("周七")] == ["x"]
    restored.close()


def test_a_bad_record_is_refused_on_import_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COURSEKIT_HOME", str(tmp_path / "home"))
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"schema": "coursekit.learner-record", "schema_version": 9}), encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["record", "import", str(bad)])
    assert result.exit_code == 2
    assert f"error: {bad}: schema version 9 is not supported" in result.stderr
    assert "Traceback" not in result.output


def test_export_names_an_unknown_learner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSEKIT_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(
        main, ["record", "export", "--learner", "无名", "--out", str(tmp_path / "x.json")]
    )
    assert result.exit_code == 2
    assert "no learner '无名' in the store (known: none)" in result.output
    assert not (tmp_path / "x.json").exists()


def test_the_report_can_also_be_written_as_xlsx(tmp_path: Path) -> None:
    import openpyxl

    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "a.json").write_text(record_json(make_record("甲")), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["report", str(tmp_path / "records"), "--out", str(tmp_path / "report"), "--xlsx"]
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "report" / "report.xlsx")
    assert book.sheetnames == [
        "completion",
        "checkpoints",
        "reading",
        "reflections",
        "branches",
        "records",
        "retired",
        "skipped",
    ]
    assert [c.value for c in book["completion"][1]] == [
        "learner",
        "name",
        "branch",
        "module",
        "read",
        "answered",
        "correct",
        "first_correct",
        "reflections",
    ]
    assert book["completion"]["A2"].value == "甲"


# --- issue 11: record export writes over nothing but its own files ----------------------------


@pytest.fixture
def one_learner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default store (COURSEKIT_HOME in tmp_path) with one learner; returns its path."""
    monkeypatch.setenv("COURSEKIT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COURSEKIT_STORE", raising=False)
    path = tmp_path / "home" / "learner.sqlite3"
    store = SQLiteStore(path)
    store.add_learner("周七")
    store.close()
    return path


@pytest.mark.parametrize(
    ("name", "theirs"),
    [
        ("notes.json", b'{"my": "own notes"}'),
        ("old.json", b'{"schema": "something.else", "learner": "x"}'),
        ("thesis.txt", "论文\n".encode()),
        ("empty.json", b""),
    ],
)
def test_export_refuses_to_overwrite_a_file_that_is_not_a_record(
    tmp_path: Path, one_learner: Path, name: str, theirs: bytes
) -> None:
    out = tmp_path / name
    out.write_bytes(theirs)
    result = CliRunner().invoke(main, ["record", "export", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert (
        f"error: {out}: exists and is not a coursekit learner record; nothing was written"
        in result.stderr
    )
    assert out.read_bytes() == theirs
    assert not out.with_suffix(".html").exists()


def test_export_refuses_to_overwrite_a_page_that_is_not_a_record_page(
    tmp_path: Path, one_learner: Path
) -> None:
    page = tmp_path / "zhou.html"
    page.write_text("<!DOCTYPE html><p>我的网页</p>", "utf-8")
    result = CliRunner().invoke(main, ["record", "export", "--out", str(tmp_path / "zhou.json")])
    assert result.exit_code == 2, result.output
    assert f"error: {page}: exists and is not a coursekit learner page" in result.stderr
    assert page.read_text("utf-8") == "<!DOCTYPE html><p>我的网页</p>"
    assert not (tmp_path / "zhou.json").exists()


def test_export_refuses_the_store_itself(tmp_path: Path, one_learner: Path) -> None:
    before = one_learner.read_bytes()
    for out in (one_learner, one_learner.with_name("learner.sqlite3-wal")):
        result = CliRunner().invoke(main, ["record", "export", "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert f"error: {out}: is the learner store; choose another --out" in result.stderr
    assert one_learner.read_bytes() == before
    result = CliRunner().invoke(
        main,
        ["record", "export", "--store", f"sqlite:///{one_learner}", "--out", str(one_learner)],
    )
    assert result.exit_code == 2 and "is the learner store" in result.stderr


def test_export_refuses_a_published_site(tmp_path: Path, one_learner: Path) -> None:
    """publish keeps files it did not write: a record put into the site would go online."""
    site = tmp_path / "site"
    result = CliRunner().invoke(main, ["publish", "--out", str(site)])
    assert result.exit_code == 0, result.output
    out = site / "records" / "me.json"
    result = CliRunner().invoke(main, ["record", "export", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert (
        f"error: {out}: is inside {site.resolve()}, a site coursekit publish wrote" in result.stderr
    )
    assert not (site / "records").exists()


def test_export_refuses_the_store_coursekit_store_names(
    tmp_path: Path, one_learner: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared.sqlite3"
    store = SQLiteStore(shared)
    store.add_learner("周七")
    store.close()
    monkeypatch.setenv("COURSEKIT_STORE", f"sqlite:///{shared}")
    before = shared.read_bytes()
    result = CliRunner().invoke(main, ["record", "export", "--out", str(shared)])
    assert result.exit_code == 2, result.output
    assert f"error: {shared}: is the learner store; choose another --out" in result.stderr
    assert shared.read_bytes() == before


def test_an_unknown_learner_in_a_large_store_names_a_few_and_counts_the_rest(
    tmp_path: Path, one_learner: Path
) -> None:
    from coursekit.store import RosterEntry

    store = SQLiteStore(one_learner)
    store.import_roster([RosterEntry(f"wh-{i:04d}", f"党员{i}", "第一支部") for i in range(30)])
    store.close()
    result = CliRunner().invoke(
        main, ["record", "export", "--learner", "nobody", "--out", str(tmp_path / "x.json")]
    )
    assert result.exit_code == 2, result.output
    assert (
        "no learner 'nobody' in the store (known: wh-0000, wh-0001, wh-0002, wh-0003, wh-0004,"
        " wh-0005, wh-0006, wh-0007, wh-0008, wh-0009 and 21 more)"
    ) in " ".join(result.output.split())


def test_an_export_carries_the_learners_id_name_and_branch(
    tmp_path: Path, one_learner: Path
) -> None:
    from coursekit.store import RosterEntry

    store = SQLiteStore(one_learner)
    store.import_roster([RosterEntry("wh-0007", "周七", "第二支部")])
    store.add_attempt("wh-0007", COURSE.id, COURSE.modules[0].id, "q", "答", False)
    store.close()
    out = tmp_path / "wh-0007.json"
    result = CliRunner().invoke(
        main, ["record", "export", "--learner", "wh-0007", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    record = json.loads(out.read_text(encoding="utf-8"))
    assert (record["schema_version"], record["learner"], record["name"], record["branch"]) == (
        2,
        "wh-0007",
        "周七",
        "第二支部",
    )
    page = BeautifulSoup(out.with_suffix(".html").read_text(encoding="utf-8"), "html.parser")
    assert "周七" in page.h1.get_text()
    # imported into another store, the learner keeps the id, name and branch the record gives
    other = SQLiteStore(tmp_path / "other.sqlite3")
    other.close()
    imported = CliRunner().invoke(
        main, ["record", "import", str(out), "--store", str(tmp_path / "other.sqlite3")]
    )
    assert imported.exit_code == 0, imported.output
    again = SQLiteStore(tmp_path / "other.sqlite3")
    member = again.learner("wh-0007")
    assert member is not None and (member.name, member.branch) == ("周七", "第二支部")
    again.close()


def test_export_replaces_its_own_record_and_page(tmp_path: Path, one_learner: Path) -> None:
    out = tmp_path / "zhou.json"
    runner = CliRunner()
    assert runner.invoke(main, ["record", "export", "--out", str(out)]).exit_code == 0
    store = SQLiteStore(one_learner)
    store.mark_read("周七", COURSE.id, COURSE.modules[0].id, at="2020-02-05T08:00:00+00:00")
    store.close()
    # a record sent back through a Windows editor keeps its BOM: still a record
    out.write_bytes(b"\xef\xbb\xbf" + out.read_bytes())
    result = runner.invoke(main, ["record", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 modules read" in result.output
    assert json.loads(out.read_text("utf-8"))["modules"][0]["read_at"]
    assert "学习记录：周七" in out.with_suffix(".html").read_text("utf-8")


def test_export_out_names_the_json_not_the_page(tmp_path: Path, one_learner: Path) -> None:
    out = tmp_path / "zhou.html"
    result = CliRunner().invoke(main, ["record", "export", "--out", str(out)])
    assert result.exit_code == 2
    assert f"error: {out}: --out names the JSON file" in result.stderr
    assert not out.exists()


def test_a_record_page_is_recognised_by_its_generator_tag_in_any_language(tmp_path: Path) -> None:
    from coursefactory import write_course
    from coursekit.content import load_course
    from coursekit.html.site import index_html
    from coursekit.records import _is_record_page

    english = load_course(write_course(tmp_path / "en", lang="en"))
    record = {
        "learner": "Ann",
        "course": {"title": english.title, "version": english.version},
        "last_activity": None,
        "modules": [],
        "checksum": "0" * 64,
    }
    page = tmp_path / "ann.html"
    page.write_text(record_page(english, record), "utf-8")
    assert "学习记录" not in page.read_text("utf-8")
    assert _is_record_page(page)
    # another coursekit page, and a page that only mentions the words, are not record pages
    page.write_text(index_html(english), "utf-8")
    assert not _is_record_page(page)
    page.write_text("<!DOCTYPE html><title>学习记录 · x</title><p><small>校验码 1</small>", "utf-8")
    assert not _is_record_page(page)


def test_the_readable_page_shows_times_in_the_course_time_zone_and_names_the_day() -> None:
    page = BeautifulSoup(record_page(COURSE, make_record("王五")), "html.parser")
    assert COURSE.meta.timezone == "Asia/Shanghai"  # a zh course's default
    shown = page.find("time", attrs={"datetime": "2020-02-05T08:01:00+00:00"})
    assert shown is not None and shown.get_text() == "2月5日 16:01"  # UTC+8
    text = page.get_text(" ")
    assert "阅读：已读完（2月5日 16:00）" in text
    assert "最近学习：2月5日 17:00" in text  # the reflection, saved at 09:00 UTC
    assert "T08:" not in text and "+00:00" not in text  # no raw ISO stamp is shown

    elsewhere = dataclasses.replace(
        COURSE, meta=COURSE.meta.model_copy(update={"timezone": "America/New_York"})
    )
    page = BeautifulSoup(record_page(elsewhere, make_record("王五")), "html.parser")
    shown = page.find("time", attrs={"datetime": "2020-02-05T08:01:00+00:00"})
    assert shown is not None and shown.get_text() == "2月5日 03:01"  # UTC−5


def long_record() -> dict[str, object]:
    """A record whose answers are long: a multiple choice, a matching, an ordering."""
    store = SQLiteStore(memory=True)
    store.add_learner("王建国")
    stamp = "2020-02-05T06:37:00+00:00"
    for module, q in QUESTIONS[:12]:
        answer: object = q.answer
        if q.type == "match":  # every item given the same option: wrong, and long
            answer = {pair.item: q.options[0] for pair in q.answer}  # type: ignore[union-attr]
        elif q.type == "fill":
            answer = "、".join(q.answer)  # type: ignore[arg-type]
        store.add_attempt("王建国", COURSE.id, module, q.id, answer, False, at=stamp)  # type: ignore[arg-type]
    record = export_record(COURSE, store, "王建国")
    store.close()
    return record


@pytest.mark.browser
def test_the_record_page_stacks_each_answer_on_a_phone(tmp_path: Path) -> None:
    """At 375 px every cell is a full-width labelled line; at 1280 px the table keeps its head."""
    from browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, need_chromium

    need_chromium()
    from playwright.sync_api import sync_playwright

    path = tmp_path / "record.html"
    path.write_text(record_page(COURSE, long_record()), "utf-8")
    OUTPUT.mkdir(exist_ok=True)
    measure = """() => [...document.querySelectorAll('.ck-table td')].map(td => {
        const size = parseFloat(getComputedStyle(td).fontSize);
        return td.getBoundingClientRect().width / size; })"""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for width in (375, 1280):
            page = browser.new_page(viewport={"width": width, "height": 812})
            page.goto(path.as_uri())
            widths = page.evaluate(measure)
            page.screenshot(path=str(OUTPUT / f"record-page-{width}px.png"), full_page=True)
            assert len(widths) == 4 * 12
            assert min(widths) >= 6, f"a column {min(widths):.1f} characters wide at {width} px"
            overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert overflow <= 0
            labels = page.locator(".ck-table td .ck-cell-label")
            head = page.locator(".ck-table thead th").first
            if width == 375:
                assert labels.first.is_visible() and labels.first.inner_text() == "题目"
                assert page.locator("td time").first.inner_text() == "2月5日 14:37"
            else:
                assert not labels.first.is_visible() and head.is_visible()
            page.close()
        browser.close()


def test_a_multiple_choice_answer_is_not_shown_as_an_order() -> None:
    page = BeautifulSoup(record_page(COURSE, long_record()), "html.parser")
    answers = [td.get_text() for td in page.select("tbody tr td:nth-of-type(2)")]
    multiple = next(q for _, q in QUESTIONS[:12] if q.type == "multiple")
    order = next(q for _, q in QUESTIONS[:12] if q.type == "order")
    assert "作答" + "；".join(multiple.answer) in answers  # type: ignore[arg-type]
    assert "作答" + " → ".join(order.answer) in answers  # type: ignore[arg-type]
