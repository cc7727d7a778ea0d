"""Reading a course folder is bounded, and every file in it is used or reported.

Hostile YAML (an alias bomb, deep nesting), files that are not regular files,
files too large to be a course, and files the course does not use. The cases
that would exhaust memory, overflow the stack or block on old code run
``coursekit validate`` in a child process with a time and memory limit, so a
regression fails the test instead of taking the machine with it.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from coursefactory import write_course
from coursekit import load_course
from coursekit.cli import main
from coursekit.errors import CourseInvalid, Problem

CHILD_SECONDS = 30
CHILD_MEMORY = 2 << 30  # bytes of address space: ample for validate, far below a bomb's


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def validate_in_child(root: Path) -> tuple[int, str, float]:
    """``coursekit validate root`` in a child process: exit code, stderr, seconds taken."""
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", "from coursekit.cli import main; main()", "validate", str(root)],
        capture_output=True,
        text=True,
        timeout=CHILD_SECONDS,
        preexec_fn=_limit_memory,
    )
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started


def validate(root: Path) -> Result:
    return CliRunner().invoke(main, ["validate", str(root)])


def errors(result_output: str, root: Path) -> list[str]:
    return [
        line.removeprefix("error: ").replace(f"{root}/", "")
        for line in result_output.splitlines()
        if line.startswith("error: ")
    ]


def warnings(output: str, root: Path) -> list[str]:
    return [
        line.removeprefix("warning: ").replace(f"{root}/", "")
        for line in output.splitlines()
        if line.startswith("warning: ")
    ]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_course(tmp_path)


def test_the_factory_course_has_no_warnings(root: Path) -> None:
    result = validate(root)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert load_course(root).warnings == ()


def test_the_bundled_course_is_valid_without_warnings() -> None:
    # it holds HAND-EDITS.md, a note for people that is not a course file
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert result.output.rstrip().endswith("OK: the course is valid.")


# --- YAML: aliases, nesting, duplicate keys ---------------------------------------------

BILLION_LAUGHS = """\
checkpoints: []
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_billion_laughs_is_refused_fast(root: Path) -> None:
    (root / "modules" / "a1.yaml").write_text(BILLION_LAUGHS, encoding="utf-8")
    code, output, seconds = validate_in_child(root)
    assert code == 2, output
    assert "Traceback" not in output
    assert errors(output, root) == [
        "modules/a1.yaml:6: YAML aliases here expand to 66,430 values, more than 10,000 "
        "beyond what the file writes out; use anchors only for small reuse"
    ]
    assert seconds < 15


def test_merge_key_bomb_is_refused_fast(root: Path) -> None:
    # `<<` merges copy their pairs: each level doubles the pairs the constructor builds
    lines = ["checkpoints: []", "m0: &m0 {k0: 1, j: 2}"]
    lines += [f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], k{i}: 1}}" for i in range(1, 40)]
    (root / "modules" / "a1.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, output, seconds = validate_in_child(root)
    assert code == 2, output
    assert "Traceback" not in output
    [line] = errors(output, root)
    assert line.startswith("modules/a1.yaml:12: YAML aliases here expand to ")
    assert seconds < 15


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param("checkpoints: " + "[" * 100_000 + "]" * 100_000 + "\n", 1, id="flow"),
        pytest.param("".join(" " * i + "k:\n" for i in range(1_000)), 21, id="block"),
    ],
)
def test_deep_nesting_is_refused_without_traceback(root: Path, text: str, line: int) -> None:
    (root / "modules" / "a1.yaml").write_text(text, encoding="utf-8")
    code, output, seconds = validate_in_child(root)
    assert code == 2, output
    assert "Traceback" not in output
    assert errors(output, root) == [
        f"modules/a1.yaml:{line}: YAML nested more than 20 levels deep; "
        "course files need no more than 5"
    ]
    assert seconds < 15


