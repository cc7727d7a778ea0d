"""Load a course folder into the typed model, reporting every problem at once.

A course folder holds ``course.yaml``, ``modules/<id>.md`` (Markdown with YAML
front matter), optional ``modules/<id>.yaml`` (checkpoints, reflections,
trainer notes), and optional ``glossary.yaml`` and ``exercises.yaml``.
Problems name the file, the line where known, and the field.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from coursekit.errors import CourseInvalid, Problem
from coursekit.model import (
    QUESTION_TYPES,
    Course,
    CourseMeta,
    Exercises,
    Glossary,
    Module,
    ModuleExtras,
    ModuleMeta,
    Paragraph,
    Section,
)

__all__ = ["Located", "bundled_course_path", "hash_files", "load_course", "read_text"]

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "missing": "is missing",
    "extra_forbidden": "is not a known field (check the spelling)",
    "string_type": "should be text",
    "int_type": "should be a whole number",
    "int_parsing": "should be a whole number",
    "bool_type": "should be true or false",
    "bool_parsing": "should be true or false",
    "list_type": "should be a list",
    "dict_type": "should be a mapping of fields",
    "model_type": "should be a mapping of fields",
    "model_attributes_type": "should be a mapping of fields",
    "date_from_datetime_parsing": "is not a real date (use YYYY-MM-DD)",
    "date_parsing": "is not a real date (use YYYY-MM-DD)",
    "date_type": "is not a real date (use YYYY-MM-DD)",
    "union_tag_invalid": "type should be one of: " + ", ".join(QUESTION_TYPES),
    "union_tag_not_found": "needs a type, one of: " + ", ".join(QUESTION_TYPES),
}


class _Loader(yaml.SafeLoader):
    """Safe YAML that keeps dates as text, so the model can say when one is impossible."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Located:
    """A parsed YAML document and the line of every key and list item in it."""

    path: Path
    data: Any
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)

    def line(self, loc: tuple[str | int, ...]) -> int | None:
        """The line of the deepest part of ``loc`` that the document has.

        A list index the document does not have is skipped, because a single
        mapping may stand where the model takes a list of one (``evidence``).
        """
        path: tuple[str | int, ...] = ()
        for part in loc:
            if (*path, part) in self.lines:
                path = (*path, part)
            elif part != 0:
                break
        return self.lines.get(path)


def hash_files(paths: Iterable[Path], root: Path | None = None) -> str:
    """A sha256 over files' names (relative to ``root``) and bytes, in a stable order."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        name = path.relative_to(root).as_posix() if root else path.name
        data = path.read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def bundled_course_path() -> Path:
    """Where the bundled course lives: packaged with the wheel, or beside the source tree."""
    packaged = Path(__file__).parent / "_courseware"
    if (packaged / "course.yaml").is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "courseware"


def read_text(path: Path, problems: list[Problem]) -> str | None:
    """The file as text (UTF-8, a BOM allowed, any line endings), or ``None`` with a problem."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(str(path), "file not found"))
        return None
    except OSError as exc:
        problems.append(Problem(str(path), f"cannot be read: {exc.strerror}"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                str(path),
                f"is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
                line=line,
            )
        )
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _walk(
    node: yaml.Node, path: tuple[str | int, ...], out: dict[tuple[str | int, ...], int]
) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            out[child] = key.start_mark.line + 1
            _walk(value, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), out)


