"""Small, valid courses written to a folder, for tests and benchmarks.

``write_course(tmp_path)`` writes a two-module course: ``overview`` (the
notice, which also carries a course-level exercise) and ``a1``, whose
checkpoints use all six question types (one each), two reflections, trainer
notes and glossary terms. Overrides:

``hostile=True``
    puts :data:`HOSTILE` strings into the title, a heading, a paragraph, an
    option, an explanation, a quote, a glossary definition and a reflection.
``long_paragraphs=N``
    appends N filler paragraphs (about 200 characters each) to ``a1``.
``course_id``, ``reveal_after``, ``min_chars``
    change those fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from coursekit import Course, load_course
from coursekit.store import SQLiteStore

__all__ = ["HOSTILE", "course", "hostile_course", "store", "store_path", "write_course"]

HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "javascript:alert(3)",
)
HOSTILE_TEXT = "示例" + "".join(HOSTILE) + "结束"

OVERVIEW_TEXT = [
    "为做好疫情防控期间党员教育工作，现将**学习资料**印发给你们。",
    "学习采取分散个人自学方式，时间不作统一安排。",
    "各级党组织要加强督促指导。",
]

A1_SECTIONS: list[tuple[str, list[str]]] = [
    (
        "一、背景",
        [
            "新冠肺炎疫情发生后，**党中央**高度重视。",
            "1月20日，国务院常务会议部署防控工作。",
            "1月23日，武汉市关闭离汉通道。",
        ],
    ),
    (
        "二、要求",
        [
            "2月5日，市委组织部印发通知，要求党员分散个人自学。",
            "戴口罩、勤洗手、常通风是个人防护的基本措施。",
        ],
    ),
]
FILLER = (
    "各级党组织和广大党员要坚决贯彻落实党中央决策部署，把疫情防控作为当前最重要的工作来抓，"
    "在防控一线践行初心使命、体现责任担当，做到守土有责、守土担责、守土尽责，"
    "确保各项防控措施落到实处，切实维护人民群众生命安全和身体健康，"
    "同时做好学习资料的阅读和思考，结合岗位实际谈体会、找差距、抓落实。"
)


def _ev(module: str, paragraph: int, quote: str) -> dict[str, Any]:
    return {"module": module, "paragraph": paragraph, "quote": quote}


def _a1_extras(hostile: bool, reveal_after: int | None, min_chars: int) -> dict[str, Any]:
    single: dict[str, Any] = {
        "id": "q-single",
        "type": "single",
        "prompt": "疫情发生后，谁**高度重视**？",
        "options": ["党中央", "市委组织部", "国务院"],
        "answer": "党中央",
        "explanation": "第一段写明党中央高度重视。",
        "evidence": _ev("a1", 1, "党中央高度重视"),
        "feedback": [{"option": "国务院", "explanation": "第一段说的是党中央，国务院在第二段。"}],
    }
    if hostile:
        single["options"].append(HOSTILE[1])
        single["explanation"] += HOSTILE[0]
        single["evidence"] = [_ev("a1", 1, "党中央高度重视"), _ev("a1", 6, HOSTILE_TEXT)]
    if reveal_after is not None:
        single["reveal_after"] = reveal_after
    reflections = [
        {
            "id": "r-a1-duty",
            "prompt": "结合本职工作，谈谈你在疫情防控中能做些什么。",
            "guidance": "写出一两件具体的事。",
            "min_chars": min_chars,
        },
        {
            "id": "r-a1-study",
            "prompt": "你打算怎样安排自学时间？",
            "guidance": "说明时间和方式。",
            "min_chars": min_chars,
        },
    ]
    if hostile:
        reflections[0]["prompt"] += HOSTILE[0] + HOSTILE[2]
        reflections[0]["guidance"] += HOSTILE[1]
    return {
        "checkpoints": [
            single,
            {
                "id": "q-multiple",
                "type": "multiple",
                "prompt": "哪些是个人防护的基本措施？",
                "options": ["戴口罩", "勤洗手", "常通风", "多聚会"],
                "answer": ["戴口罩", "勤洗手", "常通风"],
                "explanation": "第五段列出了三项基本措施。",
                "evidence": _ev("a1", 5, "戴口罩、勤洗手、常通风"),
            },
            {
                "id": "q-truefalse",
                "type": "truefalse",
                "prompt": "判断：各支部要在2月5日集中开会。",
                "answer": False,
                "explanation": "通知要求的是分散个人自学。",
                "evidence": _ev("a1", 4, "要求党员分散个人自学"),
            },
            {
                "id": "q-fill",
                "type": "fill",
                "prompt": "通知要求党员____。",
                "answer": ["分散个人自学", "分散自学"],
                "explanation": "第四段写明学习方式。",
                # a list: model.FillBlank's validator shadows the one-or-many evidence validator
                "evidence": [_ev("a1", 4, "分散个人自学")],
            },
            {
                "id": "q-order",
                "type": "order",
                "prompt": "按时间先后排列下列事件。",
                "answer": [
                    "国务院常务会议部署防控工作",
                    "武汉市关闭离汉通道",
                    "市委组织部印发通知",
                ],
                "explanation": "1月20日、1月23日、2月5日。",
                "evidence": [
                    _ev("a1", 2, "1月20日"),
                    _ev("a1", 3, "1月23日"),
                    _ev("a1", 4, "2月5日"),
                ],
            },
            {
                "id": "q-match",
                "type": "match",
                "prompt": "把下列内容归入相应类别。",
                "options": ["防护措施", "学习要求"],
                "answer": [
                    {"item": "戴口罩", "answer": "防护措施"},
                    {"item": "分散个人自学", "answer": "学习要求"},
                ],
                "explanation": "戴口罩是防护措施，分散个人自学是学习要求。",
                "evidence": [_ev("a1", 5, "戴口罩"), _ev("a1", 4, "分散个人自学")],
                "reveal_after": 1,
            },
        ],
        "reflections": reflections,
        "trainer_notes": {
            "key_points": ["党中央高度重视疫情防控。"],
            "discussion": ["本单位如何落实防护措施？"],
            "minutes": 20,
            "misreadings": ["把分散自学误读为不必学习。"],
        },
    }


def _write_yaml(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _write_module(
    path: Path, front: dict[str, Any], sections: list[tuple[str | None, list[str]]]
) -> None:
    body: list[str] = []
    for heading, paragraphs in sections:
        if heading:
            body.append(f"## {heading}")
        body.extend(paragraphs)
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n\n"
    path.write_text(text + "\n\n".join(body) + "\n", encoding="utf-8")


def write_course(
    tmp_path: Path,
    *,
    hostile: bool = False,
    long_paragraphs: int = 0,
    course_id: str = "demo",
    reveal_after: int | None = None,
    min_chars: int = 20,
    lang: str = "zh",
) -> Path:
    """Write the course into ``tmp_path / "course"`` and return that folder.

    ``lang`` is the course's UI language; the content stays Chinese either way.
    """
    root = tmp_path / "course"
    modules = root / "modules"
    modules.mkdir(parents=True, exist_ok=True)
    _write_yaml(
        root / "course.yaml",
        {
            "id": course_id,
            "title": "二月主题党日学习资料",
            "issuer": "市委组织部",
            "date": "2020-02-05",
            "lang": lang,
            "notice_module": "overview",
            "modules": ["overview", "a1"],
            "categories": [{"id": "notice", "name": "通知"}, {"id": "policy", "name": "政策文件"}],
            "study_format": {
                "mode": "分散个人自学",
                "online": ["微信群"],
                "schedule": "时间不作统一安排",
                "evidence": _ev("overview", 2, "分散个人自学"),
            },
            "requirements": [
                {
                    "who": "organisations",
                    "summary": "督促指导",
                    "evidence": _ev("overview", 3, "督促指导"),
                }
            ],
        },
    )
    _write_module(
        modules / "overview.md",
        {
            "id": "overview",
            "label": "通知",
            "title": "关于开展主题党日学习的通知",
            "category": "notice",
            "issuer": "市委组织部",
            "published": "2020-02-05",
        },
        [(None, OVERVIEW_TEXT)],
    )
    _write_yaml(
        modules / "overview.yaml",
        {
            "checkpoints": [
                {
                    "id": "q-notice-tf",
                    "type": "truefalse",
                    "prompt": "学习时间不作统一安排。",
                    "answer": True,
                    "explanation": "通知写明时间不作统一安排。",
                    "evidence": _ev("overview", 2, "时间不作统一安排"),
                }
            ],
            "reflections": [],
            "untested": [{"paragraph": 3, "reason": "对各级党组织的一般要求"}],
        },
    )
    _write_yaml(
        root / "exercises.yaml",
        {
            "checkpoints": [
                {
                    "id": "q-ex-match",
                    "type": "match",
                    "prompt": "把各模块归入通知列出的学习内容类别。",
                    "options": ["通知", "政策文件"],
                    "answer": [
                        {"item": "附件一", "answer": "政策文件"},
                        {"item": "通知", "answer": "通知"},
                    ],
                    "explanation": "附件一是政策文件。",
                    "evidence": _ev("overview", 1, "学习资料"),
                }
            ]
        },
    )

    sections: list[tuple[str | None, list[str]]] = [(h, list(ps)) for h, ps in A1_SECTIONS]
    title = "疫情防控要求"
    if hostile:
        title += HOSTILE[0]
        sections.append((HOSTILE[1], [HOSTILE_TEXT]))
    for start in range(0, long_paragraphs, 10):
        count = min(10, long_paragraphs - start)
        sections.append((f"补充材料 {start // 10 + 1}", [FILLER] * count))
    _write_module(
        modules / "a1.md",
        {
            "id": "a1",
            "label": "附件一",
            "title": title,
            "category": "policy",
            "source": "新华网",
            "published": "2020-01-23",
        },
        sections,
    )
    _write_yaml(modules / "a1.yaml", _a1_extras(hostile, reveal_after, min_chars))

    definition = "附件一写明，疫情发生后“党中央高度重视”。"
    if hostile:
        definition += HOSTILE[1]
    _write_yaml(
        root / "glossary.yaml",
        {
            "terms": [
                {
                    "term": "党中央",
                    "definition": definition,
                    "evidence": _ev("a1", 1, "新冠肺炎疫情发生后，党中央高度重视"),
                    "general": {"text": "中国共产党中央委员会。", "source": "《中国共产党章程》"},
                },
                {
                    "term": "离汉通道",
                    "definition": "1月23日，“武汉市关闭离汉通道”。",
                    "aliases": ["离汉"],
                    "evidence": _ev("a1", 3, "1月23日，武汉市关闭离汉通道"),
                },
            ]
        },
    )
    return root


# --- pytest fixtures (import the ones a test module needs) -----------------------------------


@pytest.fixture(scope="session")
def course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """The factory course, loaded once."""
    return load_course(write_course(tmp_path_factory.mktemp("course")))


@pytest.fixture(scope="session")
def hostile_course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """The factory course with :data:`HOSTILE` strings in its content."""
    return load_course(write_course(tmp_path_factory.mktemp("hostile"), hostile=True))


@pytest.fixture
def store_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the default store lives in this test (``COURSEKIT_HOME`` points into tmp_path)."""
    monkeypatch.setenv("COURSEKIT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COURSEKIT_STORE", raising=False)
    return tmp_path / "home" / "learner.sqlite3"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty store on each backend: a SQLite file, and a database on a real PostgreSQL.

    The PostgreSQL case skips with the reason when no server can be started,
    and fails under ``CI=true`` (see ``tests/postgres.py``).
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'learner.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store() -> Iterator[SQLiteStore]:
    """A fresh store in memory, closed after the test."""
    db = SQLiteStore(memory=True)
    yield db
    db.close()
