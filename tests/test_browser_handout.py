"""The learner handout answered in Chromium, with no server behind it (issue 14, Build 4).

The bundled course is published with ``coursekit publish --out`` and served by
``python -m http.server`` on 127.0.0.1: localStorage belongs to an origin, and
a published site is served over http(s), where every module page of a course
shares one. (Under file:// Chromium also gives all files one origin, but
Firefox gives each file its own, so sharing across modules there would not be
what learners get.) 127.0.0.1 is a secure context, as https is, so the page
has ``crypto.subtle`` to seal the record.

A learner walks through a3 at 375 px (name, each question type, a wrong answer
and its feedback, a reflection, a reload), moves on to a4 by its link, and
downloads the record; ``coursekit report`` grades it again and ``coursekit
record import`` restores it into a fresh store. Screenshots of the steps at
375 px and 1280 px go to test-output/handout-js-*.png.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, free_port, need_chromium, server
from coursekit import load_course
from coursekit.cli import main
from coursekit.grading import grade, is_answered, wrong_choices
from coursekit.html.fragments import printed
from coursekit.messages import msg
from coursekit.model import (
    Checkpoint,
    FillBlank,
    Matching,
    MultipleChoice,
    Ordering,
    SingleChoice,
    TrueFalse,
)
from coursekit.records import parse_record, record_json
from coursekit.store import SQLiteStore
from coursekit.text import fold

pytestmark = [pytest.mark.browser, pytest.mark.kernel]

COURSE = load_course()
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
LEARNER = "王建国"
# In the learner store while the site is published: none of it may reach a page.
SECRET_LEARNER, SECRET_ANSWER = "私密学员甲", "私密答案乙"


@dataclass(frozen=True)
class Site:
    root: Path
    url: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("handout-js")
    home = root / "home"
    store = SQLiteStore(home / "learner.sqlite3")
    store.add_learner(SECRET_LEARNER)
    first = COURSE.checkpoints_for("a3")[0]
    store.add_attempt(SECRET_LEARNER, COURSE.id, "a3", first.id, SECRET_ANSWER, False)
    store.save_reflection(SECRET_LEARNER, COURSE.id, "a3", "a3-r-grid", SECRET_ANSWER)
    store.close()
    published = subprocess.run(
        [
            str(Path(sys.executable).with_name("coursekit")),
            *("publish", "--out", str(root / "site"), "--build-dir", str(root / "build")),
        ],
        env={**os.environ, "COURSEKIT_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert published.returncode == 0, published.stdout + published.stderr
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with server(command, f"http://127.0.0.1:{port}/", root / "site", {}, root / "http.log") as url:
        yield Site(root / "site", url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def new_phone(browser: Any, **options: Any) -> Any:
    return browser.new_context(viewport=PHONE, has_touch=True, accept_downloads=True, **options)


def open_handout(page: Any, site: Site, module: str) -> None:
    page.goto(f"{site.url}handout/{module}.html")
    page.wait_for_function("window.coursekitHandout", timeout=10_000)


def shot(page: Any, step: str, target: Any = None) -> None:
    """Screenshots of what the learner sees now, at 375 px and at 1280 px."""
    OUTPUT.mkdir(exist_ok=True)
    for name, size in (("375", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        if target is not None:
            target.scroll_into_view_if_needed()
        page.screenshot(path=str(OUTPUT / f"handout-js-{step}-{name}.png"))
    page.set_viewport_size(PHONE)


def section(page: Any, q: Checkpoint) -> Any:
    return page.locator(f"#ck-q-{q.id}")


def first_of(module: str, kind: type, where: Any = lambda q: True) -> Any:
    return next(q for q in COURSE.checkpoints_for(module) if isinstance(q, kind) and where(q))


# --- what the learner does ---------------------------------------------------------------


def choose(page: Any, q: Checkpoint, answer: Any) -> None:
    """Put ``answer`` into ``q``'s inputs as a learner would: ticks, typing, moves, selects."""
    sec = section(page, q)
    a = printed(COURSE, q)
    if isinstance(q, SingleChoice):
        sec.locator("ol.ck-options > li").nth(a.options.index(answer)).locator("input").check()
    elif isinstance(q, MultipleChoice):
        for i, option in enumerate(a.options):
            sec.locator("ol.ck-options > li").nth(i).locator("input").set_checked(option in answer)
    elif isinstance(q, TrueFalse):
        sec.locator(".ck-truefalse > li").nth(0 if answer else 1).locator("input").check()
    elif isinstance(q, FillBlank):
        sec.locator(".ck-ui input").fill(answer)
    elif isinstance(q, Ordering):
        move_into_order(page, q, answer)
    elif isinstance(q, Matching):
        items = sec.locator(".ck-match-items > li")
        for j, item in enumerate(a.items):
            items.nth(j).locator("select").select_option(index=a.options.index(answer[item]) + 1)


