"""Every page of the published site, parsed: offline, Chinese, three variants, no leaked answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from coursekit.content import load_course
from coursekit.html.site import VARIANTS
from coursekit.model import Course
from test_publish import bundled_site

pytestmark = pytest.mark.kernel

URL_ATTRS = ("src", "href", "action", "srcset", "poster", "data", "formaction", "background")
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", re.I)  # any scheme, or protocol-relative
CSS_EXTERNAL = re.compile(r"@import|url\(\s*['\"]?\s*(?:[a-z][a-z0-9+.-]*:|//)", re.I)
HANDOUT_BUDGET = 60 * 1024


@pytest.fixture(scope="module")
def site() -> Path:
    return bundled_site().site


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course()


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[str, BeautifulSoup]:
    return {
        p.relative_to(site).as_posix(): BeautifulSoup(p.read_text("utf-8"), "html.parser")
        for p in sorted(site.rglob("*.html"))
    }


def test_the_site_has_an_index_and_three_variants_per_module(
    pages: dict[str, BeautifulSoup], course: Course
) -> None:
    expected = {"index.html"} | {f"{v}/{m.id}.html" for m in course.modules for v in VARIANTS}
    assert set(pages) == expected
    index = pages["index.html"]
    links = {a["href"] for a in index.find_all("a")}
    assert {f"{v}/{m.id}.html" for m in course.modules for v in VARIANTS} <= links
    text = index.get_text()
    assert course.title in text
    assert course.meta.study_format.mode in text and course.meta.study_format.schedule in text
    assert all(c.name in text for c in course.meta.categories)


def test_every_page_is_chinese_and_offline(pages: dict[str, BeautifulSoup]) -> None:
    for name, soup in pages.items():
        html = soup.find("html")
        assert isinstance(html, Tag) and html.get("lang") == "zh-CN", name
        # the learner handout's own script and its data block (test_browser_handout.py);
        # nothing is loaded from anywhere
        scripts = soup.find_all("script")
        assert all(not s.get("src") for s in scripts), name
        if name.startswith("handout/"):
            assert [s.get("type") for s in scripts] == ["application/json", None], name
        else:
            assert scripts == [], name
        assert soup.find("link") is None, name
        assert soup.find("iframe") is None, name
        for tag in soup.find_all(True):
            for attr in URL_ATTRS:
                value = tag.get(attr)
                if isinstance(value, str):
                    assert not EXTERNAL.match(value), (name, tag.name, attr, value)
            style = tag.get("style")
            if isinstance(style, str):
                assert not CSS_EXTERNAL.search(style), (name, style)
        for style in soup.find_all("style"):
            assert not CSS_EXTERNAL.search(style.get_text()), name
        assert "http://" not in str(soup) and "https://" not in str(soup), name


def test_pages_read_on_a_phone_and_print_on_a4(pages: dict[str, BeautifulSoup]) -> None:
    for name, soup in pages.items():
        viewport = soup.find("meta", attrs={"name": "viewport"})
        assert isinstance(viewport, Tag) and "width=device-width" in str(viewport["content"]), name
        css = " ".join(s.get_text() for s in soup.find_all("style"))
        assert (
            '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif'
            in css
        )
        assert "max-width" in css and "overflow-wrap:anywhere" in css
        assert "@page{size:A4" in css


def test_module_pages_show_no_code_and_no_prompts(
    pages: dict[str, BeautifulSoup], course: Course
) -> None:
    for name, soup in pages.items():
        if name == "index.html":
            continue
        text = soup.get_text()
        assert "import " not in text and "show_module" not in text, name
        assert not soup.select(".input_area, .prompt, pre"), name
        assert "In [" not in text and "Out[" not in text, name
        assert "Widget" not in text and "Reader(" not in text, name
        assert not soup.select("[class*=output_error], [class*=output_stderr]"), name


def test_navigation_links_resolve(site: Path, pages: dict[str, BeautifulSoup]) -> None:
    for name, soup in pages.items():
        for a in soup.find_all("a"):
            href = a["href"]
            if href.startswith("#"):
                continue
            target = (site / name).parent / href.split("#")[0]
            assert target.resolve().is_file(), (name, href)
    first = pages["handout/overview.html"]
    assert first.find("a", rel="next") is not None and first.find("a", rel="prev") is None


def _outside_details(soup: BeautifulSoup) -> str:
    copy = BeautifulSoup(str(soup), "html.parser")
    for details in copy.find_all("details"):
        details.decompose()
    return copy.get_text()


def test_learner_handouts_keep_answers_inside_details(
    pages: dict[str, BeautifulSoup], course: Course
) -> None:
    for module in course.modules:
        soup = pages[f"handout/{module.id}.html"]
        for element in soup.select(".ck-answer, .ck-explanation, .ck-evidence-list, .ck-solution"):
            assert element.find_parent("details") is not None, (module.id, element)
        assert not soup.select(".ck-answer-key, .ck-trainer-notes, .ck-appendix")
        outside = _outside_details(soup)
        for question in course.checkpoints_for(module.id):
            assert soup.find(id=f"ck-q-{question.id}") is not None
            explanation = question.explanation.replace("**", "")[:30]
            assert explanation not in outside, (module.id, question.id)


def test_worksheets_have_blank_lines_and_the_answer_key_as_appendix(
    pages: dict[str, BeautifulSoup], course: Course
) -> None:
    for module in course.modules:
        soup = pages[f"worksheet/{module.id}.html"]
        questions = course.checkpoints_for(module.id)
        if not questions:
            continue
        assert not soup.find("details"), module.id
        assert soup.select(".ck-lines"), module.id
        appendix = soup.select_one(".ck-appendix")
        assert appendix is not None and appendix.select_one(".ck-answer-key"), module.id
        key_text = appendix.get_text()
        for question in questions:
            assert question.explanation.replace("**", "")[:30] in key_text
        # the answers appear in the appendix only
        body = BeautifulSoup(str(soup), "html.parser")
        for node in body.select(".ck-appendix"):
            node.decompose()
        assert not body.select(".ck-answer, .ck-explanation")


def test_trainer_guides_show_answers_evidence_and_notes(
    pages: dict[str, BeautifulSoup], course: Course
) -> None:
    for module in course.modules:
        soup = pages[f"trainer/{module.id}.html"]
        text = soup.get_text()
        for question in course.checkpoints_for(module.id):
            assert question.explanation.replace("**", "")[:30] in text
        if module.extras.trainer_notes is not None:
            notes = soup.select_one(".ck-trainer-notes")
            assert notes is not None, module.id
            assert module.extras.trainer_notes.key_points[0].replace("**", "")[:20] in text


def test_no_learner_data_or_widget_state_reaches_the_site(site: Path) -> None:
    published = bundled_site()
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text("utf-8")
        assert "widget-state+json" not in text and "widget-view+json" not in text, path
        assert "sqlite" not in text.lower() and "coursekit-publish-" not in text, path
        assert str(published.home) not in text and str(Path.home()) + "/" not in text, path


def test_learner_handouts_stay_within_the_size_budget(site: Path, course: Course) -> None:
    sizes = {m.id: (site / "handout" / f"{m.id}.html").stat().st_size for m in course.modules}
    longest = max(course.modules, key=lambda m: m.char_count).id
    assert sizes[longest] < HANDOUT_BUDGET, sizes
    assert max(sizes.values()) < HANDOUT_BUDGET, sizes
