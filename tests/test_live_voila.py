"""The live learner flow in Voilà, in a real browser, down to the rows in the store.

Voilà runs as Binder runs it: from the repository root, with coursekit's
template (``voila.json``; see :func:`test_live_course.voila`).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

from browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT
from test_live_course import MODULES, voila

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.browser
REFLECTION = "我在小区微信群里转发消息前，先核对官方来源，不信谣、不传谣。"


@pytest.fixture
def a1_page(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    home = tmp_path / "home"
    with voila(home, tmp_path / "voila.log") as base:
        yield base + "02-a1.ipynb", home / "learner.sqlite3"


def question_after_reload(page: Page) -> Locator:
    return page.locator(".widget-vbox", has_text="习近平总书记是在哪一天作出这一重要指示的").last


def test_a_learner_answers_writes_and_finds_it_all_after_a_reload(
    a1_page: tuple[str, Path],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, store = a1_page
    OUTPUT.mkdir(exist_ok=True)
    expect.set_options(timeout=90_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(90_000)
        page.goto(url)
        page.get_by_placeholder("请输入你的姓名").fill("测试学员")
        page.get_by_role("button", name="开始学习").click()
        expect(page.get_by_text("学员：测试学员。学习记录会自动保存。")).to_be_visible()

        question = page.locator(
            ".widget-vbox", has_text="习近平总书记是在哪一天作出这一重要指示的"
        ).last
        question.get_by_label("1月20日").check()
        question.get_by_role("button", name="提交").click()
        expect(question.get_by_text("回答不正确，请再试一次。")).to_be_visible()
        question.get_by_label("1月27日").check()
        question.get_by_role("button", name="提交").click()
        expect(question.get_by_text("回答正确。")).to_be_visible()

        area = page.locator("textarea").first
        area.fill(REFLECTION)
        expect(page.get_by_text(re.compile(r"^已于 \d\d:\d\d 保存。$")).first).to_be_visible()
        page.screenshot(path=str(OUTPUT / "live-voila.png"))

        page.reload()  # a new kernel: everything must come back from the store
        expect(page.get_by_text("继续学习：测试学员？")).to_be_visible()  # asked, not reused
        page.get_by_role("button", name="继续").click()
        expect(page.locator("textarea").first).to_have_value(REFLECTION)
        expect(question_after_reload(page).get_by_text("回答正确。")).to_be_visible()
        page.screenshot(path=str(OUTPUT / "live-voila-reloaded.png"))
        browser.close()

    with sqlite3.connect(store) as db:
        attempts = db.execute(
            "SELECT answer, correct FROM attempts WHERE learner = ? AND checkpoint_id = ? ORDER BY at",
            ("测试学员", "a1-when"),
        ).fetchall()
        texts = db.execute(
            "SELECT text FROM reflections WHERE learner = ?", ("测试学员",)
        ).fetchall()
    assert attempts == [('"1月20日"', 0), ('"1月27日"', 1)]
    assert texts == [(REFLECTION,)]


@pytest.fixture(scope="module")
def voila_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("voila-tree")
    with voila(tmp / "home", tmp / "voila.log") as base:
        yield base


@pytest.mark.parametrize("notebook", MODULES)
def test_every_module_renders_in_voila_with_widgets_and_no_code(
    voila_tree: str, notebook: str
) -> None:
    import json

    from playwright.sync_api import expect, sync_playwright

    module = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))["metadata"][
        "coursekit"
    ]["module"]
    from coursekit import load_course

    title = load_course().module(module).title
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{voila_tree}{notebook}", timeout=90_000)
        try:
            expect(page.get_by_role("button", name="开始学习")).to_be_visible(timeout=90_000)
        except AssertionError:
            OUTPUT.mkdir(exist_ok=True)
            page.screenshot(path=str(OUTPUT / f"voila-tree-{notebook}.png"), full_page=True)
            raise AssertionError(f"{notebook}: {page.inner_text('body')[:3000]}") from None
        expect(page.get_by_text(title, exact=True).first).to_be_visible()
        expect(page.get_by_role("button", name="提交").first).to_be_visible()
        assert page.locator("textarea").count() >= 2  # the reflections
        assert page.locator(".jp-CodeMirrorEditor, .cm-editor, .jp-InputPrompt").count() == 0
        html = page.content()
        assert "show_module(" not in html and "from coursekit" not in html  # no code at all
        assert "Parameters" not in page.inner_text("body")
        assert page.title().endswith(f" · {title}")  # the tab names the module
        browser.close()


def _kernels_used(log: Path, notebook: str) -> list[str]:
    """The pre-heated kernels Voilà handed to requests for ``notebook``, in order."""
    pattern = re.compile(rf"Using pre-heated kernel: (\S+) for notebooks/{re.escape(notebook)}")
    return pattern.findall(log.read_text(encoding="utf-8", errors="replace"))


def test_pages_from_preheated_kernels_ask_for_their_learner_and_save_each_ones_answer(
    tmp_path: Path,
) -> None:
    """voila.json pre-heats the module pages: each page load takes a kernel that ran the
    notebook before the request, yet reads the learner and the query string after it."""
    from playwright.sync_api import expect, sync_playwright

    home, log = tmp_path / "home", tmp_path / "voila.log"
    expect.set_options(timeout=90_000)
    with voila(home, log) as base, sync_playwright() as p:
        url = base + "02-a1.ipynb"
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        first = browser.new_context().new_page()
        first.goto(url, timeout=90_000)
        first.get_by_placeholder("请输入你的姓名").fill("甲学员")
        first.get_by_role("button", name="开始学习").click()
        expect(first.get_by_text("学员：甲学员。学习记录会自动保存。")).to_be_visible()
        question = first.locator(
            ".widget-vbox", has_text="习近平总书记是在哪一天作出这一重要指示的"
        )
        question.last.get_by_label("1月27日").check()
        question.last.get_by_role("button", name="提交").click()
        expect(question.last.get_by_text("回答正确。")).to_be_visible()

        # a second learner's page load: its kernel was pre-heated while 甲 was working, and
        # still only offers 甲 (read from the store at the request), never goes on as 甲
        second = browser.new_context().new_page()
        second.goto(url, timeout=90_000)
        expect(second.get_by_text("继续学习：甲学员？")).to_be_visible()
        expect(second.get_by_text("学员：甲学员。学习记录会自动保存。")).to_have_count(0)
        second.get_by_role("button", name="换一个人").click()
        second.get_by_placeholder("请输入你的姓名").fill("乙学员")
        second.get_by_role("button", name="开始学习").click()
        expect(second.get_by_text("学员：乙学员。学习记录会自动保存。")).to_be_visible()
        question = second.locator(
            ".widget-vbox", has_text="习近平总书记是在哪一天作出这一重要指示的"
        )
        expect(question.last.get_by_text("回答正确。")).to_have_count(0)  # 甲's answer is not 乙's
        question.last.get_by_label("1月20日").check()
        question.last.get_by_role("button", name="提交").click()
        expect(question.last.get_by_text("回答不正确，请再试一次。")).to_be_visible()

        # the query string reaches a pre-heated kernel: ?continue=1 goes on as the last learner
        third = browser.new_context().new_page()
        third.goto(url + "?continue=1", timeout=90_000)
        expect(third.get_by_text("学员：乙学员。学习记录会自动保存。")).to_be_visible()
        browser.close()

    used = _kernels_used(log, "02-a1.ipynb")
    assert len(used) == 3 and len(set(used)) == 3, used  # three loads, three kernels
    with sqlite3.connect(home / "learner.sqlite3") as db:
        attempts = db.execute(
            "SELECT learner, answer, correct FROM attempts WHERE checkpoint_id = ? ORDER BY at",
            ("a1-when",),
        ).fetchall()
    assert attempts == [("甲学员", '"1月27日"', 1), ("乙学员", '"1月20日"', 0)]
