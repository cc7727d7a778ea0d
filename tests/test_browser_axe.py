"""axe-core on every page coursekit writes, at phone width: no serious or critical violation.

The published site (the learners' index, the trainers' index, and each module's
handout, worksheet and trainer guide), a learner's record page and the trainer's report, all served over HTTP
and checked in Chromium with the axe-core that axe-playwright-python ships.
Every violation found is printed, whatever its impact; only serious and
critical ones fail the test. No rule is disabled.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS, free_port, need_chromium, server
from test_publish import bundled_site

pytestmark = [pytest.mark.browser, pytest.mark.kernel]
PHONE = {"width": 375, "height": 812}
FAILING = {"serious", "critical"}


def _study_pages(root: Path) -> None:
    """A record page (``record.html``) and a report (``report/index.html``) of one learner."""
    from coursekit.content import load_course
    from coursekit.html import record_page, report_page
    from coursekit.records import export_record
    from coursekit.report import build_report, load_cohort
    from coursekit.store import SQLiteStore

    course = load_course()
    store = SQLiteStore(root / "store.sqlite3")
    store.add_learner("周七")
    module, question = course.all_checkpoints()[0]
    store.mark_read("周七", course.id, module, at="2020-02-05T08:00:00+00:00")
    store.add_attempt(
        "周七", course.id, module, question.id, "x", False, at="2020-02-05T08:01:00+00:00"
    )
    record = export_record(course, store, "周七")
    store.close()
    (root / "record.html").write_text(record_page(course, record), "utf-8")
    records = root / "records"
    records.mkdir()
    (records / "zhou.json").write_text(json.dumps(record), "utf-8")
    report = build_report(course, load_cohort([records], course))
    (root / "report").mkdir()
    (root / "report" / "index.html").write_text(report_page(course, report), "utf-8")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    need_chromium()
    root = tmp_path_factory.mktemp("axe") / "site"
    shutil.copytree(bundled_site().site, root)
    pages = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html"))
    _study_pages(root)
    pages += ["record.html", "report/index.html"]
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    log = root.parent / "server.log"
    with server(command, f"http://127.0.0.1:{port}/", root, {}, log) as url:
        yield url, pages


def test_no_page_has_a_serious_or_critical_axe_violation_at_phone_width(
    served: tuple[str, list[str]],
) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    url, pages = served
    assert {"index.html", "trainer/index.html", "record.html", "report/index.html"} <= set(pages)
    assert any(p.startswith("handout/") for p in pages)
    assert any(p.startswith("worksheet/") for p in pages)
    assert any(p.startswith("trainer/") for p in pages)
    axe = Axe()
    failing = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page(viewport=PHONE)
            for rel in pages:
                page.goto(url + rel)
                violations = axe.run(page).response["violations"]
                for v in violations:
                    targets = [" ".join(n["target"]) for n in v["nodes"]][:3]
                    print(
                        f"{rel}: {v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])}) {targets}"
                    )
                    if v["impact"] in FAILING:
                        failing.append(f"{rel}: {v['id']}")
        finally:
            chromium.close()
    assert failing == []