def test_nesting_through_aliases_is_refused(root: Path) -> None:
    lines = ["checkpoints: []", "l0: &l0 [x]"]
    lines += [f"l{i}: &l{i} [*l{i - 1}]" for i in range(1, 30)]
    (root / "modules" / "a1.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = validate(root)
    assert result.exit_code == 2, result.output
    assert errors(result.output, root) == [
        "modules/a1.yaml:22: YAML nested more than 20 levels deep; course files need no more "
        "than 5 once its aliases are expanded"
    ]


def test_small_reuse_through_anchors_is_accepted(root: Path) -> None:
    """An anchor for an evidence mapping cited twice is what anchors are for."""
    path = root / "modules" / "a1.yaml"
    text = path.read_text(encoding="utf-8")
    first = "  evidence:\n    module: a1\n    paragraph: 5\n    quote: 戴口罩、勤洗手、常通风\n"
    assert first in text
    text = text.replace(first, first.replace("evidence:", "evidence: &measures"), 1)
    text = text.replace(
        "  - module: a1\n    paragraph: 5\n    quote: 戴口罩\n", "  - *measures\n", 1
    )
    path.write_text(text, encoding="utf-8")
    result = validate(root)
    assert result.exit_code == 0, result.output
    assert "*measures" in path.read_text(encoding="utf-8")


def test_a_second_answer_key_is_an_error_not_a_new_answer(root: Path) -> None:
    path = root / "modules" / "a1.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    first = lines.index("  answer: 党中央") + 1
    path.write_text(text.replace("  answer: 党中央\n", "  answer: 党中央\n  answer: 市委组织部\n"))
    with pytest.raises(CourseInvalid) as info:
        load_course(root)
    assert info.value.problems == [
        Problem(
            str(path),
            f"duplicate key 'answer' (first at line {first}); YAML would keep only the last",
            line=first + 1,
            field="checkpoints[0].answer",
        )
    ]


def test_keys_that_mean_the_same_are_duplicates(root: Path) -> None:
    # YAML 1.1 reads `on` and `true` as the same key; 1 and 01 as the same number
    path = root / "glossary.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "true: 1\non: 2\n", encoding="utf-8")
    result = validate(root)
    assert result.exit_code == 2
    line = len(path.read_text(encoding="utf-8").splitlines())
    assert (
        f"glossary.yaml:{line}: [on] duplicate key 'on' (first at line {line - 1}); "
        "YAML would keep only the last"
    ) in errors(result.output, root)


def test_a_number_too_long_for_python_is_a_message(root: Path) -> None:
    path = root / "modules" / "a1.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("min_chars: 20", "min_chars: " + "9" * 5000, 1))
    result = validate(root)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    [line] = errors(result.output, root)
    assert line.startswith("modules/a1.yaml:")
    assert "this value cannot be read (Exceeds the limit (4300 digits)" in line
    assert line.endswith("; put text in quotes")


# --- regular files only ------------------------------------------------------------------

COURSE_FILES = [
    "course.yaml",
    "glossary.yaml",
    "exercises.yaml",
    "modules/a1.yaml",
    "modules/a1.md",
]


def _replace(root: Path, name: str, how: str) -> None:
    path = root / name
    path.unlink()
    if how == "folder":
        path.mkdir()
    elif how == "broken link":
        path.symlink_to("missing-" + path.name)
    else:
        os.mkfifo(path)


@pytest.mark.parametrize("name", COURSE_FILES)
@pytest.mark.parametrize("how", ["folder", "broken link", "pipe"])
def test_a_course_file_that_is_not_a_regular_file_is_a_problem(
    root: Path, name: str, how: str
) -> None:
    _replace(root, name, how)
    # a child process: old code blocks on a pipe, waiting for a writer
    code, output, _ = validate_in_child(root)
    assert code == 2, output
    assert "Traceback" not in output
    expected = {
        "folder": f"{name}: is a folder, not a file",
        "broken link": f"{name}: is a link to missing-{Path(name).name}, which does not exist",
        "pipe": f"{name}: is not a regular file (a pipe, socket or device); "
        "coursekit reads only files",
    }[how]
    assert expected in errors(output, root)


def test_a_link_to_a_regular_file_is_read(root: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared-glossary.yaml"
    (root / "glossary.yaml").rename(shared)
    (root / "glossary.yaml").symlink_to(shared)
    assert len(load_course(root).glossary.terms) == 2


def test_a_byte_order_mark_is_allowed(root: Path) -> None:
    for name in ("course.yaml", "modules/a1.md"):
        path = root / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_course(root).module("a1").paragraphs


# --- sizes ----------------------------------------------------------------------------------


def test_a_yaml_file_over_2_mb_is_refused(root: Path) -> None:
    path = root / "glossary.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + "# " + "x" * 2_100_000 + "\n", encoding="utf-8"
    )
    result = validate(root)
    assert result.exit_code == 2
    assert errors(result.output, root) == [
        "glossary.yaml: is 2.2 MB; a YAML file may be at most 2 MB (split it into smaller ones)"
    ]


def test_a_markdown_file_over_5_mb_is_refused(root: Path) -> None:
    path = root / "modules" / "a1.md"
    path.write_text(
        path.read_text(encoding="utf-8") + ("疫情防控" * 250 + "\n\n") * 2_100, encoding="utf-8"
    )
    result = validate(root)
    assert result.exit_code == 2
    assert errors(result.output, root) == [
        "modules/a1.md: is 6.4 MB; a module's Markdown file may be at most 5 MB "
        "(split it into smaller ones)"
    ]


def test_a_module_over_2_million_characters_is_refused(root: Path) -> None:
    path = root / "modules" / "a1.md"
    text = path.read_text(encoding="utf-8") + ("x" * 999 + "\n\n") * 2_100
    path.write_text(text, encoding="utf-8")
    result = validate(root)
    assert result.exit_code == 2
    assert errors(result.output, root) == [
        f"modules/a1.md: the module has {len(text):,} characters; a module may have at most "
        "2,000,000 (split it into several modules)"
    ]


def test_a_module_too_long_for_a_phone_is_a_warning(root: Path) -> None:
    path = root / "modules" / "a1.md"
    paragraph = "要坚持早发现、早报告、早隔离、早治疗。" * 10
    path.write_text(path.read_text(encoding="utf-8") + f"\n{paragraph}\n" * 1_200, encoding="utf-8")
    chars = load_course(root).module("a1").char_count
    assert chars > 200_000
    result = validate(root)
    assert result.exit_code == 0, result.output
    untested = "¶6、¶7、¶8、¶9、¶10、¶11、¶12、¶13、¶14、¶15、¶16、¶17 and 1,188 more"
    assert warnings(result.output, root) == [
        f"modules/a1.md: the module has {chars:,} characters of text; above 200,000 (a handout "
        "of about 600 KB) it loads slowly on a phone: split it into several modules",
        # the bank lint names a dozen untested paragraphs and counts the rest
        f"modules/a1.md:24: a1: no checkpoint cites 附件一 {untested}; test them, or list them "
        "under 'untested' in a1.yaml with a reason",
    ]
    assert "OK: the course is valid." in result.output


def test_a_course_of_more_than_200_modules_is_refused_before_reading_them(root: Path) -> None:
    path = root / "course.yaml"
    text = path.read_text(encoding="utf-8")
    extra = "".join(f"- x{i}\n" for i in range(300))
    path.write_text(text.replace("- a1\n", "- a1\n" + extra, 1), encoding="utf-8")
    result = validate(root)
    assert result.exit_code == 2
    line = text.splitlines().index("modules:") + 1
    assert errors(result.output, root) == [
        f"course.yaml:{line}: [modules] lists 302 modules; a course may have at most 200 "
        "(split it into several courses)"
    ]


def test_a_course_over_50_mb_is_refused_before_reading_it(root: Path) -> None:
    path = root / "course.yaml"
    ids = [f"x{i}" for i in range(11)]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("- a1\n", "- a1\n" + "".join(f"- {i}\n" for i in ids), 1))
    for module_id in ids:  # sparse: the size is what counts, no disk is used
        with open(root / "modules" / f"{module_id}.md", "wb") as f:
            f.truncate(4_900_000)
    result = validate(root)
    assert result.exit_code == 2
    # one problem: none of the modules was read (each would lack its front matter)
    assert errors(result.output, root) == [
        f"{root}: the course files come to 54 MB; a course may be at most 50 MB (no module was read)"
    ]


