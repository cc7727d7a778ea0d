"""The question-bank lint: each check fires on a course written to trip it, and names the
file, the line and the item; a clean bank gets no warning; a strict policy refuses.

The base course is lint-clean: every paragraph is cited, the glossary term is grounded,
options shuffle. Each test breaks one thing and reads what ``coursekit validate`` prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from coursekit.cli import main

COURSE: dict[str, Any] = {
    "id": "lint",
    "title": "检查题库",
    "issuer": "某党支部",
    "date": "2020-02-04",
    "notice_module": "notice",
    "modules": ["notice", "m1"],
    "categories": [{"id": "c1", "name": "工作要求"}],
    "study_format": {
        "mode": "分散个人自学",
        "schedule": "时间不作统一安排",
        "evidence": {
            "module": "notice",
            "paragraph": 1,
            "quote": "支部学习一律采取分散个人自学方式进行",
        },
    },
}

NOTICE_MD = """\
---
id: notice
label: 通知
title: 学习通知
category: c1
published: 2020-02-04
---

支部学习一律采取分散个人自学方式进行，时间不作统一安排。
"""

M1_MD = """\
---
id: m1
label: 附件一
title: 第一份材料
category: c1
published: 2020-01-25
---

1月25日，会议决定成立应对疫情工作领导小组。

会议要求，对所有患者进行集中隔离救治。

会议强调，要坚持早发现、早报告、早隔离、早治疗。
"""


def _ev(module: str, paragraph: int, quote: str) -> dict[str, Any]:
    return {"module": module, "paragraph": paragraph, "quote": quote}


def single(
    qid: str, prompt: str, options: list[str], answer: str, ev: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": qid,
        "type": "single",
        "prompt": prompt,
        "options": options,
        "answer": answer,
        "explanation": "原文写明。",
        "evidence": ev,
    }


def truefalse(qid: str, prompt: str, answer: bool, ev: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": qid,
        "type": "truefalse",
        "prompt": prompt,
        "answer": answer,
        "explanation": "原文写明。",
        "evidence": ev,
    }


def base_m1() -> dict[str, Any]:
    return {
        "checkpoints": [
            single(
                "m1-when",
                "会议在哪一天召开？",
                ["1月20日", "1月25日", "1月27日", "2月3日"],
                "1月25日",
                _ev("m1", 1, "1月25日，会议决定成立应对疫情工作领导小组"),
            ),
            truefalse(
                "m1-patients",
                "判断：会议要求只对重症患者进行集中隔离救治。",
                False,
                _ev("m1", 2, "对所有患者进行集中隔离救治"),
            ),
            {
                "id": "m1-early",
                "type": "order",
                "prompt": "会议强调的四项措施，依次是什么？",
                "answer": ["早发现", "早报告", "早隔离", "早治疗"],
                "explanation": "原文依次列出。",
                "evidence": _ev("m1", 3, "早发现、早报告、早隔离、早治疗"),
            },
        ]
    }


def base_notice() -> dict[str, Any]:
    return {
        "checkpoints": [
            {
                "id": "notice-mode",
                "type": "fill",
                "prompt": "支部学习一律采取____方式进行。",
                "answer": ["分散个人自学"],
                "explanation": "通知写明。",
                "evidence": _ev("notice", 1, "支部学习一律采取分散个人自学方式进行"),
            }
        ]
    }


def base_glossary() -> dict[str, Any]:
    return {
        "terms": [
            {
                "term": "领导小组",
                "definition": "附件一¶1：会议决定成立“应对疫情工作领导小组”。",
                "evidence": _ev("m1", 1, "会议决定成立应对疫情工作领导小组"),
            }
        ]
    }


class Course:
    """A lint-clean course in a folder; tests change its parts, then validate it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.course = yaml.safe_load(yaml.safe_dump(COURSE))
        self.m1 = base_m1()
        self.notice = base_notice()
        self.glossary = base_glossary()
        self.m1_md = M1_MD

    def validate(self) -> tuple[int, list[str]]:
        (self.root / "modules").mkdir(parents=True, exist_ok=True)
        for name, data in (
            ("course.yaml", self.course),
            ("modules/m1.yaml", self.m1),
            ("modules/notice.yaml", self.notice),
            ("glossary.yaml", self.glossary),
        ):
            (self.root / name).write_text(
                yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
            )
        (self.root / "modules" / "notice.md").write_text(NOTICE_MD, encoding="utf-8")
        (self.root / "modules" / "m1.md").write_text(self.m1_md, encoding="utf-8")
        result = CliRunner().invoke(main, ["validate", str(self.root)])
        lines = result.output.splitlines()  # stdout and stderr, as a terminal shows them
        found = [
            line.removeprefix("warning: ").removeprefix("error: ").replace(f"{self.root}/", "")
            for line in lines
            if line.startswith("warning: ") or str(self.root) in line
        ]
        return result.exit_code, found


