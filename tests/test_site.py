"""Every page of the published site, parsed: offline, Chinese, three variants, no leaked answers,
the learners' and the trainers' index, navigation, citations that land, one h1 a page."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from bs4 import BeautifulSoup, Tag

from coursekit.content import load_course
from coursekit.html.site import LEARNER_VARIANTS, TRAINER_INDEX, VARIANTS
from coursekit.model import Course, Live
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


def test_the_site_has_two_indexes_and_three_variants_per_module(
    pages: dict[str, BeautifulSoup], course: Course
) -> None:
    expected = {"index.html", TRAINER_INDEX}
    expected |= {f"{v}/{m.id}.html" for m in course.modules for v in VARIANTS}
    assert set(pages) == expected
    index = pages["index.html"]
    links = {a["href"] for a in index.find_all("a")}
    assert {f"{v}/{m.id}.html" for m in course.modules for v in LEARNER_VARIANTS} <= links
    text = index.get_text()
    assert course.title in text
    assert course.meta.study_format.mode in text and course.meta.study_format.schedule in text
    assert all(c.name in text for c in course.meta.categories)
    trainer = {a["href"] for a in pages[TRAINER_INDEX].find_all("a")}
    assert {f"{m.id}.html" for m in course.modules} <= trainer
    assert {f"../worksheet/{m.id}.html" for m in course.modules} <= trainer


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
        # the bundled course configures no live view: nothing on the web is even linked
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


def _target(site: Path, name: str, href: str) -> tuple[str, str]:
    """The page (relative to the site) and the id a link from page ``name`` goes to."""
    path, fragment = urldefrag(href)
    page = (
        name if not path else ((site / name).parent / path).resolve().relative_to(site).as_posix()
    )
    return page, fragment


def test_every_link_lands_on_a_page_and_an_id_that_exist(
    site: Path, pages: dict[str, BeautifulSoup]
) -> None:
    """Navigation, citations (见附件三 ¶4) and glossary terms: each link is followed."""
    site = site.resolve()
    followed = {"page": 0, "paragraph": 0, "glossary": 0, "elsewhere": 0}
    for name, soup in pages.items():
        for a in soup.find_all("a"):
            page, fragment = _target(site, name, a["href"])
            assert page in pages, (name, a["href"])
            followed["page"] += 1
            if fragment:
                assert pages[page].find(id=fragment) is not None, (name, a["href"])
                kind = fragment.split("-")[0] if not fragment.startswith("ck-g-") else "g"
                if kind == "p":
                    followed["paragraph" if page == name else "elsewhere"] += 1
                elif kind == "g":
                    followed["glossary"] += 1
    # the test saw each kind of link, or it could not fail
    assert all(n > 0 for n in followed.values()), followed


def test_citations_link_the_paragraph_they_name(pages: dict[str, BeautifulSoup]) -> None:
    """``见附件三 ¶4``: the link text names the place, and the paragraph it opens is ¶4."""
    seen = 0
    for name in (n for n in pages if n.startswith(("handout/", "trainer/"))):
        for a in pages[name].select(".ck-evidence a"):
            page, fragment = _target(Path("/site"), name, a["href"])
            if not fragment.startswith("p-"):
                continue
            number = fragment.removeprefix("p-")
            assert a.get_text().endswith(f"¶{number}"), (name, a)
            target = pages[page].find(id=fragment)
            assert target.select_one(".ck-pn").get_text() == f"¶{number}"
            seen += 1
    assert seen > 100


def test_a_quote_the_explanation_gives_is_not_repeated_in_the_citation(
    pages: dict[str, BeautifulSoup], course: Course
) -> None:
    soup = pages["trainer/a3.html"]
    repeated = 0
    for question in course.checkpoints_for("a3"):
        section = soup.find(id=f"ck-q-{question.id}")
        explanation = section.select_one(".ck-explanation").get_text()
        for item in section.select(".ck-evidence"):
            quote = item.get_text().partition("：")[2].strip("“”")
            repeated += bool(quote) and quote in explanation
    assert repeated == 0


def test_every_page_has_exactly_one_h1(pages: dict[str, BeautifulSoup]) -> None:
    counts = {name: len(soup.find_all("h1")) for name, soup in pages.items()}
    assert set(counts.values()) == {1}, {n: c for n, c in counts.items() if c != 1}


def test_the_index_starts_with_the_notice(pages: dict[str, BeautifulSoup], course: Course) -> None:
    """From the title, the first thing a learner meets is 从这里开始 and the notice."""
    index = pages["index.html"]
    main = index.find("main")
    headings = [h.get_text() for h in main.find_all(["h1", "h2"])]
    assert headings[:3] == [course.title, "从这里开始", "学习顺序"]
    start = main.select_one(".ck-start")
    link = start.select_one("a.ck-start-link")
    notice = course.notice
    assert link["href"] == f"handout/{notice.id}.html"
    assert link.get_text() == f"{notice.label}《{notice.title}》"
    first_link = main.find("a")
    assert first_link is link
    # the study order is course.yaml's, the order of previous and next
    listed = [li["id"].removeprefix("m-") for li in main.select("ol.ck-modules > li")]
    assert listed == [m.id for m in course.modules]
    date = main.select_one("time")
    assert date["datetime"] == course.meta.date.isoformat() and date.get_text() == "2020年2月4日"


def test_previous_and_next_name_the_target_by_label_and_title(
    pages: dict[str, BeautifulSoup], course: Course
) -> None:
    modules = list(course.modules)
    for i, module in enumerate(modules):
        for variant in VARIANTS:
            soup = pages[f"{variant}/{module.id}.html"]
            for rel, other in (("prev", modules[i - 1] if i else None), ("next", None)):
                if rel == "next":
                    other = modules[i + 1] if i + 1 < len(modules) else None
                links = soup.find_all("a", rel=rel)
                if other is None:
                    assert links == [], (module.id, variant, rel)
                    continue
                assert len(links) == 2  # top and bottom
                word = "上一篇" if rel == "prev" else "下一篇"
                title = other.title.replace("《", "〈").replace("》", "〉")
                for a in links:
                    assert a["href"] == f"../{variant}/{other.id}.html"
                    assert a.get_text() == f"{word}：{other.label}《{title}》"
    a4 = next(m for m in modules if m.id == "a4")
    assert "《" in a4.title  # the nested book-title marks are exercised


def test_learner_pages_do_not_link_the_trainer_guides(pages: dict[str, BeautifulSoup]) -> None:
    """Handouts and worksheets reach no trainer page; the index only through its footer."""
    for name, soup in pages.items():
        if name.startswith("trainer/"):
            continue
        trainer = [a for a in soup.find_all("a") if "trainer/" in a["href"]]
        if name == "index.html":
            assert [a["href"] for a in trainer] == [TRAINER_INDEX]
            assert trainer[0].find_parent("footer") is not None
            assert "培训者" in trainer[0].get_text()
        else:
            assert trainer == [], name
            assert "培训者指南" not in soup.select_one(".ck-top").get_text(), name


def test_trainer_pages_lead_back_to_the_trainers_index(pages: dict[str, BeautifulSoup]) -> None:
    soup = pages["trainer/a3.html"]
    home = soup.select_one(".ck-top a.ck-home")
    assert home["href"] == "index.html" and home.get_text() == "培训者目录"
    index = pages[TRAINER_INDEX]
    assert index.h1.get_text().startswith("培训者指南")
    assert "请勿发给学员" in index.select_one(".ck-warning").get_text()
    # it tells the trainer where a worksheet's answer key starts when printing
    assert "参考答案 · 培训者用 · 发放时请勿附上" in index.get_text()


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
        assert len(soup.select(".ck-lines")) == len(questions), module.id
        appendix = soup.select_one(".ck-appendix")
        assert appendix is not None and appendix.select_one(".ck-answer-key"), module.id
        heading = appendix.select_one("h2").get_text()
        assert heading == f"参考答案 · 培训者用 · 发放时请勿附上 · {module.label}"
        # the appendix is the last thing on the page, and a note before the article says so
        main = soup.find("main")
        assert main.find_all(recursive=False)[-1] is appendix, module.id
        note = main.find(recursive=False)
        assert "ck-print-note" in note["class"] and "ck-noprint" in note["class"]
        key_text = appendix.get_text()
        for question in questions:
            assert question.explanation.replace("**", "")[:30] in key_text
        # the answers appear in the appendix only
        body = BeautifulSoup(str(soup), "html.parser")
        for node in body.select(".ck-appendix"):
            node.decompose()
        assert not body.select(".ck-answer, .ck-explanation")


def test_trainer_guides_open_with_the_notes_then_answers_evidence(
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
            # the notes come first in <main>, before the article and every question
            first = soup.find("main").find(recursive=False)
            assert first.select_one(".ck-trainer-notes") is notes, module.id
            assert notes.find_next("article", class_="ck-reader") is not None
            assert [h.get_text() for h in notes.find_all("h3")] == ["要点", "讨论题", "常见误读"]
            assert notes.select_one(".ck-minutes").get_text().startswith("建议用时")


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
    print(f"largest learner handout: {max(sizes, key=sizes.__getitem__)}, {max(sizes.values())} B")


def test_printed_handouts_drop_the_self_check_and_rule_the_reflections(
    pages: dict[str, BeautifulSoup],
) -> None:
    css = pages["handout/a3.html"].find("style").get_text()
    prints = " ".join(re.findall(r"@media print\{(.*?)\n\}", css, re.S))
    assert ".ck-handout .ck-selfcheck" in prints and ".ck-ruled{display:block}" in prints
    screen = css.split("@media print")[0]
    assert ".ck-ruled{display:none}" in screen
    assert "dfn" in screen and "font-style:normal" in screen


# --- live links -------------------------------------------------------------------------------

BINDER = "https://mybinder.org/v2/gh/OWNER/REPO/HEAD"
HUB = "https://hub.example.org/hub/user-redirect"


def _live(course: Course, **live: str | bool) -> Course:
    return dataclasses.replace(course, meta=course.meta.model_copy(update={"live": Live(**live)}))


def _rendered(course: Course, module_id: str, variant: str) -> BeautifulSoup:
    import nbformat

    from coursekit.build import notebook_name
    from coursekit.html.site import nav_context
    from coursekit.render import render_module

    index = [m.id for m in course.modules].index(module_id) + 1
    path = bundled_site().build / course.id / notebook_name(index, module_id)
    nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    html = render_module(nb, course, nav_context(course, module_id), variant)
    return BeautifulSoup(html, "html.parser")


def test_live_links_appear_only_when_the_course_configures_them(
    course: Course, pages: dict[str, BeautifulSoup]
) -> None:
    from coursekit.html.site import index_html

    assert course.meta.live == Live()  # the bundled course has none ...
    for soup in pages.values():
        assert soup.select("a.ck-live-link") == []  # ... and no page links one
    live = _live(course, binder=BINDER, hub=HUB)
    for variant in VARIANTS:
        soup = _rendered(live, "a3", variant)
        hrefs = [a["href"] for a in soup.select(".ck-top a.ck-live-link")]
        assert hrefs == [  # coursekit's own Voilà, whose pages have pre-heated kernels
            f"{BINDER}?urlpath=coursekit-voila/voila/render/notebooks/04-a3.ipynb",
            f"{HUB}/coursekit-voila/voila/render/notebooks/04-a3.ipynb",
        ], variant
        assert [a["rel"] for a in soup.select("a.ck-live-link")] == [["external"]] * 2
    index = BeautifulSoup(index_html(live), "html.parser")
    item = index.find(id="m-overview")
    assert item.select_one("a.ck-live-link")["href"].endswith("/01-overview.ipynb")
    only_hub = BeautifulSoup(
        index_html(_live(course, hub=HUB + "/", notebooks="c/nb", preheated=False)),
        "html.parser",
    )
    assert [a["href"] for a in only_hub.find(id="m-a1").select("a.ck-live-link")] == [
        f"{HUB}/voila/render/c/nb/02-a1.ipynb"  # Voilà's server extension
    ]