def move_into_order(page: Any, q: Checkpoint, answer: list[str]) -> None:
    """Up buttons only, tapped (touch) for odd places and pressed by key for even ones."""
    a = printed(COURSE, q)
    sec = section(page, q)
    for place, item in enumerate(answer):
        letter = a.item_letter(item) + "."
        while True:
            rows = sec.locator("ol.ck-order > li")
            now = [rows.nth(i).locator(".ck-letter").inner_text() for i in range(rows.count())]
            at = now.index(letter)
            if at == place:
                break
            up = rows.nth(at).get_by_role("button", name=re.compile("^上移"))
            if place % 2:
                up.tap()
            else:
                up.focus()
                page.keyboard.press("Enter")
                assert page.evaluate("document.activeElement.textContent") == "上移"


def submit(page: Any, q: Checkpoint) -> str:
    sec = section(page, q)
    sec.get_by_role("button", name="提交").click()
    return str(sec.locator(".ck-said").inner_text())


def self_check_open(page: Any, q: Checkpoint) -> bool:
    return section(page, q).locator("details.ck-selfcheck").evaluate("d => d.open") is True


def said_class(page: Any, q: Checkpoint) -> str:
    return str(section(page, q).locator(".ck-said").get_attribute("class"))


# --- the walk ----------------------------------------------------------------------------


A3_SINGLE = first_of("a3", SingleChoice, lambda q: bool(q.feedback))
A3_TF = first_of("a3", TrueFalse)
A3_TF_LATE = [q for q in COURSE.checkpoints_for("a3") if isinstance(q, TrueFalse)][1]
A3_FILL = first_of("a3", FillBlank)
A3_ORDER = first_of("a3", Ordering)
A3_MULTIPLE = first_of("a3", MultipleChoice)
A3_MATCH = first_of("a3", Matching)
A4_FIRST = COURSE.checkpoints_for("a4")[0]
REFLECTION = COURSE.module("a3").reflections[0]
REFLECTION_TEXT = "我会配合网格员做好楼栋通知，\n逐户确认老人是否收到防控安排。"