@pytest.fixture
def course(tmp_path: Path) -> Course:
    return Course(tmp_path / "course")


def test_the_base_course_has_no_lint_warning(course: Course) -> None:
    assert course.validate() == (0, [])


# --- key positions ----------------------------------------------------------------------


def _four_singles_keyed_a(course: Course) -> None:
    ev = _ev("m1", 1, "1月25日，会议决定成立应对疫情工作领导小组")
    course.m1["checkpoints"] += [
        single(
            f"m1-s{i}",
            f"第{i}题：哪一项是对的？",
            [f"甲{i}", f"乙{i}", f"丙{i}", f"丁{i}"],
            f"甲{i}",
            ev,
        )
        for i in range(1, 4)
    ]
    course.m1["checkpoints"][0]["options"] = ["1月25日", "1月20日", "1月27日", "2月3日"]


def test_key_positions_are_judged_where_options_are_not_shuffled(course: Course) -> None:
    _four_singles_keyed_a(course)
    course.course["policy"] = {"shuffle": False, "lint": {"near_duplicate": 0.99}}
    code, found = course.validate()
    assert code == 0
    assert found == [
        "modules/m1.yaml:10: [checkpoints[0].answer] m1-when: 4 of 4 single questions shown in "
        "authored order have their key at A (above 50%): m1-when, m1-s1, m1-s2, m1-s3; vary "
        "the key's place, or let the options shuffle"
    ]


def test_shuffled_options_need_no_balance_but_a_pinned_key_does(course: Course) -> None:
    _four_singles_keyed_a(course)
    course.course["policy"] = {"lint": {"near_duplicate": 0.99}}
    assert course.validate() == (0, [])
    for q in course.m1["checkpoints"][:1] + course.m1["checkpoints"][3:]:
        q["pinned"] = [q["answer"]]
    code, found = course.validate()
    assert code == 0  # lint findings are warnings
    assert len(found) == 1 and "4 of 4 single questions" in found[0], found


def test_multiple_choice_keys_in_the_first_places_are_found(course: Course) -> None:
    ev = _ev("m1", 2, "对所有患者进行集中隔离救治")
    course.m1["checkpoints"] += [
        {
            "id": f"m1-m{i}",
            "type": "multiple",
            "prompt": f"第{i}题：会议对救治提出了什么要求？（多选）",
            "options": [f"甲{i}", f"乙{i}", f"丙{i}", f"丁{i}"],
            "answer": [f"甲{i}", f"乙{i}"],
            "explanation": "原文写明。",
            "evidence": ev,
            "shuffle": False,
        }
        for i in range(4)
    ]
    course.course["policy"] = {"lint": {"near_duplicate": 0.99}}
    code, found = course.validate()
    assert code == 0  # lint findings are warnings
    assert found == [
        "modules/m1.yaml:46: [checkpoints[3].answer] m1-m0: 4 of 4 multiple questions shown in "
        "authored order have their key at the first options (above 50%): m1-m0, m1-m1, m1-m2, "
        "m1-m3; vary the key's place, or let the options shuffle"
    ]


