"""Load a course folder into the typed model, reporting every problem at once.

A course folder holds ``course.yaml``, ``modules/<id>.md`` (Markdown with YAML
front matter), optional ``modules/<id>.yaml`` (checkpoints, reflections,
trainer notes), and optional ``glossary.yaml`` and ``exercises.yaml``.
Problems name the file, the line where known, and the field.

Reading is bounded (see the limits below): regular files only, a size limit per
file and per course, and YAML without alias bombs, deep nesting or duplicate keys.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from coursekit import bounded
from coursekit.errors import CourseInvalid, Problem
from coursekit.limits import (
    MAX_COURSE_BYTES,
    MAX_MARKDOWN_BYTES,
    MAX_MODULES,
    MAX_YAML_BYTES,
    MODULE_MAX_CHARS,
    YAML_ALIAS_BUDGET,
    YAML_MAX_DEPTH,
)
from coursekit.located import Located, Sources, field_name
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
from coursekit.validate import cross_check, survey

# The limits on a course folder are in coursekit.limits; docs/authoring.md states them.
__all__ = [
    "Located",
    "bundled_course_path",
    "load_course",
    "read_text",
]

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


class _Refused(yaml.MarkedYAMLError):
    """YAML that parses but that a course file may not hold; ``problem`` says why."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)


_DEEPER = f"YAML nested more than {YAML_MAX_DEPTH} levels deep; course files need no more than 5"


