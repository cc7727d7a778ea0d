"""Checkpoints driven from Python: set the controls, click, read the feedback and the rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from bs4 import BeautifulSoup

from coursekit.model import Course
from coursekit.store import SQLiteStore
from coursekit.widgets import (
    TRAINER_MIME,
    WORKSHEET_MIME,
    Checkpoint,
    CheckpointSet,
    CheckpointSettings,
    LearnerSession,
    Reader,
)

LEARNER = "张三"


def seen(cp: Checkpoint) -> list[str]:
    """The feedback lines a learner reads."""
    return [p.get_text() for p in BeautifulSoup(cp.feedback.value, "html.parser").select("p")]


def make(course: Course, store: SQLiteStore, qid: str, **kwargs: Any) -> Checkpoint:
    question = next(q for q in course.checkpoints_for("a1") if q.id == qid)
    kwargs.setdefault("learner", LEARNER)
    return Checkpoint(question, "a1", course=course, store=store, **kwargs)


def put_in_order(cp: Checkpoint, wanted: list[str]) -> None:
    """Click "up" until the items stand in ``wanted`` order, as a learner would."""
    for target, item in enumerate(wanted):
        while cp.input.items.index(item) > target:  # type: ignore[attr-defined]
            row = cp.input.rows[cp.input.items.index(item)]  # type: ignore[attr-defined]
            row.children[1].click()


def choose(*values: str) -> Callable[[Checkpoint], None]:
    def act(cp: Checkpoint) -> None:
        for option, check in zip(cp.input.options, cp.input.checks, strict=True):  # type: ignore[attr-defined]
            check.value = option in values

    return act


def radio(value: Any) -> Callable[[Checkpoint], None]:
    def act(cp: Checkpoint) -> None:
        cp.input.radio.value = value  # type: ignore[attr-defined]

    return act


def typed(value: str) -> Callable[[Checkpoint], None]:
    def act(cp: Checkpoint) -> None:
        cp.input.text.value = value  # type: ignore[attr-defined]

    return act


def ordered(*items: str) -> Callable[[Checkpoint], None]:
    return lambda cp: put_in_order(cp, list(items))


def matched(pairs: dict[str, str]) -> Callable[[Checkpoint], None]:
    """Choose an option for each item, wherever the learner's shuffle put it."""

    def act(cp: Checkpoint) -> None:
        for item, dropdown in zip(cp.input.items, cp.input.dropdowns, strict=True):  # type: ignore[attr-defined]
            dropdown.value = pairs[item]

    return act


EVENTS = ("国务院常务会议部署防控工作", "武汉市关闭离汉通道", "市委组织部印发通知")
CASES = {
    # id: (right answer, its stored form, wrong answer, its stored form, evidence line)
    "q-single": (
        radio("党中央"),
        "党中央",
        radio("国务院"),
        "国务院",
        "见附件一 ¶1：“党中央高度重视”",
    ),
    "q-multiple": (
        choose("戴口罩", "勤洗手", "常通风"),
        ["戴口罩", "勤洗手", "常通风"],
        choose("戴口罩", "多聚会"),
        ["戴口罩", "多聚会"],
        "见附件一 ¶5：“戴口罩、勤洗手、常通风”",
    ),
    "q-truefalse": (radio(False), False, radio(True), True, "见附件一 ¶4：“要求党员分散个人自学”"),
    "q-fill": (
        typed("分散个人自学"),
        "分散个人自学",
        typed("集中学习"),
        "集中学习",
        "见附件一 ¶4：“分散个人自学”",
    ),
    "q-order": (
        ordered(*EVENTS),
        list(EVENTS),
        ordered(EVENTS[1], EVENTS[0], EVENTS[2]),
        [EVENTS[1], EVENTS[0], EVENTS[2]],
        "见附件一 ¶2：“1月20日”",
    ),
    "q-match": (
        matched({"戴口罩": "防护措施", "分散个人自学": "学习要求"}),
        {"戴口罩": "防护措施", "分散个人自学": "学习要求"},
        matched({"戴口罩": "学习要求", "分散个人自学": "学习要求"}),
        {"戴口罩": "学习要求", "分散个人自学": "学习要求"},
        "见附件一 ¶5：“戴口罩”",
    ),
}


@pytest.mark.parametrize("qid", list(CASES))
def test_a_right_answer_is_praised_explained_and_saved(
    course: Course, store: SQLiteStore, qid: str
) -> None:
    right, stored, _, _, evidence = CASES[qid]
    cp = make(course, store, qid)
    right(cp)
    cp.submit.click()
    lines = seen(cp)
    assert lines[0] == "✔ 回答正确。"
    assert lines[1] == f"解析：{cp.question.explanation}"
    assert evidence in lines
    if cp.reveal_after == 1:  # the answer may be shown now: the count says how many tries
        assert (cp.count.value, cp.lock.value) == ("已作答 1 次。", "")
    else:  # still locked: the words beside the button count them
        assert cp.lock.value == f"作答 {cp.reveal_after} 次后可查看答案（已作答 1 次）"
        assert cp.count.value == ""
    [row] = store.attempts(LEARNER, "demo", "a1", qid)
    assert (row.answer, row.correct) == (stored, True)