# --- every file is used or reported ----------------------------------------------------------


def test_files_the_course_does_not_use_are_warnings(root: Path) -> None:
    for name in ("notes.txt", "modules/a1.md.bak", "modules/a1.yaml~"):
        (root / name).write_text("x", encoding="utf-8")
    (root / "images").mkdir()
    # notes for people, outputs' markers and dotfiles are known and fine
    for name in ("HAND-EDITS.md", "INGEST-REPORT.md", "README.md", ".coursekit-output.json"):
        (root / name).write_text("x", encoding="utf-8")
    (root / ".ipynb_checkpoints").mkdir()
    (root / "modules" / ".DS_Store").write_bytes(b"\0")
    result = validate(root)
    assert result.exit_code == 0, result.output
    assert warnings(result.output, root) == [
        "images: is not part of the course; coursekit does not read it",
        "notes.txt: is not part of the course; coursekit does not read it",
        "modules/a1.md.bak: is not part of the course; coursekit does not read it",
        "modules/a1.yaml~: is not part of the course; coursekit does not read it",
    ]
    assert "OK: the course is valid." in result.output


def test_a_folder_of_stray_files_gives_a_short_report(root: Path) -> None:
    for i in range(30):
        (root / f"scan-{i:02}.txt").write_text("x", encoding="utf-8")
    found = warnings(validate(root).output, root)
    assert len(found) == 21
    assert found[-1] == f"{root}: and 10 more files coursekit does not read"


