"""The Reader driven from Python: pages, text size, glossary, "done reading" and its HTML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from coursekit import load_course
from coursekit.model import Course
from coursekit.store import SQLiteStore
from coursekit.widgets import TRAINER_MIME, WORKSHEET_MIME, Reader


def text(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text(" ", strip=True)


def test_the_header_card_names_the_source_and_the_reading_rate(
    course: Course, store: SQLiteStore
) -> None:
    reader = Reader("a1", course=course, store=store, learner="张三")
    card = text(reader.children[0].value)
    assert card.startswith("附件一 疫情防控要求")
    for fact in ("来源：新华网", "日期：2020年1月23日", "类别：政策文件", "按每分钟 400 字计"):
        assert fact in card


def test_pages_follow_the_sections_and_the_progress_follows_the_pages(
    course: Course, store: SQLiteStore
) -> None:
    reader = Reader("a1", course=course, store=store, learner="张三")
    assert len(reader.pages) == 2
    assert text(reader.body.value).startswith("一、背景 ¶1 新冠肺炎疫情发生后")
    assert (reader.page_label.value, reader.progress.value, reader.progress.max) == (
        "第 1 / 2 页",
        1,
        2,
    )
    assert reader.prev.disabled and not reader.next.disabled
    reader.next.click()
    assert text(reader.body.value).startswith("二、要求 ¶4")
    assert (reader.page_label.value, reader.progress.value) == ("第 2 / 2 页", 2)
    assert reader.next.disabled
    reader.prev.click()
    assert reader.page == 0


def test_a_long_section_is_split_into_pages_that_repeat_its_heading(
    tmp_path: Path, store: SQLiteStore
) -> None:
    from coursefactory import write_course

    course = load_course(write_course(tmp_path, long_paragraphs=12))
    reader = Reader("a1", course=course, store=store, learner="张三", page_paragraphs=5)
    headings = [re.findall(r"<h3[^>]*>(.*?)</h3>", page)[0] for page in reader.pages]
    assert headings == ["一、背景", "二、要求", "补充材料 1", "补充材料 1", "补充材料 2"]
    numbers = [int(n) for page in reader.pages for n in re.findall(r'id="p-(\d+)"', page)]
    assert numbers == list(range(1, 18))


def test_text_size_goes_up_and_down_within_bounds(course: Course, store: SQLiteStore) -> None:
    reader = Reader("a1", course=course, store=store, learner="张三")
    assert reader.body.style.font_size == "16px"
    reader.larger.click()
    assert reader.body.style.font_size == "18px"
    for _ in range(10):
        reader.smaller.click()
    assert reader.body.style.font_size == "14px" and reader.smaller.disabled
    assert reader.smaller.tooltip == "缩小字号" and reader.larger.tooltip == "放大字号"


def test_glossary_terms_are_marked_and_can_be_looked_up(course: Course, store: SQLiteStore) -> None:
    reader = Reader("a1", course=course, store=store, learner="张三")
    assert (
        '<abbr class="ck-term" title="附件一写明，疫情发生后“党中央高度重视”。">党中央</abbr>'
        in reader.body.value
    )
    assert reader.term_pick.description == "查术语"
    reader.term_pick.value = "离汉通道"
    entry = BeautifulSoup(reader.definition.value, "html.parser")
    assert entry.select_one("dfn").get_text() == "离汉通道"
    assert (
        entry.select_one(".ck-definition").get_text()
        == "1月23日，“武汉市关闭离汉通道”。（见附件一 ¶3）"
    )
    reader.term_pick.value = None
    assert reader.definition.value == ""


def test_done_reading_is_saved_and_shown_again_in_a_new_reader(
    course: Course, store: SQLiteStore
) -> None:
    reader = Reader("a1", course=course, store=store, learner="张三")
    assert reader.status.value == "读完全文后，请点击“我已读完”。"
    reader.done.click()
    done_at = store.read_at("张三", "demo", "a1")
    assert done_at is not None
    assert re.fullmatch(r"已于 \d\d:\d\d 读完本篇。", reader.status.value)
    again = Reader("a1", course=course, store=store, learner="张三")
    assert again.status.value == reader.status.value
    other = Reader("a1", course=course, store=store, learner="李四")
    assert other.status.value == "读完全文后，请点击“我已读完”。"


def test_static_html_is_the_whole_text_and_no_learner_data(
    course: Course, store: SQLiteStore
) -> None:
    reader = Reader("a1", course=course, store=store, learner="张三")
    reader.done.click()
    bundle = reader._repr_mimebundle_()
    html = bundle["text/html"]
    assert bundle[WORKSHEET_MIME] == html == bundle[TRAINER_MIME]
    paras = BeautifulSoup(html, "html.parser").select("p.ck-para")
    assert len(paras) == len(course.module("a1").paragraphs) == 5
    assert "张三" not in html and "读完本篇" not in html


def test_english_reader(course: Course, store: SQLiteStore) -> None:
    reader = Reader("a1", course=course, store=store, learner="张三", lang="en")
    assert "characters a minute" in text(reader.children[0].value)
    assert reader.done.description == "I have read it"
    assert reader.page_label.value == "Page 1 of 2"


def test_a_cited_paragraph_is_turned_to_and_marked_in_this_reader_only(
    course: Course, store: SQLiteStore
) -> None:
    reader = Reader("a1", course=course, store=store, learner="张三")
    assert reader.show_paragraph(4) == 2 and reader.page == 1
    assert reader.scope in reader.body._dom_classes
    soup = BeautifulSoup(reader.body.value, "html.parser")
    assert soup.style.get_text().startswith(f'.{reader.scope} [id="p-4"]{{')  # this reader only
    assert soup.select_one(".ck-cited-note").get_text() == "¶4 是检查题所引的段落，已标出。"
    assert soup.select_one('[id="p-4"]').get_text().startswith("¶4 2月5日，市委组织部印发通知")
    reader.prev.click()
    assert "ck-cited-note" not in reader.body.value and "<style>" not in reader.body.value
    reader.next.click()
    assert "ck-cited-note" in reader.body.value  # still marked when the learner comes back
    assert reader.show_paragraph(99) is None and reader.page == 1


def test_a_link_that_names_a_paragraph_opens_the_reader_there(
    course: Course, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coursekit.widgets._links import requested_paragraph

    monkeypatch.setenv("QUERY_STRING", "voila-theme=light&p=5")  # as Voilà hands it over
    reader = Reader("a1", course=course, store=store, learner="张三")
    assert reader.page == 1 and reader.cited == 5
    assert "¶5 是检查题所引的段落" in text(reader.body.value)
    assert Reader("a1", course=course, store=store, learner="张三", paragraph=1).page == 0
    for query, wanted in [("", None), ("p=x", None), ("p=0", None), ("p=²", None), ("p=12", 12)]:
        assert requested_paragraph(query) == wanted, query
    monkeypatch.setenv("QUERY_STRING", "p=40")  # not in this module: the first page
    assert Reader("a1", course=course, store=store, learner="张三").page == 0


def test_the_text_size_buttons_and_the_pager_are_never_squeezed(
    course: Course, store: SQLiteStore
) -> None:
    reader = Reader("a1", course=course, store=store, learner="张三")
    for button in (reader.smaller, reader.larger, reader.prev, reader.next, reader.done):
        assert (button.layout.width, button.layout.flex) == ("auto", "0 0 auto")
    rows = [c for c in reader.children if "ck-row" in c._dom_classes]
    assert reader.smaller in rows[0].children and reader.prev in rows[1].children