@pytest.mark.parametrize("qid", list(CASES))
def test_a_wrong_answer_says_so_points_to_the_text_and_is_saved(
    course: Course, store: SQLiteStore, qid: str
) -> None:
    _, _, wrong, stored, _ = CASES[qid]
    cp = make(course, store, qid)
    wrong(cp)
    cp.submit.click()
    lines = seen(cp)
    assert lines[0] == "✘ 回答不正确，请再试一次。"
    assert lines[-1].startswith("请重读附件一 ¶")
    assert not any(line.startswith("解析") for line in lines)
    [row] = store.attempts(LEARNER, "demo", "a1", qid)
    assert (row.answer, row.correct) == (stored, False)


def test_retries_are_allowed_and_every_attempt_is_kept_with_its_time(
    course: Course, store: SQLiteStore
) -> None:
    cp = make(course, store, "q-single")
    for value in ("国务院", "市委组织部", "党中央"):
        cp.input.radio.value = value  # type: ignore[attr-defined]
        cp.submit.click()
    rows = store.attempts(LEARNER, "demo", "a1", "q-single")
    assert [(r.answer, r.correct) for r in rows] == [
        ("国务院", False),
        ("市委组织部", False),
        ("党中央", True),
    ]
    assert rows[0].at < rows[1].at < rows[2].at
    assert cp.count.value == "已作答 3 次。"
    assert seen(cp)[0] == "✔ 回答正确。"


@pytest.mark.parametrize(
    "answer", ["分散个人自学", "  分散　个人自学。", "分散自学", "分 散 自 学；"]
)
def test_fill_accepts_variants_spaces_and_full_width_forms(
    course: Course, store: SQLiteStore, answer: str
) -> None:
    cp = make(course, store, "q-fill")
    cp.input.text.value = answer  # type: ignore[attr-defined]
    cp.submit.click()
    assert seen(cp)[0] == "✔ 回答正确。"


def test_an_empty_answer_is_not_an_attempt(course: Course, store: SQLiteStore) -> None:
    cp = make(course, store, "q-match")
    cp.input.dropdowns[0].value = "防护措施"  # type: ignore[attr-defined]
    cp.submit.click()
    assert seen(cp) == ["请先作答再提交。"]
    assert store.attempts(LEARNER) == []


def test_the_answer_can_be_revealed_after_two_attempts(course: Course, store: SQLiteStore) -> None:
    cp = make(course, store, "q-single")
    cp.input.radio.value = "国务院"  # type: ignore[attr-defined]
    cp.submit.click()
    assert cp.reveal.disabled
    cp.reveal.click()  # a disabled button does nothing, even when clicked from code
    assert seen(cp)[0] == "✘ 回答不正确，请再试一次。"
    cp.submit.click()
    assert not cp.reveal.disabled
    cp.reveal.click()
    letter = "ABC"[[v for _, v in cp.input.radio.options].index("党中央")]  # type: ignore[attr-defined]
    assert seen(cp) == [
        f"答案：{letter}",
        f"{letter}. 党中央",
        "解析：第一段写明党中央高度重视。",
        "见附件一 ¶1：“党中央高度重视”",
    ]


def test_reveal_after_comes_from_the_question_or_the_settings(
    course: Course, store: SQLiteStore
) -> None:
    match = make(course, store, "q-match", settings=CheckpointSettings(reveal_after=5))
    assert match.reveal_after == 1  # the question's own reveal_after wins
    single = make(course, store, "q-single", settings=CheckpointSettings(reveal_after=3))
    for _ in range(2):
        single.input.radio.value = "国务院"  # type: ignore[attr-defined]
        single.submit.click()
    assert single.reveal.disabled
    single.submit.click()
    assert not single.reveal.disabled
    with pytest.raises(ValueError):
        CheckpointSettings(reveal_after=0)


def test_explain_wrong_shows_explanation_and_evidence_after_a_wrong_answer(
    course: Course, store: SQLiteStore
) -> None:
    cp = make(course, store, "q-truefalse", settings=CheckpointSettings(explain_wrong=True))
    cp.input.radio.value = True  # type: ignore[attr-defined]
    cp.submit.click()
    assert seen(cp) == [
        "✘ 回答不正确，请再试一次。",
        "解析：通知要求的是分散个人自学。",
        "见附件一 ¶4：“要求党员分散个人自学”",
    ]


