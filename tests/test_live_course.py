"""The live course in Voilà, walked through as a learner on a phone (issue 14's first Done-when).

coursekit's Voilà (``coursekit voila``, a pre-heated kernel per page) is started
by the tests on 127.0.0.1 from the repository root, as Binder's server proxy
starts it; it uses coursekit's template from ``share/jupyter/voila/templates``
(put on ``JUPYTER_PATH`` here; the wheel installs it). The learner starts on the start page, goes through every module
by its "下一篇" links, answers a checkpoint wrong then right, writes a
reflection, reloads, goes back to the contents by the last module's link,
exports the record there, and imports it into a fresh store (a second Voilà,
as a new Binder session would be). Every step is photographed at 375 px and
1280 px into test-output/, and no request leaves 127.0.0.1.

What touches the widgets themselves (the name prompt, a checkpoint, a
reflection, the record panel) is in the small ``_`` helpers at the top, so
that a redesign of the widgets changes those helpers only.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, course_env, free_port, need_chromium, server

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.browser, pytest.mark.kernel]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
LEARNER = "测试学员"
REFLECTION = "我在小区微信群里转发消息前，先核对官方来源，不信谣、不传谣。"
QUESTION = "习近平总书记是在哪一天作出这一重要指示的"
WRONG, RIGHT = "1月20日", "1月27日"
START = "00-start.ipynb"
MODULES = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb") if p.name != START)


@contextmanager
def voila(home: Path, log: Path) -> Iterator[str]:
    """coursekit's Voilà over the repository (``coursekit voila``, each page pre-heated),
    with coursekit's template and a learner store in ``home``."""
    need_chromium()
    port = free_port()
    env = course_env(home)
    command = [sys.executable, "-m", "coursekit.cli", "voila", f"--port={port}"]
    with server(command, f"http://127.0.0.1:{port}/", ROOT, env, log) as url:
        yield f"{url}voila/render/notebooks/"


# --- the widgets, as they are now: adapt these when the widgets change -----------------------


def _wait_for_page(page: Page) -> None:
    """Voilà has run every cell and shown the page."""
    expect(page.locator("#rendered_cells")).to_be_visible(timeout=180_000)
    expect(page.locator("#loading")).to_have_count(0)


def _give_name(page: Page, name: str) -> None:
    page.get_by_placeholder("请输入你的姓名").fill(name)
    page.get_by_role("button", name="开始学习").click()
    expect(page.get_by_text(f"学员：{name}。学习记录会自动保存。")).to_be_visible()


def _shown_as(page: Page, name: str) -> None:
    """A module view reached by the course's links goes on as the learner the start page
    was given: it asks for no name, and its bar names the learner."""
    expect(page.get_by_text(f"学员：{name}。学习记录会自动保存。")).to_be_visible()
    expect(page.get_by_placeholder("请输入你的姓名").filter(visible=True)).to_have_count(0)
    expect(page.get_by_text(f"继续学习：{name}？").filter(visible=True)).to_have_count(0)


def _question(page: Page) -> Locator:
    return page.locator(".widget-vbox", has_text=QUESTION).last


def _answer(page: Page, option: str) -> None:
    question = _question(page)
    question.get_by_label(option).check()
    question.get_by_role("button", name="提交").click()


def _expect_verdict(page: Page, right: bool) -> None:
    text = "回答正确。" if right else "回答不正确，请再试一次。"
    expect(_question(page).get_by_text(text)).to_be_visible()


def _write_reflection(page: Page, text: str) -> None:
    page.locator("textarea").first.fill(text)
    expect(page.get_by_text(re.compile(r"^已于 \d\d:\d\d 保存。$")).first).to_be_visible()


def _reflection(page: Page) -> Locator:
    return page.locator("textarea").first


def _export_json(page: Page) -> dict[str, object]:
    """Click 导出学习记录 and take the JSON file its download link holds."""
    page.get_by_role("button", name="导出学习记录").click()
    link = page.get_by_role("link", name="下载学习记录（JSON，发给培训者）")
    expect(link).to_be_visible()
    href = link.get_attribute("href") or ""
    assert href.startswith("data:application/json;charset=utf-8;base64,")
    with page.expect_download() as download:
        link.click()
    saved = Path(download.value.path())
    data = saved.read_bytes()
    assert data == base64.b64decode(href.split(",", 1)[1])  # the file the learner gets
    return json.loads(data)


