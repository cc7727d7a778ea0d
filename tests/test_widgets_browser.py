"""The widgets as a learner sees them in Voilà, at 375 px and 1280 px, in Chromium.

A notebook of the small factory course shows the session, the reader, the
checkpoints, the reflections, the progress and the record panel, styled only
by the stylesheet the session brings. Nothing may be clipped on a phone, the
text runs about 40 characters a line on a desktop, and the colours keep a
contrast of 4.5:1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, free_port, need_chromium, server
from coursefactory import write_course

pytestmark = pytest.mark.browser

CELL = """\
from coursekit import load_course
from coursekit.widgets import (
    CheckpointSet, LearnerSession, ModuleProgress, Reader, RecordPanel, Reflection,
)
course = load_course({root!r})
session = LearnerSession(course=course)
display(session)
display(Reader("a1", course=course, learner=session, page_paragraphs=2))
display(CheckpointSet("a1", course=course, learner=session))
for prompt in course.module("a1").reflections:
    display(Reflection(prompt, "a1", course=course, learner=session))
display(ModuleProgress("a1", course=course, learner=session))
display(RecordPanel(course=course, learner=session))
"""

# Every visible piece of text or control in a coursekit widget whose content is cut off
# (wider than its box) or that reaches past the right edge of the screen.
CLIPPED = """() => [...document.querySelectorAll(
    '.ck-live .widget-button, .ck-live .widget-upload, .ck-live .widget-label,'
    + ' .ck-live .widget-html-content, .ck-live .widget-radio-box label,'
    + ' .ck-live .widget-checkbox label, .ck-live a.ck-download')]
  .filter(e => e.offsetParent !== null)
  .filter(e => e.scrollWidth > e.clientWidth + 1
               || e.getBoundingClientRect().right > innerWidth + 0.5)
  .map(e => e.className + ': ' + e.textContent.trim().slice(0, 30))"""

# The contrast of an element's text against the first background behind it that is not
# transparent (WCAG's relative luminance).
CONTRAST = """(e) => {
  const rgb = c => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
    .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  let n = e, bg = null;
  while (n && !bg) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c.length < 4 || c[3] > 0) bg = c; else n = n.parentElement;
  }
  const [a, b] = [lum(rgb(getComputedStyle(e).color)), lum(bg || [255, 255, 255])];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.fixture(scope="module")
def voila(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need_chromium()
    import nbformat

    tmp = tmp_path_factory.mktemp("widgets")
    root = write_course(tmp)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(CELL.format(root=str(root)))]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    (tmp / "widgets.ipynb").write_text(nbformat.writes(nb), "utf-8")
    port = free_port()
    voila_bin = Path(sys.executable).parent / "voila"
    env = {**os.environ, "COURSEKIT_HOME": str(tmp / "home")}
    command = [
        str(voila_bin),
        "widgets.ipynb",
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
    ]
    with server(command, f"http://127.0.0.1:{port}/", tmp, env, tmp / "voila.log") as url:
        yield url


def open_page(browser: Any, url: str, width: int) -> Any:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": width, "height": 800})
    page.set_default_timeout(90_000)
    page.goto(url)
    expect(page.locator(".ck-session")).to_be_visible()
    return page


def answer_wrong(page: Any) -> Any:
    from playwright.sync_api import expect

    other = page.get_by_role("button", name="换一个人")
    if other.is_visible():  # the store remembers the last test's learner: asked, not reused
        other.click()
    page.get_by_placeholder("请输入你的姓名").fill("测试学员")
    page.get_by_role("button", name="开始学习").click()
    expect(page.get_by_text("学员：测试学员。学习记录会自动保存。")).to_be_visible()
    question = page.locator(".ck-live-checkpoint").nth(2)  # true or false; cites ¶4
    question.locator("label", has_text="正确").click()
    question.get_by_role("button", name="提交").click()
    expect(question.get_by_text("回答不正确，请再试一次。")).to_be_visible()
    return question