def test_without_a_learner_nothing_can_be_saved_until_one_is_named(
    course: Course, store: SQLiteStore
) -> None:
    session = LearnerSession(store)
    cp = make(course, store, "q-single", learner=session)
    assert cp.submit.disabled and cp.input.radio.disabled  # type: ignore[attr-defined]
    assert seen(cp) == ["请先在页面上方填写或确认姓名，再作答。"]
    session.name.value = "李四"
    session.start.click()
    assert not cp.submit.disabled
    cp.input.radio.value = "党中央"  # type: ignore[attr-defined]
    cp.submit.click()
    assert [a.learner for a in store.attempts("李四")] == ["李四"]


def test_the_set_numbers_its_questions_and_keeps_score(course: Course, store: SQLiteStore) -> None:
    qs = CheckpointSet("a1", course=course, store=store, learner=LEARNER)
    assert [c.question.type for c in qs.checkpoints] == [
        "single",
        "multiple",
        "truefalse",
        "fill",
        "order",
        "match",
    ]
    assert qs.score.value == "得分：答对 0 / 6 题（已作答 0 题）。"
    first, second = qs.checkpoints[0], qs.checkpoints[2]
    first.input.radio.value = "党中央"  # type: ignore[attr-defined]
    first.submit.click()
    second.input.radio.value = True  # type: ignore[attr-defined]
    second.submit.click()
    assert qs.score.value == "得分：答对 1 / 6 题（已作答 2 题）。"
    assert (
        BeautifulSoup(qs.checkpoints[5].prompt.value, "html.parser")
        .get_text(" ")
        .startswith("第 6 题 · 匹配题")
    )


def test_the_notice_set_carries_the_course_exercises(course: Course, store: SQLiteStore) -> None:
    qs = CheckpointSet("overview", course=course, store=store, learner=LEARNER)
    assert [c.question.id for c in qs.checkpoints] == ["q-notice-tf", "q-ex-match"]
    exercise = qs.checkpoints[1]
    matched({"附件一": "政策文件", "通知": "通知"})(exercise)
    exercise.submit.click()
    assert seen(exercise)[0] == "✔ 回答正确。"
    [row] = store.attempts(LEARNER, "demo", "overview")
    assert row.checkpoint_id == "q-ex-match"


def test_english_feedback(course: Course, store: SQLiteStore) -> None:
    cp = make(course, store, "q-single", lang="en")
    cp.input.radio.value = "党中央"  # type: ignore[attr-defined]
    cp.submit.click()
    assert seen(cp) == [
        "✔ Correct.",
        "Explanation: 第一段写明党中央高度重视。",
        "See 附件一 ¶1: “党中央高度重视”",
    ]
    assert cp.submit.description == "Submit"


def test_the_mimebundle_carries_three_static_renderings_without_learner_data(
    course: Course, store: SQLiteStore
) -> None:
    qs = CheckpointSet("a1", course=course, store=store, learner=LEARNER)
    qs.checkpoints[0].input.radio.value = "国务院"  # type: ignore[attr-defined]
    qs.checkpoints[0].submit.click()
    bundle = qs._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    handout = BeautifulSoup(bundle["text/html"], "html.parser")
    assert len(handout.select("section.ck-checkpoint details.ck-selfcheck")) == 6
    worksheet = BeautifulSoup(bundle[WORKSHEET_MIME], "html.parser")
    assert len(worksheet.select(".ck-lines")) == 6 and worksheet.select(".ck-answer") == []
    trainer = BeautifulSoup(bundle[TRAINER_MIME], "html.parser")
    assert len(trainer.select(".ck-solution .ck-answer")) == 6
    for html in (bundle["text/html"], bundle[WORKSHEET_MIME], bundle[TRAINER_MIME]):
        assert LEARNER not in html
        assert "ck-feedback" not in html and "回答不正确" not in html


def test_the_answer_lock_is_explained_in_words_beside_the_button(
    course: Course, store: SQLiteStore
) -> None:
    cp = make(course, store, "q-single")
    beside = next(row for row in cp.children if cp.reveal in getattr(row, "children", ()))
    assert cp.lock in beside.children  # visible text next to the button, not a tooltip
    assert cp.reveal.disabled and cp.lock.value == "作答 2 次后可查看答案（已作答 0 次）"
    cp.input.radio.value = "国务院"  # type: ignore[attr-defined]
    cp.submit.click()
    assert cp.reveal.disabled and cp.lock.value == "作答 2 次后可查看答案（已作答 1 次）"
    cp.submit.click()
    assert not cp.reveal.disabled and cp.lock.value == ""
    assert cp.count.value == "已作答 2 次。"
    english = make(course, store, "q-single", lang="en", learner="李四")
    assert english.lock.value == "The answer can be shown after 2 attempts (0 so far)"


