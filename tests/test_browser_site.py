"""Every page of the published site in Chromium, at phone and desktop width, on screen and in print."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, free_port, need_chromium, server
from test_publish import bundled_site

pytestmark = [pytest.mark.browser, pytest.mark.kernel]
VIEWPORTS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    need_chromium()
    site = bundled_site().site
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    log = tmp_path_factory.mktemp("http") / "server.log"
    with server(command, f"http://127.0.0.1:{port}/", site, {}, log) as url:
        yield url, site


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_every_page_fits_the_width_says_zh_cn_and_loads_only_its_own_files(
    site_url: tuple[str, Path], browser: object, viewport: str
) -> None:
    url, site = site_url
    page = browser.new_page(viewport=VIEWPORTS[viewport])  # type: ignore[attr-defined]
    foreign: list[str] = []

    def guard(route: object) -> None:
        request_url = route.request.url  # type: ignore[attr-defined]
        if request_url.startswith(url):
            route.continue_()  # type: ignore[attr-defined]
        else:
            foreign.append(request_url)
            route.abort()  # type: ignore[attr-defined]

    page.route("**/*", guard)
    problems = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        page.goto(url + rel)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > VIEWPORTS[viewport]["width"]:
            problems.append(f"{rel}: {width}px wide at {VIEWPORTS[viewport]['width']}px")
        if page.evaluate("document.documentElement.lang") != "zh-CN":
            problems.append(f"{rel}: lang is not zh-CN")
    OUTPUT.mkdir(exist_ok=True)
    page.goto(url + "handout/a3.html")
    page.screenshot(path=str(OUTPUT / f"handout-a3-{viewport}.png"), full_page=True)
    page.close()
    assert problems == []
    assert foreign == []


def test_opening_a_self_check_shows_the_explanation(
    site_url: tuple[str, Path], browser: object
) -> None:
    url, _ = site_url
    page = browser.new_page(viewport=VIEWPORTS["phone"])  # type: ignore[attr-defined]
    page.goto(url + "handout/a1.html")
    check = page.locator("details.ck-selfcheck").first
    explanation = check.locator(".ck-explanation")
    assert not explanation.is_visible()
    check.locator("summary").click()
    assert explanation.is_visible()
    assert explanation.inner_text().strip() != ""
    page.close()


def test_printing_puts_each_worksheets_answer_key_on_its_own_page(
    site_url: tuple[str, Path], browser: object
) -> None:
    url, site = site_url
    page = browser.new_page()  # type: ignore[attr-defined]
    page.emulate_media(media="print")
    for path in sorted((site / "worksheet").glob("*.html")):
        page.goto(url + "worksheet/" + path.name)
        key = page.locator(".ck-appendix")
        assert key.count() == 1, path.name
        assert key.evaluate("e => getComputedStyle(e).breakBefore") == "page", path.name
        assert "参考答案" in key.inner_text()
    page.emulate_media(media="screen")
    page.goto(url + "worksheet/a3.html")
    assert page.locator(".ck-appendix").evaluate("e => getComputedStyle(e).breakBefore") != "page"
    page.pdf(path=str(OUTPUT / "worksheet-a3.pdf"), format="A4")
    page.close()