def test_nothing_is_clipped_on_a_phone_and_the_export_appears_under_the_banner(
    voila: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    OUTPUT.mkdir(exist_ok=True)
    expect.set_options(timeout=90_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = open_page(browser, voila, 375)
        question = answer_wrong(page)
        expect(question.get_by_text("作答 2 次后可查看答案（已作答 1 次）")).to_be_visible()
        question.get_by_role("button", name="查看附件一 ¶4").click()
        expect(
            question.get_by_text("附件一 ¶4（上方正文已翻到第 3 页，该段已标出）")
        ).to_be_visible()
        expect(page.locator(".ck-cited-note")).to_have_text("¶4 是检查题所引的段落，已标出。")
        expect(page.get_by_text("第 3 / 3 页")).to_be_visible()
        assert page.evaluate(CLIPPED) == []
        for text in ("A−", "A+", "导入我的学习记录"):
            button = page.locator(".ck-live button", has_text=text).first
            assert button.evaluate("e => e.scrollWidth <= e.clientWidth")
        question.screenshot(path=str(OUTPUT / "widgets-375px-wrong-answer-and-cited-paragraph.png"))

        banner = page.locator(".ck-banner")
        expect(banner).to_contain_text("有未导出的学习记录")
        page.screenshot(path=str(OUTPUT / "widgets-375px-top-name-and-banner.png"))
        banner.get_by_role("button", name="立即导出").click()
        download = page.locator(".ck-session a.ck-download").first
        expect(download).to_be_visible()
        expect(banner).to_be_hidden()
        assert download.evaluate("e => e.getBoundingClientRect().bottom") < 800  # no scrolling
        size = download.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 16
        assert page.evaluate(CLIPPED) == []
        page.screenshot(path=str(OUTPUT / "widgets-375px-export-buttons-under-the-banner.png"))
        browser.close()


def test_a_desktop_reads_forty_characters_a_line_at_article_size_with_enough_contrast(
    voila: str,
) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = open_page(browser, voila, 1280)
        question = answer_wrong(page)
        paragraph = page.locator(".ck-reader-body .ck-para").first
        width, size = paragraph.evaluate(
            "e => [e.getBoundingClientRect().width, parseFloat(getComputedStyle(e).fontSize)]"
        )
        assert 34 <= width / size <= 41, f"{width / size:.1f} characters a line"
        prompt = question.locator(".ck-prompt")
        assert prompt.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 16
        family = prompt.evaluate("e => getComputedStyle(e).fontFamily")
        assert family.startswith('"Noto Sans CJK SC"')
        checked = {
            ".ck-wrong .ck-verdict": question.locator(".ck-verdict"),
            ".ck-lock": question.locator(".ck-lock"),
            ".ck-cite": question.locator(".ck-cite"),
            ".ck-banner label": page.locator(".ck-banner .widget-label"),
            ".ck-qtitle": question.locator(".ck-qtitle"),
            ".ck-pn": page.locator(".ck-reader-body .ck-pn").first,
        }
        for name, element in checked.items():
            ratio = element.first.evaluate(CONTRAST)
            assert ratio >= 4.5, f"{name}: contrast {ratio:.2f}"
        page.screenshot(path=str(OUTPUT / "widgets-1280px-wrong-answer.png"), full_page=True)
        question.get_by_role("button", name="查看附件一 ¶4").click()
        page.get_by_role("button", name="立即导出").click()
        page.locator(".ck-session a.ck-download").first.wait_for()
        assert axe_findings(page) == []
        browser.close()


def axe_findings(page: Any) -> list[str]:
    """axe-core's serious and critical findings inside coursekit's widgets (Voilà's own page
    around them is the page template's business)."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, context={"include": [[".ck-live"]]}).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {n['target']}"
        for v in found
        if v["impact"] in ("serious", "critical")
        for n in v["nodes"]
    ]