def _import(page: Page, path: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="导入我的学习记录").click()
    chooser.value.set_files(str(path))
    expect(page.get_by_text(re.compile(rf"^已导入 {LEARNER} 的学习记录"))).to_be_visible()


# --- the shell: links, titles, screenshots -------------------------------------------------------


def _shoot(page: Page, step: str) -> None:
    """``test-output/live-course-<step>-375.png`` and ``-1280.png``, the whole page."""
    OUTPUT.mkdir(exist_ok=True)
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.wait_for_timeout(300)
        page.screenshot(
            path=str(OUTPUT / f"live-course-{step}-{size['width']}.png"), full_page=True
        )
    page.set_viewport_size(PHONE)


def _shoot_now(page: Page, step: str) -> None:
    """One screenshot at the current size, for a moment that does not wait (the loading)."""
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"live-course-{step}-{PHONE['width']}.png"))


def _module_title(notebook: str) -> str:
    nb = json.loads((ROOT / "notebooks" / notebook).read_text("utf-8"))
    return str(nb["metadata"]["title"])


def _follow(page: Page, name: str, href: str) -> None:
    link = page.get_by_role("link", name=name)
    expect(link.first).to_have_attribute("href", href)
    link.first.click()
    # coursekit's template adds ?continue=1 to a link inside the course (the same learner)
    page.wait_for_url(f"**/voila/render/notebooks/{href}?continue=1", timeout=60_000)
    _wait_for_page(page)


def _nothing_clipped_sideways(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide at 375 px"


def test_a_learner_walks_the_live_course_and_takes_the_record_to_a_fresh_store(
    tmp_path: Path,
) -> None:
    from playwright.sync_api import sync_playwright

    from coursekit import load_course

    course = load_course()
    expect.set_options(timeout=90_000)
    outside: list[str] = []
    with voila(tmp_path / "home", tmp_path / "voila.log") as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=PHONE, accept_downloads=True)
        page.set_default_timeout(90_000)
        page.on(
            "request",
            lambda r: (
                outside.append(r.url)
                if not r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
                else None
            ),
        )

        # the start page: title, welcome, the name, every module listed with a link
        page.goto(base + START, wait_until="commit")
        loading = page.locator("#loading_text")
        expect(loading).to_contain_text("正在打开学习内容，请稍候……", timeout=60_000)
        _shoot_now(page, "00-loading")
        _wait_for_page(page)
        assert page.title() == f"从这里开始 · {course.meta.title}"
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        expect(page.get_by_role("heading", level=1)).to_have_accessible_name(course.meta.title)
        expect(page.get_by_text("运行所有单元格")).to_have_count(0)  # JupyterLab's only
        _shoot(page, "01-start")
        _give_name(page, LEARNER)
        items = page.locator(".ck-modules li")
        expect(items).to_have_count(len(course.modules))
        for notebook, module in zip(MODULES, course.modules, strict=True):
            link = page.get_by_role("link", name=f"{module.label} {module.title}")
            expect(link).to_have_attribute("href", notebook)
        _shoot(page, "02-start-named")

        # every module in turn, by its "下一篇" link
        first = course.modules[0]
        _follow(page, f"{first.label} {first.title}", MODULES[0])
        for i, notebook in enumerate(MODULES):
            module = course.modules[i]
            assert page.title() == _module_title(notebook)
            assert page.title().startswith(f"{module.label} · ")
            _shown_as(page, LEARNER)
            expect(page.get_by_text(f"第 {i + 1} 篇，共 {len(MODULES)} 篇")).to_be_visible()
            expect(page.get_by_role("link", name="← 课程目录")).to_have_attribute("href", START)
            _nothing_clipped_sideways(page)
            if module.id == "a1":
                _answer(page, WRONG)
                _expect_verdict(page, right=False)
                _shoot(page, "04-a1-wrong")
                _answer(page, RIGHT)
                _expect_verdict(page, right=True)
                _write_reflection(page, REFLECTION)
                _shoot(page, "05-a1-answered")
                page.reload()  # a new kernel: everything comes back from the store
                _wait_for_page(page)
                expect(_reflection(page)).to_have_value(REFLECTION)
                _expect_verdict(page, right=True)
                _shoot(page, "06-a1-reloaded")
            elif i == 0:
                _shoot(page, "03-first-module")
            if i + 1 < len(MODULES):
                after = course.modules[i + 1]
                _follow(page, f"{after.label} {after.title}", MODULES[i + 1])
        expect(page.get_by_text("这是最后一篇。")).to_be_visible()
        _shoot(page, "07-last-module")
        _follow(page, "返回课程目录", START)

        # back on the start page: the progress, and the export
        a1 = page.locator(".ck-modules li[data-module=a1]")
        expect(a1).to_contain_text("检查题答对 1 / ")
        expect(a1).to_contain_text("体会 1 / ")
        record = _export_json(page)
        _shoot(page, "08-start-exported")
        browser.close()
    assert outside == [], f"requests left this machine: {outside[:5]}"
    assert record["learner"] == LEARNER
    exported = tmp_path / "record.json"
    exported.write_text(json.dumps(record, ensure_ascii=False), "utf-8")

    # a new session (a new Binder): a fresh store, the record imported on the start page
    with voila(tmp_path / "fresh", tmp_path / "voila-fresh.log") as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=PHONE)
        page.set_default_timeout(90_000)
        page.goto(base + START)
        _wait_for_page(page)
        _import(page, exported)
        _give_name(page, LEARNER)
        expect(page.locator(".ck-modules li[data-module=a1]")).to_contain_text("检查题答对 1 / ")
        _shoot(page, "09-fresh-imported")
        _follow(page, f"{course.module('a1').label} {course.module('a1').title}", "02-a1.ipynb")
        expect(_reflection(page)).to_have_value(REFLECTION)
        _expect_verdict(page, right=True)
        _shoot(page, "10-fresh-a1")
        browser.close()
    _stored_attempts(tmp_path / "fresh" / "learner.sqlite3")