class _Loader(yaml.SafeLoader):
    """Safe YAML that keeps dates as text, so the model can say when one is impossible.

    Composition is bounded: nesting deeper than :data:`YAML_MAX_DEPTH`, an alias inside
    the collection it names, and aliases that expand beyond :data:`YAML_ALIAS_BUDGET`
    are refused while the document is composed, before anything recursive sees it.
    Each collection's expanded size and depth are computed once, from its children's,
    so the check itself is linear in the text.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._open: list[str | None] = []  # anchors of the collections being composed
        self._measure: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded size, depth)
        self._written = 0  # nodes composed from the text itself

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open:
                raise _Refused(
                    f"alias *{event.anchor} stands inside the collection it names "
                    "(a recursive structure); course files cannot hold one",
                    event.start_mark,
                )
            return super().compose_node(parent, index)
        self._written += 1
        if not isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            return super().compose_node(parent, index)
        if len(self._open) >= YAML_MAX_DEPTH:
            raise _Refused(_DEEPER, event.start_mark)
        self._open.append(event.anchor)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._open.pop()
        children = (
            node.value
            if isinstance(node, yaml.SequenceNode)
            else [child for pair in node.value for child in pair]
            if isinstance(node, yaml.MappingNode)
            else []
        )
        size, depth = 1, 1
        for child in children:
            child_size, child_depth = self._measure.get(id(child), (1, 0))
            size += child_size
            depth = max(depth, child_depth + 1)
        self._measure[id(node)] = (size, depth)
        mark = node.start_mark if node is not None else event.start_mark
        if depth > YAML_MAX_DEPTH:
            raise _Refused(f"{_DEEPER} once its aliases are expanded", mark)
        if size > self._written + YAML_ALIAS_BUDGET:
            raise _Refused(
                f"YAML aliases here expand to {size:,} values, more than "
                f"{YAML_ALIAS_BUDGET:,} beyond what the file writes out; "
                "use anchors only for small reuse",
                mark,
            )
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:  # e.g. !!timestamp 2020-13-01
            reason = str(exc).split(";")[0]  # Python's int-size hint is not for trainers
            raise _Refused(
                f"this value cannot be read ({reason}); put text in quotes", node.start_mark
            ) from exc


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def bundled_course_path() -> Path:
    """Where the bundled course lives: packaged with the wheel, or beside the source tree."""
    packaged = Path(__file__).parent / "_courseware"
    if (packaged / "course.yaml").is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "courseware"


def _size_limit(path: Path) -> tuple[int, str]:
    if path.suffix in {".yaml", ".yml"}:
        return MAX_YAML_BYTES, "a YAML file"
    if path.suffix == ".md":
        return MAX_MARKDOWN_BYTES, "a module's Markdown file"
    return MAX_MARKDOWN_BYTES, "a text file"


def _mb(size: int) -> str:
    """Megabytes to one decimal, rounded up: a file over a limit never reads as equal to it."""
    tenths = -(-size // 100_000)
    return f"{tenths / 10:,.1f}".removesuffix(".0") + " MB"


def read_text(path: Path, problems: list[Problem]) -> str | None:
    """The file as text (UTF-8, a BOM allowed, any line endings), or ``None`` with a problem.

    Only a regular file (or a link to one) is read, and only up to its size limit:
    :data:`MAX_YAML_BYTES` for YAML, :data:`MAX_MARKDOWN_BYTES` for anything else. The
    limit holds while reading too, for a file that grows after it was measured
    (:func:`coursekit.bounded.read_regular`).
    """
    limit, kind = _size_limit(path)
    try:
        raw = bounded.read_regular(path, limit)
    except bounded.Unreadable as exc:
        problems.append(Problem(str(path), _unreadable(path, exc, limit, kind)))
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


def _unreadable(path: Path, exc: bounded.Unreadable, limit: int, kind: str) -> str:
    """Why a course file was not read, as ``validate`` says it."""
    if exc.why == "missing":
        if os.path.islink(path):
            return f"is a link to {os.readlink(path)}, which does not exist"
        return "file not found"
    if exc.why == "not-regular":
        if exc.detail == "a folder":
            return "is a folder, not a file"
        return "is not a regular file (a pipe, socket or device); coursekit reads only files"
    if exc.why in ("too-large", "grew"):
        size = exc.size if exc.size is not None else limit + 1
        return f"is {_mb(size)}; {kind} may be at most {_mb(limit)} (split it into smaller ones)"
    if exc.why == "changed":
        return "changed while it was being opened; run validate again"
    return f"cannot be read: {exc.detail}"


# keys YAML itself interprets (`<<` merges a mapping in, `=` is a default value)
_SPECIAL_KEYS = {"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"}


def _walk(
    node: yaml.Node,
    path: tuple[str | int, ...],
    out: dict[tuple[str | int, ...], int],
    loader: _Loader,
    duplicates: list[tuple[tuple[str | int, ...], int, int]],
    seen: set[int],
) -> None:
    """Record the line of every key and item; collect duplicate keys, once per mapping.

    Runs after composition has bounded the document's expanded size and depth.
    """
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        check = id(node) not in seen
        seen.add(id(node))
        first: dict[Any, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            child = (*path, str(key.value) if isinstance(key, yaml.ScalarNode) else "?")
            if check and isinstance(key, yaml.ScalarNode) and key.tag not in _SPECIAL_KEYS:
                # compare what the keys mean, as the mapping will: `on` and `true` collide
                try:
                    meaning = (type(k := loader.construct_object(key)), k)
                    if meaning in first:
                        duplicates.append((child, line, first[meaning]))
                    else:
                        first[meaning] = line
                except TypeError:  # unhashable: the constructor reports it
                    pass
            out[child] = line
            _walk(value, child, out, loader, duplicates, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), out, loader, duplicates, seen)


def parse_yaml(path: Path, text: str, problems: list[Problem], offset: int = 0) -> Located | None:
    """Parse YAML text; ``offset`` is the line the text starts on, less one.

    Aliases, nesting and sizes are bounded (see :class:`_Loader`); a duplicate key is a
    problem naming both lines.
    """
    loader = _Loader(text)
    lines: dict[tuple[str | int, ...], int] = {}
    duplicates: list[tuple[tuple[str | int, ...], int, int]] = []
    try:
        node = loader.get_single_node()
        data = None
        if node is not None:
            # before constructing: the constructor rewrites merge keys in place
            _walk(node, (), lines, loader, duplicates, set())
            data = loader.construct_document(node)
    except _Refused as exc:
        mark = exc.problem_mark
        line = mark.line + 1 + offset if mark else None
        problems.append(Problem(str(path), str(exc.problem), line=line))
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + offset if mark else None
        problems.append(Problem(str(path), f"YAML syntax error: {exc.problem}", line=line))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(str(path), f"YAML error: {exc}"))
        return None
    except RecursionError:  # the composer guards depth; this is the last resort
        problems.append(Problem(str(path), f"YAML nested more than {YAML_MAX_DEPTH} levels deep"))
        return None
    finally:
        loader.dispose()
    located = Located(path, data)
    located.lines = {k: v + offset for k, v in lines.items()}
    for loc, line, first_line in duplicates:
        problems.append(
            Problem(
                str(path),
                f"duplicate key {loc[-1]!r} (first at line {first_line + offset}); "
                "YAML would keep only the last",
                line=line + offset,
                field=field_name(loc),
            )
        )
    return located


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
            if err["type"] == "invalid_key":  # `true:` or `5:` where a field name belongs
                loc = loc[:-1]
                message = (
                    f"has a key {err['input']!r} that is not a known field (check the spelling)"
                )
            elif err["type"] == "literal_error":
                message = "should be " + err["msg"].removeprefix("Input should be ")
            elif err["type"] == "value_error":  # a model's own check says it in full
                message = err["msg"].removeprefix("Value error, ")
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


# A heading is one to six #s and a space (or nothing), as in CommonMark: text that only
# starts with # (`#武汉加油#…`, a hashtag) is a paragraph and keeps its #.
_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")


def _blocks(lines: list[str], first_line: int) -> Iterator[tuple[int, str, bool]]:
    """Blank-line separated blocks: the line each starts on, its text, whether a heading.

    A heading is its own block.
    """
    start = 0
    buf: list[str] = []
    for i, line in enumerate(lines, start=first_line):
        stripped = line.strip()
        if not stripped:
            if buf:
                yield start, _join(buf), False
            buf = []
        elif _HEADING.match(stripped):
            if buf:
                yield start, _join(buf), False
            yield i, stripped.lstrip("#").strip(), True
            buf = []
        else:
            if not buf:
                start = i
            buf.append(stripped)
    if buf:
        yield start, _join(buf), False


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
    for line, block, is_heading in _blocks(text[match.end() :].split("\n"), body_start):
        if is_heading:
            if paragraphs or heading is not None:
                sections.append(Section(heading, tuple(paragraphs)))
            heading, paragraphs = block, []
        else:
            number += 1
            paragraphs.append(Paragraph(number, block, line))
    if paragraphs or heading is not None:
        sections.append(Section(heading, tuple(paragraphs)))
    return front, tuple(sections)


# --- the course ------------------------------------------------------------------------------


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


def _course_files(root: Path, module_ids: list[str]) -> list[Path]:
    """The files a course with these modules reads, whether or not they exist."""
    names = [f"modules/{m}{suffix}" for m in module_ids for suffix in (".md", ".yaml")]
    return [root / name for name in ("course.yaml", "glossary.yaml", "exercises.yaml", *names)]


def _too_large(root: Path, module_ids: list[str]) -> Problem | None:
    """A problem when the course's files together exceed :data:`MAX_COURSE_BYTES`."""
    total = 0
    for path in _course_files(root, module_ids):
        try:
            total += os.stat(path).st_size
        except OSError:
            continue  # reported when it is read
    if total <= MAX_COURSE_BYTES:
        return None
    return Problem(
        str(root),
        f"the course files come to {_mb(total)}; a course may be at most "
        f"{_mb(MAX_COURSE_BYTES)} (no module was read)",
    )


