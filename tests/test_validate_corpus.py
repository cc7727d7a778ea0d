"""A corpus of broken course folders: each reports its exact problem and exits 2.

Every case starts from the same small valid course, breaks one thing, and
asserts the line ``coursekit validate`` prints (file, line, field, message).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from coursekit import CoursekitError, load_course
from coursekit.cli import main
from coursekit.errors import CourseInvalid

COURSE_YAML = """\
id: mini
title: 迷你课程
issuer: 某党支部
date: 2020-02-04
notice_module: notice
modules: [notice, m1]
categories:
  - id: c1
    name: 工作要求
study_format:
  mode: 分散个人自学
  online: [微信群]
  schedule: 时间不作统一安排
  evidence:
    module: notice
    paragraph: 1
    quote: 支部学习一律采取分散个人自学方式进行
"""

NOTICE_MD = """\
---
id: notice
label: 通知
title: 学习通知
category: c1
published: 2020-02-04
---

支部学习一律采取分散个人自学方式进行，时间不作统一安排。

请各支部结合实际抓好组织实施。
"""

M1_MD = """\
---
id: m1
label: 附件一
title: 第一份材料
category: c1
source: 新华网
published: 2020-01-25
---

1月25日，会议决定成立领导小组。

## 二、具体要求

要坚持早发现、早报告、早隔离、早治疗。
"""

M1_YAML = """\
checkpoints:
  - id: m1-when
    type: single
    prompt: 会议在哪一天召开？
    options: [1月20日, 1月25日]
    answer: 1月25日
    explanation: 原文写明1月25日。
    evidence:
      module: m1
      paragraph: 1
      quote: 1月25日，会议决定成立领导小组
  - id: m1-order
    type: order
    prompt: 按原文顺序排列。
    answer: [早发现, 早报告, 早隔离, 早治疗]
    explanation: 原文依次列出。
    evidence: {module: m1, paragraph: 2, quote: 早发现、早报告、早隔离、早治疗}
reflections:
  - id: m1-r1
    prompt: 结合本职工作谈谈体会。
    guidance: 写出一件具体的事。
    min_chars: 50
"""

GLOSSARY_YAML = """\
terms:
  - term: 领导小组
    definition: 为某项工作设立的领导机构。