def test_right_and_wrong_differ_in_colour_icon_and_words(
    course: Course, store: SQLiteStore
) -> None:
    cp = make(course, store, "q-single")
    cp.input.radio.value = "国务院"  # type: ignore[attr-defined]
    cp.submit.click()
    box = BeautifulSoup(cp.feedback.value, "html.parser").select_one(".ck-feedback")
    assert box["class"] == ["ck-feedback", "ck-wrong"]
    icon = box.select_one(".ck-verdict .ck-icon")
    assert (icon.get_text(), icon["aria-hidden"]) == ("✘", "true")
    assert box.select_one(".ck-verdict").get_text() == "✘ 回答不正确，请再试一次。"
    assert "ck-state-wrong" in cp._dom_classes and "ck-live-card" in cp._dom_classes
    cp.input.radio.value = "党中央"  # type: ignore[attr-defined]
    cp.submit.click()
    box = BeautifulSoup(cp.feedback.value, "html.parser").select_one(".ck-feedback")
    assert box["class"] == ["ck-feedback", "ck-right"]
    assert box.select_one(".ck-verdict").get_text() == "✔ 回答正确。"
    assert "ck-state-right" in cp._dom_classes and "ck-state-wrong" not in cp._dom_classes


def test_a_cited_paragraph_is_brought_to_the_question_and_the_reader_turns_to_it(
    course: Course, store: SQLiteStore
) -> None:
    session = LearnerSession(store, LEARNER, course=course)
    reader = Reader("a1", course=course, store=store, learner=session)
    cp = make(course, store, "q-truefalse", learner=session)
    assert cp.cites.layout.display == "none"  # nothing to reread before an answer
    cp.input.radio.value = True  # type: ignore[attr-defined]
    cp.submit.click()
    assert seen(cp)[-1] == "请重读附件一 ¶4。"
    assert cp.cites.layout.display is None
    [button] = cp.cites.children
    assert button.description == "查看附件一 ¶4"
    button.click()
    card = BeautifulSoup(cp.cited.value, "html.parser")
    assert card.select_one(".ck-cited-place").get_text() == (
        "附件一 ¶4（上方正文已翻到第 2 页，该段已标出）"
    )
    assert card.select_one(".ck-para").get_text() == (
        "¶4 2月5日，市委组织部印发通知，要求党员分散个人自学。"
    )
    assert card.select("[id]") == []  # the reader's copy keeps the id
    assert reader.page == 1 and reader.cited == 4
    assert f'.{reader.scope} [id="p-4"]' in reader.body.value
    cp.input.radio.value = False  # type: ignore[attr-defined]
    cp.submit.click()
    assert cp.cites.layout.display is None  # the right answer cites it too
    assert cp.cited.value != ""


def test_a_paragraph_of_another_module_links_to_that_modules_page(
    course: Course, store: SQLiteStore
) -> None:
    question = next(q for q in course.checkpoints_for("a1") if q.id == "q-single")
    # shown on the notice's page, whose reader is not a1's: the link opens a1's page at ¶1
    cp = Checkpoint(question, "overview", course=course, store=store, learner=LEARNER)
    cp.input.radio.value = "党中央"  # type: ignore[attr-defined]
    cp.submit.click()
    cp.cites.children[0].click()
    card = BeautifulSoup(cp.cited.value, "html.parser")
    assert card.select_one(".ck-cited-place").get_text() == "附件一 ¶1"
    link = card.select_one("a.ck-module-link")
    assert link["href"] == "02-a1.ipynb?p=1"  # coursekit.build's notebook name, then ¶
    assert link.get_text() == "打开附件一，从 ¶1 读起"


def test_a_cited_hostile_paragraph_stays_text_in_the_card_and_the_reader(
    hostile_course: Course, store: SQLiteStore
) -> None:
    from test_static import assert_inert

    session = LearnerSession(store, '"><img src=x onerror=alert(5)>', course=hostile_course)
    reader = Reader("a1", course=hostile_course, store=store, learner=session)
    question = next(q for q in hostile_course.checkpoints_for("a1") if q.id == "q-single")
    cp = Checkpoint(question, "a1", course=hostile_course, store=store, learner=session)
    cp.input.radio.value = "国务院"  # type: ignore[attr-defined]
    cp.submit.click()
    assert [b.description for b in cp.cites.children] == ["查看附件一 ¶1", "查看附件一 ¶6"]
    cp.cites.children[1].click()
    assert "alert(1)" in BeautifulSoup(cp.cited.value, "html.parser").get_text()
    body = BeautifulSoup(reader.body.value, "html.parser")
    mark = body.style.extract()  # the one style the reader writes: its own mark, nothing else
    assert mark.get_text().startswith(f'.{reader.scope} [id="p-6"]{{background:')
    for html in (cp.cited.value, str(body), cp.feedback.value):
        assert_inert(html)