def load_sources(root: Path) -> tuple[Course | None, Sources, list[Problem]]:
    """Parse everything under ``root``; the course is ``None`` when any file failed.

    Absurd courses (more than :data:`MAX_MODULES` modules, more than
    :data:`MAX_COURSE_BYTES` of files) are refused before their modules are read.
    """
    problems: list[Problem] = []
    sources = Sources(root)
    if not root.is_dir():
        return None, sources, [Problem(str(root), "is not a course folder (no such folder)")]
    course_yaml = root / "course.yaml"
    meta: CourseMeta | None = None
    if not os.path.lexists(course_yaml) and os.path.lexists(root / "course.yml"):
        problems.append(
            Problem(str(course_yaml), "file not found (rename course.yml to course.yaml)")
        )
    else:
        sources.course, meta = _load_doc(course_yaml, CourseMeta, problems)

    module_dir = root / "modules"
    on_disk = sorted(p.stem for p in module_dir.glob("*.md")) if module_dir.is_dir() else []
    wanted = list(meta.modules) if meta else on_disk
    if len(wanted) > MAX_MODULES:
        problems.append(
            Problem(
                str(course_yaml if meta else module_dir),
                f"{'lists' if meta else 'holds'} {len(wanted):,} modules; a course may have at "
                f"most {MAX_MODULES} (split it into several courses)",
                line=sources.course.line(("modules",)) if meta and sources.course else None,
                field="modules" if meta else None,
            )
        )
        return None, sources, problems
    too_large = _too_large(root, wanted)
    if too_large:
        return None, sources, [*problems, too_large]

    modules = [_load_module(module_dir, m, sources, problems) for m in wanted]
    glossary, exercises = Glossary(), Exercises()
    files = [course_yaml]
    if os.path.lexists(root / "glossary.yaml"):
        sources.glossary, loaded_glossary = _load_doc(root / "glossary.yaml", Glossary, problems)
        glossary = loaded_glossary or glossary
        files.append(root / "glossary.yaml")
    if os.path.lexists(root / "exercises.yaml"):
        sources.exercises, loaded_ex = _load_doc(root / "exercises.yaml", Exercises, problems)
        exercises = loaded_ex or exercises
        files.append(root / "exercises.yaml")

    if meta is None:
        return None, sources, problems
    loaded = tuple(m for m in modules if m is not None)
    course = Course(meta, loaded, glossary, exercises, root, tuple(files))
    return course, sources, problems