def _stored_attempts(store: Path) -> None:
    import sqlite3

    with sqlite3.connect(store) as db:
        attempts = db.execute(
            "SELECT answer, correct FROM attempts WHERE learner = ? AND checkpoint_id = ? "
            "ORDER BY at",
            (LEARNER, "a1-when"),
        ).fetchall()
        texts = db.execute("SELECT text FROM reflections WHERE learner = ?", (LEARNER,)).fetchall()
    assert attempts == [(f'"{WRONG}"', 0), (f'"{RIGHT}"', 1)]
    assert texts == [(REFLECTION,)]


def test_a_live_module_page_has_no_serious_axe_violation_and_loads_nothing_from_outside(
    tmp_path: Path,
) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    with voila(tmp_path / "home", tmp_path / "voila.log") as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=PHONE)
        page.on("request", lambda r: outside.append(r.url) if "127.0.0.1" not in r.url else None)
        html = ""

        def first_bytes(response: object) -> None:
            nonlocal html
            if getattr(response, "url", "").endswith("03-a2.ipynb"):
                html = response.text()  # type: ignore[attr-defined]

        page.on("response", first_bytes)
        page.goto(base + "03-a2.ipynb", timeout=180_000)
        _wait_for_page(page)
        _give_name(page, LEARNER)
        violations = Axe().run(page).response["violations"]
        failing = []
        for v in violations:
            targets = [" ".join(n["target"]) for n in v["nodes"]][:3]
            print(f"03-a2: {v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])}) {targets}")
            if v["impact"] in {"serious", "critical"}:
                failing.append(v["id"])
        browser.close()
    assert failing == []
    assert [u for u in outside if not u.startswith(("data:", "blob:"))] == []
    # what Voilà sent before any script ran: the language, the title, the loading text
    assert '<html lang="zh-CN">' in html
    assert "<title>附件二 · " in html
    assert '<h2 id="loading_text">正在打开学习内容，请稍候……</h2>' in html
    assert "Running" not in html and "fontawesome" not in html and "cdn" not in html.lower()