def parse_yaml(path: Path, text: str, problems: list[Problem], offset: int = 0) -> Located | None:
    """Parse YAML text; ``offset`` is the line the text starts on, less one."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + offset if mark else None
        problems.append(Problem(str(path), f"YAML syntax error: {exc.problem}", line=line))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(str(path), f"YAML error: {exc}"))
        return None
    located = Located(path, data)
    if node is not None:
        _walk(node, (), located.lines)
    if offset:
        located.lines = {k: v + offset for k, v in located.lines.items()}
    return located


def field_name(loc: tuple[str | int, ...]) -> str:
    """``('checkpoints', 2, 'single', 'answer')`` → ``checkpoints[2].answer``."""
    out = ""
    prev: str | int | None = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(prev, int) and part in QUESTION_TYPES:
            pass  # pydantic's discriminator tag, not a field the author wrote
        else:
            out += f".{part}" if out else part
        prev = part
    return out


def _clean_loc(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    out: list[str | int] = []
    for part in loc:
        if out and isinstance(out[-1], int) and part in QUESTION_TYPES:
            continue
        out.append(part)
    return tuple(out)


def to_model(model: type[M], doc: Located, problems: list[Problem]) -> M | None:
    """Validate ``doc`` as ``model``; every error becomes a :class:`Problem`."""
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        problems.append(Problem(str(doc.path), "should be a mapping of fields", line=doc.line(())))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = _clean_loc(tuple(err["loc"]))
            if err["type"].startswith("union_tag"):
                loc = (*loc, "type")
            message = _MESSAGES.get(err["type"], err["msg"])
            if err["type"] == "literal_error":
                message = "should be " + err["msg"].removeprefix("Input should be ")
            elif err["type"] in {
                "too_short",
                "too_long",
                "string_pattern_mismatch",
                "string_too_short",
                "greater_than_equal",
                "less_than_equal",
            }:
                message = _describe_constraint(err)
            problems.append(
                Problem(str(doc.path), message, line=doc.line(loc), field=field_name(loc) or None)
            )
        return None


def _describe_constraint(err: Any) -> str:
    ctx = err.get("ctx", {})
    kind = err["type"]
    if kind == "string_pattern_mismatch":
        return "should be an ASCII id (lower-case letters, digits, hyphens; starts with a letter)"
    if kind == "string_too_short":
        return "is empty"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} entries"
    if kind == "too_long":
        return f"has more than {ctx.get('max_length')} entries"
    if kind == "greater_than_equal":
        return f"should be at least {ctx.get('ge')}"
    return f"should be at most {ctx.get('le')}"


# --- Markdown modules --------------------------------------------------------------------

_FRONT = re.compile(r"\A---\n(.*?)\n---[ \t]*\n", re.S)


def _blocks(lines: list[str], first_line: int) -> Iterator[tuple[int, str]]:
    """Blank-line separated blocks with the line each starts on; a heading is its own block."""
    start = 0
    buf: list[str] = []
    for i, line in enumerate(lines, start=first_line):
        stripped = line.strip()
        if not stripped:
            if buf:
                yield start, _join(buf)
            buf = []
        elif stripped.startswith("#"):
            if buf:
                yield start, _join(buf)
            yield i, stripped
            buf = []
        else:
            if not buf:
                start = i
            buf.append(stripped)
    if buf:
        yield start, _join(buf)


def _join(parts: list[str]) -> str:
    """Join wrapped lines: no space between Chinese characters, one space between Latin ones."""
    out = parts[0]
    for part in parts[1:]:
        if out[-1].isascii() and part[0].isascii():
            out += " " + part
        else:
            out += part
    return out


def parse_module(
    path: Path, text: str, problems: list[Problem]
) -> tuple[Located | None, tuple[Section, ...]]:
    """Split a module file into its front matter and its numbered sections."""
    match = _FRONT.match(text)
    if not match:
        problems.append(
            Problem(str(path), "needs YAML front matter between two '---' lines at the top", line=1)
        )
        return None, ()
    front = parse_yaml(path, match.group(1), problems, offset=1)
    body_start = match.group(0).count("\n") + 1
    sections: list[Section] = []
    heading: str | None = None
    paragraphs: list[Paragraph] = []
    number = 0
    for line, block in _blocks(text[match.end() :].split("\n"), body_start):
        if block.startswith("#"):
            if paragraphs or heading is not None:
                sections.append(Section(heading, tuple(paragraphs)))
            heading, paragraphs = block.lstrip("#").strip(), []
        else:
            number += 1
            paragraphs.append(Paragraph(number, block, line))
    if paragraphs or heading is not None:
        sections.append(Section(heading, tuple(paragraphs)))
    return front, tuple(sections)


# --- the course ------------------------------------------------------------------------------


@dataclass
class Sources:
    """Every parsed document of a course, kept so that later checks can name lines."""

    root: Path
    course: Located | None = None
    fronts: dict[str, Located] = field(default_factory=dict)
    extras: dict[str, Located] = field(default_factory=dict)
    glossary: Located | None = None
    exercises: Located | None = None


def _load_doc(
    path: Path, model: type[M], problems: list[Problem]
) -> tuple[Located | None, M | None]:
    text = read_text(path, problems)
    if text is None:
        return None, None
    doc = parse_yaml(path, text, problems)
    if doc is None:
        return None, None
    return doc, to_model(model, doc, problems)


def load_sources(root: Path) -> tuple[Course | None, Sources, list[Problem]]:
    """Parse everything under ``root``; the course is ``None`` when any file failed."""
    problems: list[Problem] = []
    sources = Sources(root)
    if not root.is_dir():
        return None, sources, [Problem(str(root), "is not a course folder (no such folder)")]
    sources.course, meta = _load_doc(root / "course.yaml", CourseMeta, problems)

    module_dir = root / "modules"
    on_disk = sorted(p.stem for p in module_dir.glob("*.md")) if module_dir.is_dir() else []
    wanted = list(meta.modules) if meta else on_disk
    modules: list[Module] = []
    for module_id in wanted:
        md = module_dir / f"{module_id}.md"
        if not md.is_file():
            continue  # reported by the cross-checks, with the line in course.yaml
        text = read_text(md, problems)
        if text is None:
            continue
        front, sections = parse_module(md, text, problems)
        module_meta = to_model(ModuleMeta, front, problems) if front else None
        if module_meta and module_meta.id != module_id:
            problems.append(
                Problem(
                    str(md),
                    f"is {module_meta.id!r} but the file is named {md.name}",
                    line=front.line(("id",)) if front else None,
                    field="id",
                )
            )
            module_meta = None
        extras_path = module_dir / f"{module_id}.yaml"
        extras: ModuleExtras | None = ModuleExtras()
        files = [md]
        if extras_path.is_file():
            doc, extras = _load_doc(extras_path, ModuleExtras, problems)
            files.append(extras_path)
            if doc:
                sources.extras[module_id] = doc
        if front:
            sources.fronts[module_id] = front
        if module_meta and extras is not None:
            modules.append(Module(module_meta, sections, extras, tuple(files)))

    glossary, exercises = Glossary(), Exercises()
    files = [root / "course.yaml"]
    if (root / "glossary.yaml").is_file():
        sources.glossary, loaded_glossary = _load_doc(root / "glossary.yaml", Glossary, problems)
        glossary = loaded_glossary or glossary
        files.append(root / "glossary.yaml")
    if (root / "exercises.yaml").is_file():
        sources.exercises, loaded_ex = _load_doc(root / "exercises.yaml", Exercises, problems)
        exercises = loaded_ex or exercises
        files.append(root / "exercises.yaml")

    if meta is None:
        return None, sources, problems
    course = Course(meta, tuple(modules), glossary, exercises, root, tuple(files))
    return course, sources, problems


def load_course(path: str | os.PathLike[str] | None = None) -> Course:
    """Load and validate a course folder (the bundled course when ``path`` is ``None``).

    Raises :class:`~coursekit.errors.CourseInvalid` listing every problem found.
    """
    from coursekit.validate import cross_check

    root = Path(path) if path is not None else bundled_course_path()
    course, sources, problems = load_sources(root)
    if course is not None:
        problems.extend(cross_check(course, sources, partial=bool(problems)))
    if problems or course is None:
        raise CourseInvalid(problems)
    return course
