"""The course in JupyterLab, as Binder sets it up: Chinese by default, parameter cells folded.

JupyterLab is started by the test on 127.0.0.1 from the repository root, with
``binder/overrides.json`` as its default settings (what ``binder/postBuild``
copies into the app's settings folder). A learner opens a module notebook:
the first cell is the way back to the contents and the course title, the
parameter cells are folded away (no "Parameters" on screen), and the
"下一篇" link opens the next module in JupyterLab. The menus are Chinese:
``jupyterlab-language-pack-zh-CN`` is in Binder's requirements and in the test extra.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, answer, free_port, need_chromium, server

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.browser


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[str]:
    need_chromium()
    settings = tmp_path / "settings"
    settings.mkdir()
    # JupyterLab saves a notebook it runs (autosave): serve a copy of what it opens, so
    # the test never writes outputs into the repository's tracked notebooks
    served = tmp_path / "repo"
    for folder in ("notebooks", "courseware"):
        shutil.copytree(ROOT / folder, served / folder)
    shutil.copy(ROOT / "voila.json", served / "voila.json")
    shutil.copy(ROOT / "binder" / "overrides.json", settings / "overrides.json")
    port = free_port()
    env = {
        **os.environ,
        "COURSEKIT_HOME": str(tmp_path / "home"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),  # no user settings of this machine
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        # coursekit's Voilà template, where the installed package puts it
        "JUPYTER_PATH": os.pathsep.join(
            p for p in (str(ROOT / "share" / "jupyter"), os.environ.get("JUPYTER_PATH")) if p
        ),
    }
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--allow-root",  # the test machines run as root; JupyterLab refuses it otherwise
        f"--LabApp.app_settings_dir={settings}",
        f"--ServerApp.root_dir={served}",
    ]
    with server(command, f"http://127.0.0.1:{port}/lab", served, env, tmp_path / "lab.log") as url:
        yield url


def test_a_module_notebook_in_jupyterlab_opens_clean_and_links_on(lab: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    from coursekit import load_course

    course = load_course()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(90_000)
        page.goto(f"{lab}/tree/notebooks/03-a2.ipynb")
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        first = notebook.locator(".jp-Cell").first
        expect(first).to_contain_text("← 课程目录")
        expect(first).to_contain_text(course.meta.title)
        page.wait_for_timeout(3000)  # long enough for a toast to show
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "jupyterlab-03-a2-1280.png"))
        expect(notebook.locator(".jp-Cell", has_text="运行所有单元格")).to_have_count(1)
        # parameters, injected parameters and setup: folded, their code not on screen
        expect(notebook.locator(".jp-InputPlaceholder")).to_have_count(3)
        # JupyterLab shows a folded cell's first line only: a comment in Chinese
        expect(notebook.get_by_text("Parameters").filter(visible=True)).to_have_count(0)
        expect(notebook.get_by_text('module = "a2"').filter(visible=True)).to_have_count(0)
        expect(notebook.get_by_text("本页的设置").filter(visible=True)).to_have_count(2)
        # the language pack (the test extra, and Binder) makes the menus Chinese
        expect(page.locator(".lm-MenuBar-itemLabel", has_text="运行")).to_have_count(1)
        # no English question about a news feed for learners (and no request for it)
        expect(page.locator(".jp-toast-message, .Toastify__toast")).to_have_count(0)
        # the footer's "下一篇" link opens the next module in JupyterLab itself
        a3 = course.module("a3")
        link = notebook.get_by_role("link", name=f"{a3.label} {a3.title}")
        link.scroll_into_view_if_needed()
        link.click()
        expect(
            page.locator(".lm-TabBar-tab.jp-mod-current[data-type=document-title]")
        ).to_contain_text("04-a3.ipynb")
        expect(page).to_have_url(f"{lab}/tree/notebooks/04-a3.ipynb")
        browser.close()


def test_binders_learner_view_is_coursekits_voila_behind_the_servers_proxy(
    lab: str, tmp_path: Path
) -> None:
    """The Voilà badge and a course's live links go to coursekit-voila/: the server's
    jupyter-server-proxy starts coursekit voila on a Unix socket, behind the server's
    login, and its page kernels are pre-heated; answers go to the learner's store."""
    import sqlite3
    import urllib.request

    from playwright.sync_api import sync_playwright

    base = lab.removesuffix("/lab")
    url = f"{base}/coursekit-voila/voila/render/notebooks/02-a1.ipynb"
    with urllib.request.urlopen(url, timeout=180) as r:  # starts it, and waits for the pool
        assert '<html lang="zh-CN">' in r.read().decode("utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 375, "height": 812})
        page.set_default_timeout(90_000)
        page.goto(url)
        page.get_by_placeholder("请输入你的姓名").fill("丙学员")
        page.get_by_role("button", name="开始学习").click()
        answer(page, "习近平总书记是在哪一天作出这一重要指示的", "1月27日", "回答正确。")
        # the way on to the next module stays in coursekit's Voilà
        hrefs = page.eval_on_selector_all('a[href*="03-a2.ipynb"]', "els => els.map(a => a.href)")
        assert hrefs and all(
            h.startswith(f"{base}/coursekit-voila/voila/render/notebooks/03-a2.ipynb")
            for h in hrefs
        ), hrefs
        browser.close()
    log = (tmp_path / "lab.log").read_text("utf-8", errors="replace")
    assert "for notebooks/02-a1.ipynb" in log and "Using pre-heated kernel" in log
    with sqlite3.connect(tmp_path / "home" / "learner.sqlite3") as db:
        rows = db.execute("SELECT learner, correct FROM attempts").fetchall()
    assert rows == [("丙学员", 1)]


def test_the_voila_view_binder_serves_uses_coursekits_template(lab: str) -> None:
    """Voilà's own pages, from its server extension (a course with live.preheated false):
    they too read voila.json where the server started, and render with coursekit's template."""
    import urllib.request

    base = lab.removesuffix("/lab")
    with urllib.request.urlopen(f"{base}/voila/render/notebooks/03-a2.ipynb", timeout=180) as r:
        html = r.read().decode("utf-8")
    assert '<html lang="zh-CN">' in html
    assert "<title>附件二 · " in html
    assert '<h2 id="loading_text">正在打开学习内容，请稍候……</h2>' in html
    assert "fontawesome" not in html and "cdn." not in html


def test_the_start_page_in_jupyterlab_lists_the_modules_and_opens_one_beside_it(
    lab: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from coursekit import load_course

    course = load_course()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(90_000)
        page.goto(f"{lab}/tree/notebooks/00-start.ipynb")
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        expect(notebook.locator(".jp-Cell").first).to_contain_text(course.meta.title)
        expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status=idle]")).to_have_count(1)
        # run every cell, as the page tells a learner to: 运行 → 运行所有单元格 (the menus are
        # Chinese: the language pack is installed)
        page.locator(".lm-MenuBar-itemLabel", has_text="运行").click()
        page.locator(".lm-Menu-itemLabel", has_text="运行所有单元格").first.click()
        first = course.modules[1]
        link = notebook.get_by_role("link", name=f"{first.label} {first.title}")
        expect(link).to_be_visible(timeout=120_000)
        page.screenshot(path=str(OUTPUT / "jupyterlab-00-start-1280.png"))
        link.click()
        current = page.locator(".lm-TabBar-tab.jp-mod-current[data-type=document-title]")
        expect(current).to_contain_text("02-a1.ipynb")
        # JupyterLab opened it beside the start page, without reloading the page
        expect(page.locator(".lm-TabBar-tab[data-type=document-title]")).to_have_count(2)
        browser.close()