def _load_module(
    module_dir: Path, module_id: str, sources: Sources, problems: list[Problem]
) -> Module | None:
    """One module: its Markdown (front matter and text) and its YAML, if it has one.

    ``None`` when it is missing or has a problem; the problem is in ``problems``, and
    what parsed is in ``sources`` so that later checks can name lines.
    """
    md = module_dir / f"{module_id}.md"
    if not os.path.lexists(md):
        return None  # reported by the cross-checks, with the line in course.yaml
    text = read_text(md, problems)
    if text is None:
        return None
    if len(text) > MODULE_MAX_CHARS:
        problems.append(
            Problem(
                str(md),
                f"the module has {len(text):,} characters; a module may have at most "
                f"{MODULE_MAX_CHARS:,} (split it into several modules)",
            )
        )
        return None
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
    if os.path.lexists(extras_path):  # a folder or a broken link is reported, not skipped
        doc, extras = _load_doc(extras_path, ModuleExtras, problems)
        files.append(extras_path)
        if doc:
            sources.extras[module_id] = doc
    if front:
        sources.fronts[module_id] = front
    if module_meta and extras is not None:
        return Module(module_meta, sections, extras, tuple(files))
    return None


def load_course(path: str | os.PathLike[str] | None = None, *, lint: bool = False) -> Course:
    """Load and validate a course folder (the bundled course when ``path`` is ``None``).

    Raises :class:`~coursekit.errors.CourseInvalid` listing every problem found. What is
    worth knowing but not wrong (a file the course does not use, a module too long for a
    phone) is in the course's ``warnings``; ``coursekit validate`` prints them. ``lint``
    adds the question-bank lint (:mod:`coursekit.lint`) to the warnings; a course whose
    policy makes lint findings errors is always linted, and refused when it has any.
    """
    root = Path(path) if path is not None else bundled_course_path()
    known = _loaded.get((str(root.resolve()), lint))
    if known is not None and known[0] == _fingerprint(known[1]):
        return known[1]
    course, sources, problems = load_sources(root)
    if course is not None:
        problems.extend(cross_check(course, sources, partial=bool(problems)))
        errors, warnings = survey(course, sources)
        problems.extend(errors)
        strict = course.meta.policy.lint.errors
        if (lint or strict) and not problems:
            from coursekit.lint import lint as bank_lint

            (problems if strict else warnings).extend(bank_lint(course, sources))
        course = replace(course, warnings=tuple(warnings))
    if problems or course is None:
        raise CourseInvalid(problems)
    _loaded[(str(root.resolve()), lint)] = (_fingerprint(course), course)
    return course


# Courses loaded in this process, by folder and lint: a publish worker's kernel runs one
# module notebook after another, and each loads the course (0.13 s for the bundled one).
_loaded: dict[tuple[str, bool], tuple[str, Course]] = {}


def _fingerprint(course: Course) -> str:
    """What a loaded course was made of: its files' names and bytes (:attr:`Course.version`'s
    hash, taken again now), and the names in its folder and its ``modules/`` folder, so that
    a file added since (an ``exercises.yaml``, say) is seen too."""
    from coursekit.hashing import hash_files

    root = course.root
    if root is None:
        return ""
    try:
        files = [*course.files, *(f for m in course.modules for f in m.files)]
        listed = sorted(p.name for p in root.iterdir()) + sorted(
            p.name for p in (root / "modules").iterdir()
        )
        return hash_files(files, root) + "\0".join(["", *listed])
    except OSError:
        return "gone"  # a file went away: load again, and say what is wrong