"""


def write_course(root: Path) -> Path:
    (root / "modules").mkdir(parents=True)
    (root / "course.yaml").write_text(COURSE_YAML, encoding="utf-8")
    (root / "modules" / "notice.md").write_text(NOTICE_MD, encoding="utf-8")
    (root / "modules" / "m1.md").write_text(M1_MD, encoding="utf-8")
    (root / "modules" / "m1.yaml").write_text(M1_YAML, encoding="utf-8")
    (root / "glossary.yaml").write_text(GLOSSARY_YAML, encoding="utf-8")
    return root


def edit(name: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / name
        text = path.read_text(encoding="utf-8")
        if old not in text:
            raise ValueError(f"test setup: {old!r} not in {name}")
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def write(name: str, content: str | bytes) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")

    return apply


def remove(name: str) -> Callable[[Path], None]:
    return lambda root: (root / name).unlink()


def together(*changes: Callable[[Path], None]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        for change in changes:
            change(root)

    return apply


def rename(name: str, new_name: str) -> Callable[[Path], None]:
    return lambda root: (root / name).rename(root / new_name)


def replace_with_folder(name: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / name).unlink()
        (root / name).mkdir()

    return apply


def replace_with_link(name: str, target: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / name).unlink()
        (root / name).symlink_to(target)

    return apply


# (case id, how to break the course, the exact line(s) expected on stderr)
CASES: list[tuple[str, Callable[[Path], None], list[str]]] = [
    (
        "yaml-syntax",
        edit("course.yaml", "title: 迷你课程", "title: [迷你课程"),
        ["course.yaml:3: YAML syntax error: expected ',' or ']', but got ':'"],
    ),
    (
        "missing-title",
        edit("course.yaml", "title: 迷你课程\n", ""),
        ["course.yaml:1: [title] is missing"],
    ),
    (
        "empty-module-title",
        edit("modules/m1.md", "title: 第一份材料", "title: ''"),
        ["modules/m1.md:4: [title] is empty"],
    ),
    (
        "wrong-type",
        edit("modules/m1.yaml", "min_chars: 50", "min_chars: 很多"),
        ["modules/m1.yaml:22: [reflections[0].min_chars] should be a whole number"],
    ),
    (
        "duplicate-checkpoint-id",
        edit("modules/m1.yaml", "id: m1-order", "id: m1-when"),
        [
            "modules/m1.yaml:2: [checkpoints[0].id] checkpoint id 'm1-when' is used more than once",
            "modules/m1.yaml:12: [checkpoints[1].id] checkpoint id 'm1-when' is used more than once",
        ],
    ),
    (
        "order-names-missing-module",
        edit("course.yaml", "modules: [notice, m1]", "modules: [notice, m1, m2]"),
        ["course.yaml:6: [modules[2]] names module 'm2', but modules/m2.md does not exist"],
    ),
    (
        "answer-not-an-option",
        edit("modules/m1.yaml", "answer: 1月25日", "answer: 1月26日"),
        ["modules/m1.yaml:6: [checkpoints[0].answer] answer '1月26日' is not among the options"],
    ),
    (
        "quote-not-found",
        edit(
            "modules/m1.yaml",
            "quote: 1月25日，会议决定成立领导小组",
            "quote: 1月25日，会议决定成立工作专班",
        ),
        [
            "modules/m1.yaml:11: [checkpoints[0].evidence[0].quote] quote not found verbatim in 附件一 ¶1: '1月25日，会议决定成立工作专班'"
        ],
    ),
    (
        "paragraph-out-of-range",
        edit("modules/m1.yaml", "paragraph: 2", "paragraph: 7"),
        [
            "modules/m1.yaml:17: [checkpoints[1].evidence[0].paragraph] cites 附件一 ¶7, but m1 has paragraphs 1 to 2"
        ],
    ),
    (
        "evidence-unknown-module",
        edit("modules/m1.yaml", "module: m1\n      paragraph: 1", "module: m9\n      paragraph: 1"),
        [
            "modules/m1.yaml:9: [checkpoints[0].evidence[0].module] cites module 'm9', which the course does not have"
        ],
    ),
    (
        "impossible-date",
        edit("modules/m1.md", "published: 2020-01-25", "published: 2020-02-30"),
        ["modules/m1.md:7: [published] is not a real date (use YYYY-MM-DD)"],
    ),
    (
        "impossible-course-date",
        edit("course.yaml", "date: 2020-02-04", "date: 2020-13-01"),
        ["course.yaml:4: [date] is not a real date (use YYYY-MM-DD)"],
    ),
    (
        "not-utf8",
        write("modules/m1.md", b"---\nid: m1\n" + "title: 材料\n".encode("gb18030")),
        ["modules/m1.md:3: is not UTF-8 text (byte 0xb2); save it as UTF-8"],
    ),
    (
        "empty-module",
        write("modules/m1.md", "---\nid: m1\nlabel: 附件一\ntitle: 空\ncategory: c1\n---\n\n"),
        ["modules/m1.md: the module has no text: write at least one paragraph"],
    ),
    (
        "no-front-matter",
        write("modules/m1.md", "1月25日，会议决定成立领导小组。\n"),
        ["modules/m1.md:1: needs YAML front matter between two '---' lines at the top"],
    ),
    (
        "unknown-field",
        edit("modules/m1.md", "source: 新华网", "sauce: 新华网"),
        ["modules/m1.md:6: [sauce] is not a known field (check the spelling)"],
    ),
    (
        "non-ascii-id",
        edit("modules/m1.md", "id: m1", "id: 附件一"),
        [
            "modules/m1.md:2: [id] should be an ASCII id (lower-case letters, digits, hyphens; starts with a letter)"
        ],
    ),
    (
        "id-does-not-match-file",
        edit("modules/m1.md", "id: m1", "id: m2"),
        ["modules/m1.md:2: [id] is 'm2' but the file is named m1.md"],
    ),
    (
        "unknown-category",
        edit("modules/m1.md", "category: c1", "category: c9"),
        ["modules/m1.md:5: [category] 'c9' is not a category in course.yaml (c1)"],
    ),
    (
        "unknown-question-type",
        edit("modules/m1.yaml", "type: single", "type: essay"),
        [
            "modules/m1.yaml:3: [checkpoints[0].type] type should be one of: single, multiple, truefalse, fill, order, match"
        ],
    ),
    (
        "missing-explanation",
        edit("modules/m1.yaml", "    explanation: 原文写明1月25日。\n", ""),
        ["modules/m1.yaml:2: [checkpoints[0].explanation] is missing"],
    ),
    (
        "duplicate-in-order",
        edit(
            "modules/m1.yaml",
            "[早发现, 早报告, 早隔离, 早治疗]",
            "[早发现, 早报告, 早报告, 早治疗]",
        ),
        [
            "modules/m1.yaml:15: [checkpoints[1].answer] lists the same item twice, so the order is ambiguous"
        ],
    ),
    (
        "glossary-term-absent",
        edit("glossary.yaml", "term: 领导小组", "term: 指挥部"),
        ["glossary.yaml:2: [terms[0].term] term '指挥部' does not occur in any module"],
    ),
    (
        "unlisted-module-file",
        write(
            "modules/m3.md",
            "---\nid: m3\nlabel: 附件三\ntitle: 多余\ncategory: c1\n---\n\n正文。\n",
        ),
        ["modules/m3.md: is not listed in course.yaml 'modules', so it would never be shown"],
    ),
    (
        "notice-module-not-listed",
        edit("course.yaml", "notice_module: notice", "notice_module: cover"),
        ["course.yaml:5: [notice_module] names 'cover', which is not in 'modules'"],
    ),
    ("missing-course-yaml", remove("course.yaml"), ["course.yaml: file not found"]),
    (
        "wrong-shape",
        write("glossary.yaml", "- 领导小组\n"),
        ["glossary.yaml:1: should be a mapping of fields"],
    ),
    (
        "too-few-options",
        edit("modules/m1.yaml", "options: [1月20日, 1月25日]", "options: [1月25日]"),
        ["modules/m1.yaml:5: [checkpoints[0].options] needs at least 2 entries"],
    ),
    (
        "policy-min-checkpoints",
        edit(
            "course.yaml",
            "modules: [notice, m1]",
            "modules: [notice, m1]\npolicy:\n  min_checkpoints: 3",
        ),
        [
            "modules/m1.yaml:1: [checkpoints] module m1 has 2 checkpoints; the course policy asks for at least 3",
            "course.yaml: module notice has 0 checkpoints; the course policy asks for at least 3",
        ],
    ),
    (
        "policy-min-reflections",
        edit(
            "course.yaml",
            "modules: [notice, m1]",
            "modules: [notice, m1]\npolicy:\n  min_reflections: 2",
        ),
        [
            "modules/m1.yaml:18: [reflections] module m1 has 1 reflection prompts; the course policy asks for at least 2"
        ],
    ),
    (
        "policy-min-fill",
        edit(
            "course.yaml", "modules: [notice, m1]", "modules: [notice, m1]\npolicy:\n  min_fill: 1"
        ),
        [
            "course.yaml:8: [policy.min_fill] the course has 0 fill questions; the policy asks for at least 1"
        ],
    ),
    (
        "policy-min-order",
        edit(
            "course.yaml", "modules: [notice, m1]", "modules: [notice, m1]\npolicy:\n  min_order: 2"
        ),
        [
            "course.yaml:8: [policy.min_order] the course has 1 order questions; the policy asks for at least 2"
        ],
    ),
    (
        "policy-type-mix",
        edit(
            "course.yaml",
            "modules: [notice, m1]",
            "modules: [notice, m1]\npolicy:\n  all_types_per_module: 3",
        ),
        [
            "modules/m1.yaml:1: [checkpoints] module m1 uses 2 question types (order, single); the course policy asks for at least 3"
        ],
    ),
    (
        "policy-trainer-notes",
        edit(
            "course.yaml",
            "modules: [notice, m1]",
            "modules: [notice, m1]\npolicy:\n  trainer_notes: true",
        ),
        ["modules/m1.yaml:1: [trainer_notes] module m1 has no trainer notes"],
    ),
    # -- course files: every file is a regular file, read as safe YAML, and used or reported
    (
        "duplicate-key",
        edit(
            "modules/m1.yaml", "    answer: 1月25日\n", "    answer: 1月25日\n    answer: 1月20日\n"
        ),
        [
            "modules/m1.yaml:7: [checkpoints[0].answer] duplicate key 'answer' (first at line 6); YAML would keep only the last"
        ],
    ),
    (
        "duplicate-key-in-front-matter",
        edit("modules/m1.md", "source: 新华网\n", "source: 新华网\nsource: 人民网\n"),
        [
            "modules/m1.md:7: [source] duplicate key 'source' (first at line 6); YAML would keep only the last"
        ],
    ),
    (
        "duplicate-key-in-course-yaml",
        edit("course.yaml", "date: 2020-02-04\n", "date: 2020-02-04\ntitle: 另一个标题\n"),
        [
            "course.yaml:5: [title] duplicate key 'title' (first at line 2); YAML would keep only the last"
        ],
    ),
    (
        "key-that-is-not-text",
        edit("modules/m1.yaml", "checkpoints:\n", "5: x\ncheckpoints:\n"),
        ["modules/m1.yaml:1: has a key 5 that is not a known field (check the spelling)"],
    ),
    (
        "recursive-alias",
        write("modules/m1.yaml", "checkpoints: &c [*c]\n"),
        [
            "modules/m1.yaml:1: alias *c stands inside the collection it names (a recursive structure); course files cannot hold one"
        ],
    ),
    (
        "impossible-tagged-date",
        edit("modules/m1.md", "published: 2020-01-25", "published: !!timestamp 2020-13-45"),
        ["modules/m1.md:7: this value cannot be read (month must be in 1..12); put text in quotes"],
    ),
    (
        "glossary-is-a-folder",
        replace_with_folder("glossary.yaml"),
        ["glossary.yaml: is a folder, not a file"],
    ),
    (
        "glossary-is-a-broken-link",
        replace_with_link("glossary.yaml", "nowhere.yaml"),
        ["glossary.yaml: is a link to nowhere.yaml, which does not exist"],
    ),
    (
        "exercises-is-a-broken-link",
        lambda root: (root / "exercises.yaml").symlink_to("gone/exercises.yaml"),
        ["exercises.yaml: is a link to gone/exercises.yaml, which does not exist"],
    ),
    (
        "module-yaml-is-a-folder",
        replace_with_folder("modules/m1.yaml"),
        ["modules/m1.yaml: is a folder, not a file"],
    ),
    (
        "module-md-is-a-broken-link",
        replace_with_link("modules/m1.md", "m1-draft.md"),
        ["modules/m1.md: is a link to m1-draft.md, which does not exist"],
    ),
    (
        "orphan-module-yaml",
        write("modules/m2.yaml", "checkpoints: []\n"),
        ["modules/m2.yaml: has no m2.md beside it, so its questions would never be shown"],
    ),
    (
        "unlisted-module-with-questions",
        together(
            write(
                "modules/m3.md",
                "---\nid: m3\nlabel: 附件三\ntitle: 多余\ncategory: c1\n---\n\n正文。\n",
            ),
            write("modules/m3.yaml", "checkpoints: []\n"),
        ),
        [
            "modules/m3.md: is not listed in course.yaml 'modules', so it would never be shown",
            "modules/m3.yaml: holds questions for module 'm3', which course.yaml does not list",
        ],
    ),
    (
        "module-questions-in-yml",
        rename("modules/m1.yaml", "modules/m1.yml"),
        ["modules/m1.yml: is never read: coursekit reads modules/m1.yaml (rename it)"],
    ),
    (
        "glossary-in-yml",
        write("glossary.yml", "terms: []\n"),
        ["glossary.yml: is never read: coursekit reads glossary.yaml (rename it)"],
    ),
    (
        "course-yaml-named-yml",
        rename("course.yaml", "course.yml"),
        ["course.yaml: file not found (rename course.yml to course.yaml)"],
    ),
    # -- ids and names given twice
    (
        "module-listed-twice",
        edit("course.yaml", "modules: [notice, m1]", "modules: [notice, m1, m1]"),
        ["course.yaml:6: [modules[2]] module 'm1' is listed twice"],
    ),
    (
        "live-address-not-http",  # it becomes a link on every module page
        edit(
            "course.yaml",
            "notice_module: notice\n",
            "notice_module: notice\nlive:\n  binder: javascript:alert(1)\n  notebooks: ../nb\n",
        ),
        [
            "course.yaml:7: [live.binder] should be an http:// or https:// address, without "
            "?query or #fragment",
            "course.yaml:8: [live.notebooks] should be a folder path such as notebooks or "
            "course/notebooks",
        ],
    ),
    (
        "module-named-index",  # trainer/index.html is the site's trainers' index
        edit("course.yaml", "modules: [notice, m1]", "modules: [notice, m1, index]"),
        [
            "course.yaml:6: [modules[2]] module id 'index' is taken by the site's trainer "
            "index; rename it",
            "course.yaml:6: [modules[2]] names module 'index', but modules/index.md does not exist",
        ],
    ),
    (
        "category-id-twice",
        edit(
            "course.yaml",
            "    name: 工作要求\n",
            "    name: 工作要求\n  - id: c1\n    name: 其他\n",
        ),
        ["course.yaml:7: [categories] category id 'c1' is used twice"],
    ),
    (
        "glossary-term-twice",
        edit(
            "glossary.yaml",
            "    definition: 为某项工作设立的领导机构。\n",
            "    definition: 为某项工作设立的领导机构。\n  - term: 领导小组\n    definition: 又一个定义。\n",
        ),
        [
            "glossary.yaml:2: [terms[0].term] term '领导小组' is defined twice",
            "glossary.yaml:4: [terms[1].term] term '领导小组' is defined twice",
        ],
    ),
    (
        "reflection-id-twice",
        edit(
            "modules/m1.yaml",
            "    min_chars: 50\n",
            "    min_chars: 50\n  - id: m1-r1\n    prompt: 再谈体会。\n    guidance: 写一件事。\n",
        ),
        [
            "modules/m1.yaml:19: [reflections[0].id] reflection id 'm1-r1' is used more than once",
            "modules/m1.yaml:23: [reflections[1].id] reflection id 'm1-r1' is used more than once",
        ],
    ),  # -- evidence that cites front matter, pinned options, feedback, untested paragraphs
    (
        "front-matter-evidence-not-in-the-field",
        edit(
            "modules/m1.yaml",
            "      module: m1\n      paragraph: 1\n      quote: 1月25日，会议决定成立领导小组",
            "      module: m1\n      meta: published\n      quote: 2020年1月26日",
        ),
        [
            "modules/m1.yaml:11: [checkpoints[0].evidence[0].quote] quote not found in 附件一's "
            "published: '2020年1月26日' (it reads '2020-01-25' or '2020年1月25日')"
        ],
    ),
    (
        "evidence-cites-paragraph-and-field",
        edit(
            "modules/m1.yaml", "      paragraph: 1\n", "      paragraph: 1\n      meta: published\n"
        ),
        [
            "modules/m1.yaml:8: [checkpoints[0].evidence[0]] cite either a paragraph or a "
            "front-matter field (meta), not both"
        ],
    ),
    (
        "pinned-option-not-an-option",
        edit(
            "modules/m1.yaml",
            "    answer: 1月25日\n",
            "    answer: 1月25日\n    pinned: [以上都不对]\n",
        ),
        [
            "modules/m1.yaml:7: [checkpoints[0].pinned[0]] pins '以上都不对', which is not among the options"
        ],
    ),
    (
        "feedback-on-an-option-not-listed",
        edit(
            "modules/m1.yaml",
            "    answer: 1月25日\n",
            "    answer: 1月25日\n    feedback: [{option: 1月27日, explanation: 那是另一次指示。}]\n",
        ),
        [
            "modules/m1.yaml:7: [checkpoints[0].feedback[0].option] explains '1月27日', "
            "which is not among the options"
        ],
    ),
    (
        "feedback-on-the-key",
        edit(
            "modules/m1.yaml",
            "    answer: 1月25日\n",
            "    answer: 1月25日\n    feedback:\n      - {option: 1月25日, explanation: 错。}\n"
            "      - {option: 1月20日, explanation: 那是指示的日期。}\n"
            "      - {option: 1月20日, explanation: 又一遍。}\n",
        ),
        [
            "modules/m1.yaml:8: [checkpoints[0].feedback[0].option] explains '1月25日' as wrong, "
            "but it is keyed as right",
            "modules/m1.yaml:7: [checkpoints[0].feedback] explains '1月20日' twice",
        ],
    ),
    (
        "feedback-on-an-accepted-fill-answer",
        edit(
            "modules/m1.yaml",
            "reflections:\n",
            "  - id: m1-fill\n    type: fill\n    prompt: 会议决定成立____。\n"
            "    answer: [领导小组]\n    feedback: [{option: “领导小组”, explanation: 错。}]\n"
            "    explanation: 原文如此。\n"
            "    evidence: {module: m1, paragraph: 1, quote: 会议决定成立领导小组}\n"
            "reflections:\n",
        ),
        [
            "modules/m1.yaml:22: [checkpoints[2].feedback[0].option] explains '“领导小组”' as "
            "wrong, but it is an accepted answer"
        ],
    ),
    (
        "untested-paragraph-the-module-lacks",
        edit(
            "modules/m1.yaml",
            "reflections:\n",
            "untested:\n  - {paragraph: 7, reason: 没有第七段}\n  - {paragraph: 2, reason: 抬头}\n"
            "  - {paragraph: 2, reason: 又一遍}\n"
            "reflections:\n",
        ),
        [
            "modules/m1.yaml:19: [untested[0].paragraph] lists 附件一 ¶7 as untested, but m1 has "
            "paragraphs 1 to 2",
            "modules/m1.yaml:21: [untested[2].paragraph] lists ¶2 twice",
        ],
    ),
    (
        "glossary-evidence-not-in-the-paragraph",
        edit(
            "glossary.yaml",
            "    definition: 为某项工作设立的领导机构。\n",
            "    definition: 会议决定成立领导小组。\n"
            "    evidence: {module: m1, paragraph: 2, quote: 会议决定成立领导小组}\n",
        ),
        [
            "glossary.yaml:4: [terms[0].evidence[0].quote] quote not found verbatim in 附件一 ¶2: "
            "'会议决定成立领导小组'"
        ],
    ),
]

# What `validate` reports as a warning, not a problem: covered by tests of the warnings.
WARNINGS = ("is not part of the course", "loads slowly on a phone", "characters of text; above")


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return write_course(tmp_path / "course")


def test_the_base_course_is_valid(course: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(course)])
    assert result.exit_code == 0, result.output
    assert "OK: the course is valid." in result.output
    assert " 2. m1        附件一 《第一份材料》 ¶2" in result.output


def _messages_in_validate() -> list[str]:
    """The fixed text of every problem message validate.py writes (the longest literal part)."""
    import ast

    import coursekit.validate

    tree = ast.parse(Path(coursekit.validate.__file__).read_text(encoding="utf-8"))

    def pieces(node: ast.expr) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.JoinedStr):
            return [v.value for v in node.values if isinstance(v, ast.Constant)]
        if isinstance(node, ast.IfExp):
            return pieces(node.body) + pieces(node.orelse)
        return []

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {
            "problem_at",
            "Problem",
            "at",
        }:
            for piece in pieces(node.args[-1]) if node.args else []:
                text = max(piece.split("{")[0].split("'"), key=len).strip()
                if len(text) >= 8:
                    found.append(text)
    return sorted(set(found))


def test_every_problem_validate_can_report_has_a_case() -> None:
    messages = _messages_in_validate()
    assert len(messages) >= 25, messages  # the reader above still finds validate's messages
    expected = [line for _, _, lines in CASES for line in lines]
    uncovered = [
        m
        for m in messages
        if not any(m in line for line in expected) and not any(w in m for w in WARNINGS)
    ]
    assert uncovered == [], f"problems validate reports that no case in CASES shows: {uncovered}"
    names = [case for case, _, _ in CASES]
    assert len(set(names)) == len(names), "two cases share a name"


@pytest.mark.parametrize(("case", "breakage", "expected"), CASES, ids=[c[0] for c in CASES])
def test_broken_course_reports_the_exact_problem(
    course: Path, case: str, breakage: Callable[[Path], None], expected: list[str]
) -> None:
    breakage(course)
    result = CliRunner().invoke(main, ["validate", str(course)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [
        line.removeprefix("error: ").replace(str(course) + "/", "")
        for line in result.stderr.splitlines()
        if line.startswith("error: ")
    ]
    for line in expected:
        # module files are relative to the course folder; course.yaml problems without a
        # line come from checks that name the module (policy), so compare loosely there
        if line.startswith("course.yaml: module"):
            assert any(line.split(": ", 1)[1] in got for got in lines), (line, lines)
        else:
            assert line in lines, (line, lines)
    assert result.stderr.rstrip().endswith("nothing was written.")


def test_all_problems_are_reported_at_once(course: Path) -> None:
    edit("modules/m1.yaml", "answer: 1月25日", "answer: 1月26日")(course)
    edit("modules/notice.md", "title: 学习通知", "title: ''")(course)
    edit("glossary.yaml", "definition: 为某项工作设立的领导机构。", "definition: 3")(course)
    with pytest.raises(CourseInvalid) as info:
        load_course(course)
    found = sorted((Path(p.file).name, p.line, p.field, p.message) for p in info.value.problems)
    assert found == [
        ("glossary.yaml", 3, "terms[0].definition", "should be text"),
        ("m1.yaml", 6, "checkpoints[0].answer", "answer '1月26日' is not among the options"),
        ("notice.md", 4, "title", "is empty"),
    ]


def test_errors_derive_from_one_base(course: Path) -> None:
    remove("course.yaml")(course)
    with pytest.raises(CoursekitError):
        load_course(course)


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "is not a course folder (no such folder)" in result.stderr