# --- true/false ---------------------------------------------------------------------------------


def test_a_bank_of_true_statements_is_found(course: Course) -> None:
    ev = _ev("m1", 2, "对所有患者进行集中隔离救治")
    course.m1["checkpoints"][1]["answer"] = True
    course.m1["checkpoints"] += [
        truefalse(f"m1-t{i}", f"判断第{i}句。", True, ev) for i in range(3)
    ]
    course.course["policy"] = {"lint": {"near_duplicate": 0.99}}
    code, found = course.validate()
    assert code == 0
    assert found == [
        "course.yaml:20: [policy.lint] 4 of 4 true/false questions are keyed true (100%); the "
        "policy allows 35% to 65%: write false items that test a real misreading (keyed true: "
        "m1-patients, m1-t0, m1-t1, m1-t2)"
    ]
    for q in course.m1["checkpoints"][-2:]:
        q["answer"] = False
    assert course.validate() == (0, [])


# --- near-duplicates and leaks ---------------------------------------------------------------------


def test_a_question_asking_the_same_point_again_is_found(course: Course) -> None:
    course.notice["checkpoints"].append(
        single(
            "notice-meeting-day",
            "会议是在哪一天召开的？",
            ["1月25日", "1月21日", "1月28日", "2月4日"],
            "1月25日",
            _ev("m1", 1, "1月25日，会议决定成立应对疫情工作领导小组"),
        )
    )
    code, found = course.validate()
    assert code == 0
    duplicates = [f for f in found if "asks much the same" in f]
    assert len(duplicates) == 1, found
    assert duplicates[0].startswith(
        "modules/m1.yaml:4: [checkpoints[0].prompt] m1-when: asks much the same as "
        "notice-meeting-day (notice.yaml:12): their prompts and answers are "
    )
    assert "the policy's near_duplicate is 45%" in duplicates[0]
    # the same key in both is also a leak: each question's keyed option answers the other
    assert len(found) == 3


def test_a_prompt_that_gives_away_another_answer_is_found(course: Course) -> None:
    course.m1["checkpoints"][1]["prompt"] = "判断：1月25日的会议要求只对重症患者进行集中隔离救治。"
    code, found = course.validate()
    assert code == 0  # lint findings are warnings
    assert found == [
        "modules/m1.yaml:18: [checkpoints[1].prompt] m1-patients: its prompt or keyed option "
        "contains '1月25日', the answer of m1-when (m1.yaml:2): a learner who reads one gets "
        "the other free"
    ]


def test_a_prompt_that_quotes_the_sentence_proving_another_answer_is_found(course: Course) -> None:
    course.notice["checkpoints"][0]["prompt"] = (
        "支部学习一律采取____方式进行（会议要求，对所有患者进行集中隔离救治）。"
    )
    course.course["policy"] = {"lint": {"near_duplicate": 0.99}}
    code, found = course.validate()
    assert code == 0  # lint findings are warnings
    assert found == [
        "modules/notice.yaml:4: [checkpoints[0].prompt] notice-mode: its prompt or keyed option "
        "contains '对所有患者进行集中隔离救治', the quote that proves the answer of m1-patients "
        "(m1.yaml:16): a learner who reads one gets the other free"
    ]


def test_a_reflection_that_gives_away_an_answer_beside_it_is_found(course: Course) -> None:
    course.m1["reflections"] = [
        {
            "id": "m1-r",
            "prompt": "谈谈你对成立领导小组的理解。",
            "guidance": "好的回答说明1月25日的会议为什么作出这一决定。",
        }
    ]
    code, found = course.validate()
    assert code == 0  # lint findings are warnings
    assert found == [
        "modules/m1.yaml:41: [reflections[0].guidance] m1-r: its guidance contains '1月25日', "
        "the answer of m1-when (m1.yaml:2): a learner reads it beside the question"
    ]