def test_a_learner_answers_reloads_moves_on_and_downloads_a_record_the_trainer_can_use(
    site: Site, browser: Any, tmp_path: Path
) -> None:
    context = new_phone(browser)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    open_handout(page, site, "a3")
    shot(page, "01-opened")

    # no name yet: the answer is not taken, and the name field is where the eye goes
    choose(page, A3_SINGLE, A3_SINGLE.answer)
    assert msg("zh", "learner.needed") in submit(page, A3_SINGLE)
    assert page.evaluate("document.activeElement.id") == "ck-name"
    page.locator("#ck-name").fill(LEARNER)
    shot(page, "02-name", page.locator(".ck-learner"))
    page.locator(".ck-learner").get_by_role("button", name="开始学习").click()
    assert page.locator(".ck-who").inner_text() == f"学员：{LEARNER}"

    # wrong, with the author's word on that very option; then right, and the self-check opens
    wrong_option = A3_SINGLE.feedback[0]
    choose(page, A3_SINGLE, wrong_option.option)
    said = submit(page, A3_SINGLE)
    assert said.startswith("✘ 回答不正确，请再试一次。")
    assert "你的答案——" in said and wrong_option.explanation in said
    assert "已作答 1 次。" in said
    assert "ck-wrong" in said_class(page, A3_SINGLE)
    colour = section(page, A3_SINGLE).locator(".ck-said").evaluate("e => getComputedStyle(e).color")
    assert colour == "rgb(155, 28, 28)"
    assert not self_check_open(page, A3_SINGLE)
    shot(page, "03-wrong-with-feedback", section(page, A3_SINGLE))
    choose(page, A3_SINGLE, A3_SINGLE.answer)
    said = submit(page, A3_SINGLE)
    assert said.startswith("✔ 回答正确。") and "已作答 2 次。" in said
    assert "ck-right" in said_class(page, A3_SINGLE)
    assert self_check_open(page, A3_SINGLE)
    shot(page, "04-right-self-check-open", section(page, A3_SINGLE))

    # two wrong answers open the self-check too (reveal_after = 2)
    choose(page, A3_TF_LATE, not A3_TF_LATE.answer)
    submit(page, A3_TF_LATE)
    assert not self_check_open(page, A3_TF_LATE)
    submit(page, A3_TF_LATE)
    assert self_check_open(page, A3_TF_LATE)
    assert "ck-wrong" in said_class(page, A3_TF_LATE)

    # every other type, right; a fill-in typed with quotes, full-width letters and a full stop
    choose(page, A3_TF, A3_TF.answer)
    assert submit(page, A3_TF).startswith("✔ 回答正确。")
    typed = f"“{A3_FILL.answer[0]}”。"
    choose(page, A3_FILL, typed)
    assert submit(page, A3_FILL).startswith("✔ 回答正确。")
    choose(page, A3_MULTIPLE, A3_MULTIPLE.answer)
    assert submit(page, A3_MULTIPLE).startswith("✔ 回答正确。")
    choose(page, A3_ORDER, A3_ORDER.answer)
    shot(page, "05-order-moved", section(page, A3_ORDER))
    assert submit(page, A3_ORDER).startswith("✔ 回答正确。")
    pairs = {p.item: p.answer for p in A3_MATCH.answer}
    choose(page, A3_MATCH, pairs)
    assert submit(page, A3_MATCH).startswith("✔ 回答正确。")
    shot(page, "06-match", section(page, A3_MATCH))

    # a reflection, saved as typed
    box = page.locator(f"#ck-r-{REFLECTION.id} textarea")
    box.fill(REFLECTION_TEXT)
    assert re.search(r"已于 .+ 保存。", page.locator(f"#ck-r-{REFLECTION.id} .ck-ui").inner_text())
    shot(page, "07-reflection", box)

    # everything comes back after a reload
    page.reload()
    page.wait_for_function("window.coursekitHandout")
    assert page.locator(".ck-who").inner_text() == f"学员：{LEARNER}"
    assert page.locator(f"#ck-r-{REFLECTION.id} textarea").input_value() == REFLECTION_TEXT
    for q in (A3_SINGLE, A3_TF, A3_FILL, A3_MULTIPLE, A3_ORDER, A3_MATCH):
        assert section(page, q).locator(".ck-said").inner_text().startswith("✔ 回答正确。"), q.id
        assert self_check_open(page, q), q.id
    assert section(page, A3_FILL).locator(".ck-ui input").input_value() == typed
    order = section(page, A3_ORDER).locator("ol.ck-order > li .ck-letter").all_inner_texts()
    a = printed(COURSE, A3_ORDER)
    assert order == [a.item_letter(item) + "." for item in A3_ORDER.answer]
    a = printed(COURSE, A3_SINGLE)
    options = section(page, A3_SINGLE).locator("ol.ck-options > li input")
    assert options.nth(a.options.index(A3_SINGLE.answer)).is_checked()
    shot(page, "08-after-reload", section(page, A3_ORDER))

    # the next module, by its link: the same learner, the same store
    page.locator(".ck-nav-bottom").get_by_role("link", name=re.compile("下一篇")).click()
    page.wait_for_url("**/handout/a4.html")
    page.wait_for_function("window.coursekitHandout")
    assert page.locator(".ck-who").inner_text() == f"学员：{LEARNER}"
    choose(page, A4_FIRST, A4_FIRST.answer)
    assert submit(page, A4_FIRST).startswith("✔ 回答正确。")
    shot(page, "09-next-module", section(page, A4_FIRST))

    # a learner's file says the twice-wrong answers were right: the trainer's tools re-grade
    page.evaluate(
        """([key, id]) => {
            const s = JSON.parse(localStorage.getItem(key));
            for (const a of s.people[s.who].a3.a) if (a[0] === id) a[2] = true;
            localStorage.setItem(key, JSON.stringify(s));
        }""",
        [f"coursekit:{COURSE.id}:{COURSE.version}", A3_TF_LATE.id],
    )
    with page.expect_download() as download:
        page.locator(".ck-learner").get_by_role("button", name="下载学习记录").click()
    assert download.value.suggested_filename == f"学习记录-{LEARNER}.json"
    path = tmp_path / "record.json"
    download.value.save_as(path)
    assert re.search(
        r"已于 .+ 下载 学习记录-王建国\.json", page.locator(".ck-learner").inner_text()
    )
    shot(page, "10-downloaded", page.locator(".ck-learner"))
    canonical = page.evaluate(
        "coursekitHandout.sealed().then(({checksum, ...body}) => JSON.stringify(body))"
    )
    assert errors == []
    context.close()

    check_the_file(path, canonical)
    check_the_report(path, tmp_path / "report")
    check_the_import(path, tmp_path)