def test_an_orphan_module_yaml_is_an_error(root: Path) -> None:
    (root / "modules" / "a2.yaml").write_text("checkpoints: []\n", encoding="utf-8")
    result = validate(root)
    assert result.exit_code == 2
    assert errors(result.output, root) == [
        "modules/a2.yaml: has no a2.md beside it, so its questions would never be shown"
    ]


# --- reading any text file -----------------------------------------------------------------


def test_read_text_is_bounded_for_other_callers(tmp_path: Path) -> None:
    """Ingest reads its packet through the same function: the same rules hold."""
    from coursekit.content import read_text

    problems: list[Problem] = []
    big = tmp_path / "packet.txt"
    with open(big, "wb") as f:
        f.truncate(5_000_001)
    (tmp_path / "folder.txt").mkdir()
    assert read_text(big, problems) is None
    assert read_text(tmp_path / "folder.txt", problems) is None
    assert [p.message for p in problems] == [
        "is 5.1 MB; a text file may be at most 5 MB (split it into smaller ones)",
        "is a folder, not a file",
    ]


def test_publish_says_a_module_is_too_long_for_a_phone_before_any_work(
    root: Path, tmp_path: Path
) -> None:
    path = root / "modules" / "a1.md"
    paragraph = "要坚持早发现、早报告、早隔离、早治疗。" * 10
    path.write_text(path.read_text(encoding="utf-8") + f"\n{paragraph}\n" * 1_200, encoding="utf-8")
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.txt").write_text("a user's file", encoding="utf-8")
    # The output is refused before any kernel starts; the warning comes first all the same.
    result = CliRunner().invoke(main, ["publish", str(root), "--out", str(taken), "-q"])
    assert result.exit_code == 2, result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"warning: {path}: the module has ")
    assert "it loads slowly on a phone" in first