def test_a_clause_of_a_keyed_option_is_an_answer_too(course: Course) -> None:
    when = course.m1["checkpoints"][0]
    when["options"] = ["1月25日，正月初一", "1月20日，腊月二十六", "1月27日", "2月3日"]
    when["answer"] = "1月25日，正月初一"
    course.m1["checkpoints"][1]["prompt"] = "判断：正月初一的会议要求只对重症患者进行集中隔离救治。"
    code, found = course.validate()
    assert code == 0  # lint findings are warnings
    assert found == [
        "modules/m1.yaml:18: [checkpoints[1].prompt] m1-patients: its prompt or keyed option "
        "contains '正月初一', the answer of m1-when (m1.yaml:2): a learner who reads one gets "
        "the other free"
    ]


# --- untested paragraphs --------------------------------------------------------------------------


def test_paragraphs_no_checkpoint_cites_are_listed_per_module(course: Course) -> None:
    course.m1_md = M1_MD + "\n会议要求加强舆论引导。\n\n会议要求做好春节后返程疫情防控工作。\n"
    code, found = course.validate()
    assert code == 0  # lint findings are warnings
    assert found == [
        "modules/m1.md:15: m1: no checkpoint cites 附件一 ¶4、¶5; test them, or list them "
        "under 'untested' in m1.yaml with a reason"
    ]
    course.m1["untested"] = [
        {"paragraph": 4, "reason": "与¶2重复"},
        {"paragraph": 5, "reason": "落款"},
        {"paragraph": 3, "reason": "误列"},
    ]
    code, found = course.validate()
    assert code == 0  # lint findings are warnings
    assert found == [
        "modules/m1.yaml:43: [untested[2].paragraph] lists 附件一 ¶3 as untested, but a "
        "checkpoint cites it: take it off the list"
    ]


# --- the glossary ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"evidence": []},
            "领导小组: the definition cites no evidence: add where the packet says it (module, "
            "paragraph, quote), and move anything beyond the packet to 'general' with a source",
        ),
        (
            {"evidence": _ev("m1", 2, "对所有患者进行集中隔离救治")},
            "领导小组: no evidence quote contains the term or one of its aliases",
        ),
        (
            {"definition": "附件一¶1：会议决定成立“应对疫情领导机构”的领导小组。"},
            "领导小组: quotes “应对疫情领导机构”, which no evidence quote contains",
        ),
        (
            {
                "definition": "为某项重要工作设立的临时性议事协调机构，由各部门负责同志组成的领导小组。"
            },
            "领导小组: only 12% of the definition's wording is in its evidence (the policy asks "
            "for 60%): say what the packet says, and put anything else under 'general' with a "
            "source",
        ),
    ],
    ids=["no-evidence", "evidence-without-the-term", "quote-not-in-evidence", "beyond-the-packet"],
)
def test_a_glossary_definition_must_be_grounded(
    course: Course, change: dict[str, Any], expected: str
) -> None:
    course.glossary["terms"][0].update(change)
    code, found = course.validate()
    assert code == 0
    assert expected in [f.split("] ", 1)[1] for f in found], found
    assert all(f.startswith("glossary.yaml:") for f in found), found


def test_general_knowledge_is_kept_apart_from_the_grounded_definition(course: Course) -> None:
    course.glossary["terms"][0]["general"] = {
        "text": "领导小组一般由有关部门负责同志组成。",
        "source": "某出版社《某辞典》第1版，第10页",
    }
    assert course.validate() == (0, [])


# --- a strict policy ------------------------------------------------------------------------------


def test_a_strict_policy_makes_findings_errors(course: Course) -> None:
    course.m1_md = M1_MD + "\n会议要求加强舆论引导。\n"
    course.course["policy"] = {"lint": {"errors": True}}
    code, found = course.validate()
    assert code == 2
    assert found == [
        "modules/m1.md:15: m1: no checkpoint cites 附件一 ¶4; test them, or list them under "
        "'untested' in m1.yaml with a reason"
    ]