def check_the_file(path: Path, canonical: str) -> None:
    """The same schema, fields and bytes as `coursekit record export` writes, sealed right."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == record_json(data)  # indented as the command writes it
    record = parse_record(path.read_bytes(), path, COURSE)
    assert record.schema_version == 1  # a handout knows the typed name only: no name, no branch
    sealed = record.model_dump_json(by_alias=True, exclude={"checksum", "name", "branch"})
    assert canonical == sealed  # the browser's serialisation is pydantic's, byte for byte
    assert data["checksum"] == "sha256:" + hashlib.sha256(sealed.encode()).hexdigest()
    assert list(data) == [
        "schema",
        "schema_version",
        "course",
        "learner",
        "last_activity",
        "modules",
        "checksum",
    ]
    assert [m["module"] for m in data["modules"]] == [m.id for m in COURSE.modules]
    by_module = {m["module"]: m for m in data["modules"]}
    assert {m for m, v in by_module.items() if v["read_at"]} == {"a3", "a4"}
    assert len(by_module["a3"]["attempts"]) == 2 + 2 + 5  # single ×2, true/false ×2, 5 more
    assert [a["checkpoint"] for a in by_module["a4"]["attempts"]] == [A4_FIRST.id]
    assert by_module["a3"]["reflections"] == [
        {
            "reflection": REFLECTION.id,
            "text": REFLECTION_TEXT,
            "updated_at": by_module["a3"]["reflections"][0]["updated_at"],
        }
    ]
    fill = next(a for a in by_module["a3"]["attempts"] if a["checkpoint"] == A3_FILL.id)
    assert fill["answer"] == f"“{A3_FILL.answer[0]}”。" and fill["correct"] is True
    late = [a["correct"] for a in by_module["a3"]["attempts"] if a["checkpoint"] == A3_TF_LATE.id]
    assert late == [True, True]  # as the file claims
    assert data["last_activity"] == max(a["at"] for m in data["modules"] for a in m["attempts"])


def check_the_report(path: Path, out: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 records used, 0 skipped" in result.output
    with (out / "completion.csv").open(encoding="utf-8-sig") as f:
        rows = {r["module"]: r for r in csv.DictReader(f)}
    # a3: seven questions answered, six right: the twice-wrong true/false is wrong whatever
    # the file says
    assert (rows["a3"]["read"], rows["a3"]["answered"], rows["a3"]["correct"]) == ("True", "7", "6")
    assert rows["a3"]["reflections"] == "1"
    assert (rows["a4"]["read"], rows["a4"]["answered"], rows["a4"]["correct"]) == ("True", "1", "1")
    assert (rows["a5"]["read"], rows["a5"]["answered"]) == ("False", "0")
    with (out / "checkpoints.csv").open(encoding="utf-8-sig") as f:
        checkpoints = {r["checkpoint"]: r for r in csv.DictReader(f)}
    assert float(checkpoints[A3_SINGLE.id]["first_correct"]) == 0.0  # wrong at the first try
    assert float(checkpoints[A3_TF.id]["first_correct"]) == 1.0
    assert float(checkpoints[A3_TF_LATE.id]["first_correct"]) == 0.0


def check_the_import(path: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    runner = CliRunner(env={"COURSEKIT_HOME": str(fresh)})
    result = runner.invoke(main, ["record", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"restored {LEARNER}: 2 reads, 10 attempts, 1 reflections added" in result.output
    store = SQLiteStore(fresh / "learner.sqlite3")
    try:
        rows = store.attempts(LEARNER, COURSE.id, "a3")
        assert len(rows) == 9
        assert [r.correct for r in rows if r.checkpoint_id == A3_TF_LATE.id] == [False, False]
        assert sum(r.correct for r in rows) == 6  # the single's second try, and one per type
        assert [r.text for r in store.reflections(LEARNER, COURSE.id)] == [REFLECTION_TEXT]
        assert {r.module for r in store.reads(LEARNER, COURSE.id)} == {"a3", "a4"}
    finally:
        store.close()
    # exported again from the store, the record is the download, graded from the key
    result = runner.invoke(main, ["record", "export", "--out", str(tmp_path / "again.json")])
    assert result.exit_code == 0, result.output
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    mine = json.loads(path.read_text(encoding="utf-8"))
    for m in mine["modules"]:
        for a in m["attempts"]:
            if a["checkpoint"] == A3_TF_LATE.id:
                a["correct"] = False
    # the store writes version 2: the typed name is the learner's id and display name
    assert (again["schema_version"], again["name"], again["branch"]) == (2, LEARNER, None)
    mine.update(schema_version=2, name=LEARNER, branch=None)
    assert {**again, "checksum": ""} == {**mine, "checksum": ""}


# --- another learner, hostile text --------------------------------------------------------

HOSTILE_NAME = '<img src=x onerror="window.pwned=1">"\'&</script>王'
HOSTILE_TEXT = (
    '</textarea><script>window.pwned=2</script>\n第二行\t"引号"\\反斜杠\u2028 😀 <b>粗</b>'
)


def test_hostile_text_is_kept_as_text_and_a_new_name_starts_afresh(
    site: Site, browser: Any, tmp_path: Path
) -> None:
    context = new_phone(browser)
    page = context.new_page()
    open_handout(page, site, "a3")
    page.locator("#ck-name").fill(HOSTILE_NAME)
    page.locator("#ck-name").press("Enter")
    box = page.locator(f"#ck-r-{REFLECTION.id} textarea")
    box.fill(HOSTILE_TEXT)
    choose(page, A3_TF, A3_TF.answer)
    submit(page, A3_TF)
    page.reload()
    page.wait_for_function("window.coursekitHandout")
    assert page.locator(".ck-who").inner_text() == f"学员：{HOSTILE_NAME}"
    assert box.input_value() == HOSTILE_TEXT
    assert page.evaluate("window.pwned") is None
    assert page.locator(".ck-learner img, .ck-ui b").count() == 0
    shot(page, "11-hostile-name", page.locator(".ck-learner"))
    with page.expect_download() as download:
        page.locator(".ck-learner").get_by_role("button", name="下载学习记录").click()
    path = tmp_path / "hostile.json"
    download.value.save_as(path)
    assert "/" not in download.value.suggested_filename
    record = parse_record(path.read_bytes(), path, COURSE)
    assert record.learner == HOSTILE_NAME
    assert [r.text for m in record.modules for r in m.reflections] == [HOSTILE_TEXT]

    # someone else at the same browser: their own, empty progress; then back again
    page.locator(".ck-learner").get_by_role("button", name="换一个人").click()
    page.locator("#ck-name").fill("李四")
    with page.expect_navigation():
        page.locator("#ck-name").press("Enter")
    page.wait_for_function("window.coursekitHandout")
    assert page.locator(".ck-who").inner_text() == "学员：李四"
    assert box.input_value() == ""
    assert section(page, A3_TF).locator(".ck-said").inner_text() == ""
    page.locator(".ck-learner").get_by_role("button", name="换一个人").click()
    page.locator("#ck-name").fill(HOSTILE_NAME)
    with page.expect_navigation():
        page.locator("#ck-name").press("Enter")
    page.wait_for_function("window.coursekitHandout")
    assert box.input_value() == HOSTILE_TEXT
    assert page.evaluate("window.pwned") is None
    context.close()


# --- without JavaScript ------------------------------------------------------------------


def test_without_javascript_the_page_is_the_static_handout(site: Site, browser: Any) -> None:
    html = (site.root / "handout" / "a3.html").read_text(encoding="utf-8")
    static = re.sub(
        r'<script id="ck-data".*?</script>\s*<script>.*?</script>', "", html, flags=re.S
    )
    assert static != html and "<script" not in static
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.route(
        "**/static-a3.html",
        lambda route: route.fulfill(body=static, content_type="text/html; charset=utf-8"),
    )
    page.goto(f"{site.url}handout/static-a3.html")
    without_script = page.screenshot(full_page=True)
    page.goto(f"{site.url}handout/a3.html")
    assert page.locator("input, select, textarea, button, .ck-ui").count() == 0
    assert page.screenshot(full_page=True) == without_script
    check = page.locator("details.ck-selfcheck").first
    check.locator("summary").click()
    assert check.locator(".ck-explanation").is_visible()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "handout-js-00-javascript-off-375.png"))
    context.close()


# --- the script's grading is Python's ------------------------------------------------------


def fill_variants(text: str) -> list[str]:
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    return [
        text,
        f" {text} ",
        "\u3000".join(text),
        f"“{text}”",
        f"《{text}》。",
        f"「{text}」！",
        f"'{text}',",
        wide,
        text.upper(),
        text + "。。",
        "。" + text,
        text + "的",
        text[:-1],
    ]


def candidates(q: Checkpoint) -> list[Any]:
    """Answers to grade: right ones, wrong ones, half-made ones and ones of the wrong shape."""
    shapes: list[Any] = [None, "", "   ", [], {}, True, False, ["x"], {"x": "y"}, "随便写的"]
    a = printed(COURSE, q)
    if isinstance(q, SingleChoice):
        return [*shapes, *a.options, [q.answer], q.answer + " "]
    if isinstance(q, MultipleChoice):
        subsets = [
            [o for o in q.options if o in chosen]
            for n in range(len(a.options) + 1)
            for chosen in itertools.combinations(a.options, n)
        ]
        return [*shapes, *subsets, list(reversed(q.answer)), [*q.answer, q.answer[0]], q.answer[0]]
    if isinstance(q, TrueFalse):
        return [*shapes, "true", [q.answer], 1, 0]
    if isinstance(q, FillBlank):
        texts = [*q.answer, *(f.option for f in q.feedback)]
        return [*shapes, *(v for text in texts for v in fill_variants(text)), q.answer]
    if isinstance(q, Ordering):
        items = list(a.items)
        orders = [list(p) for p in itertools.islice(itertools.permutations(items), 150)]
        return [*shapes, *orders, q.answer, q.answer[:-1], [*q.answer, q.answer[0]]]
    assert isinstance(q, Matching)
    key = {p.item: p.answer for p in q.answer}
    changed = [{**key, item: option} for item in key for option in a.options if option != key[item]]
    return [
        *shapes,
        key,
        dict(reversed(list(key.items()))),
        *changed,
        {item: None for item in key},
        {**key, next(iter(key)): None},
        {k: v for k, v in list(key.items())[1:]},
        {**key, "多余的一项": a.options[0]},
        list(key.values()),
    ]


def test_the_scripts_grading_agrees_with_python_on_every_checkpoint(
    site: Site, browser: Any
) -> None:
    page = browser.new_page()
    compared = 0
    for module in COURSE.modules:
        open_handout(page, site, module.id)
        questions = COURSE.checkpoints_for(module.id)
        answers = {q.id: candidates(q) for q in questions}
        found = page.evaluate(
            """(answers) => Object.fromEntries(Object.entries(answers).map(([id, list]) => {
                const h = coursekitHandout, q = h.questions.find(q => q.id === id);
                return [id, list.map(a => [h.answered(q, a), h.grade(q, a), h.wrong(q, a).map(i => q.f[i])])];
            }))""",
            answers,
        )
        assert set(found) == {q.id for q in questions}, module.id
        for q in questions:
            for answer, (answered, right, wrong) in zip(answers[q.id], found[q.id], strict=True):
                expected = (
                    is_answered(q, answer),
                    grade(q, answer),
                    sorted(f.option for f in wrong_choices(q, answer)),
                )
                assert (answered, right, sorted(wrong)) == expected, (q.id, answer)
                compared += 1
    page.close()
    assert compared > 2_500


TRICKY = [
    "菜篮子",
    "“菜篮子”",
    "《菜篮子》。",
    " 菜 篮 子 ！",
    "\u3000菜篮子\u3000",
    "菜篮子,.;!",
    "。菜篮子",
    "ＡＢＣ",
    "abc",
    "ABC",
    "Straße",
    "STRASSE",
    "STRAẞE",
    "ı",
    "I",
    "Iı",
    "ΟΔΟΣ",
    "οδος",
    "οδοσ",
    "ﬁnal",
    "final",
    "İstanbul",
    "i̇stanbul",
    "①",
    "1",
    "㍻",
    "ｶﾞ",
    "ガ",
    "a\u0301",
    "á",
    "\u00a0x\u2009y\u202f",
    "xy",
    "\x1cx\x1f",
    "x\ufeff",
    "Ǆ",
    "ǆ",
    "ǅ",
    "Ꭰ",
    "ꭰ",
]


def test_the_scripts_fold_agrees_with_python(site: Site, browser: Any) -> None:
    """Equal under the script's fold exactly when equal under Python's, for every character
    of the Basic Multilingual Plane that Python's Unicode knows, and for tricky strings."""
    page = browser.new_page()
    open_handout(page, site, "a3")
    chars = [
        chr(c)
        for c in range(0x10000)
        if not 0xD800 <= c <= 0xDFFF and unicodedata.category(chr(c)) != "Cn"
    ]
    texts = chars + TRICKY
    folded = page.evaluate("texts => texts.map(coursekitHandout.fold)", texts)
    page.close()
    js_of: dict[str, set[str]] = {}
    py_of: dict[str, set[str]] = {}
    for text, js in zip(texts, folded, strict=True):
        js_of.setdefault(fold(text), set()).add(js)
        py_of.setdefault(js, set()).add(fold(text))
    split = {k: v for k, v in js_of.items() if len(v) > 1}
    merged = {k: v for k, v in py_of.items() if len(v) > 1}
    assert split == {} and merged == {}


# --- what a page may carry ------------------------------------------------------------------


def test_the_largest_learner_handout_stays_within_60_kb_and_no_page_holds_learner_data(
    site: Site,
) -> None:
    sizes = {p.name: p.stat().st_size for p in (site.root / "handout").glob("*.html")}
    largest = max(sizes, key=sizes.__getitem__)
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "handout-sizes.txt").write_text(
        "".join(f"{name}\t{size}\n" for name, size in sorted(sizes.items())), encoding="utf-8"
    )
    assert sizes[largest] <= 60 * 1024, (largest, sizes[largest])
    for page in site.root.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert SECRET_LEARNER not in text and SECRET_ANSWER not in text, page
    for variant in ("worksheet", "trainer"):
        assert "ck-data" not in (site.root / variant / "a3.html").read_text(encoding="utf-8")
    assert "ck-data" in (site.root / "handout" / "a3.html").read_text(encoding="utf-8")
