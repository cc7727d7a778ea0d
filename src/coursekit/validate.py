"""Cross-checks that the model alone cannot make: references, quotes, counts.

``cross_check`` returns problems; ``survey`` accounts for every file in the
folder and returns problems and warnings; :func:`coursekit.load_course` raises
the problems all at once. ``outline`` is what ``coursekit validate`` prints on
success, warnings included.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from coursekit.errors import Problem
from coursekit.limits import MODULE_WARN_CHARS
from coursekit.located import Located, Sources, field_name
from coursekit.model import (
    Checkpoint,
    Course,
    Evidence,
    FillBlank,
    Matching,
    MultipleChoice,
    Ordering,
    SingleChoice,
)
from coursekit.text import plain, reading_minutes

__all__ = ["NOTES", "cross_check", "outline", "survey"]

#: Files a course folder may hold for people to read; coursekit never reads them.
NOTES = frozenset({"INGEST-REPORT.md", "HAND-EDITS.md", "README.md"})
_COURSE_FILES = ("course.yaml", "glossary.yaml", "exercises.yaml")
#: Files of one kind named one by one; the rest are counted, so a folder of thousands
#: of stray files gives a short report.
_NAMED = 20


def _problem(doc: Located | None, path: Path, loc: tuple[str | int, ...], message: str) -> Problem:
    return Problem(
        str(doc.path if doc else path),
        message,
        line=doc.line(loc) if doc else None,
        field=field_name(loc) or None,
    )


def _duplicates(values: Iterable[str]) -> set[str]:
    return {v for v, n in Counter(values).items() if n > 1}


def cross_check(course: Course, sources: Sources, partial: bool = False) -> list[Problem]:
    """Every cross-reference problem in ``course``; ``partial`` when some files failed to load."""
    problems: list[Problem] = []
    root = sources.root
    course_doc = sources.course
    course_yaml = root / "course.yaml"
    meta = course.meta
    loaded = {m.id for m in course.modules}

    def at(loc: tuple[str | int, ...], message: str) -> None:
        problems.append(_problem(course_doc, course_yaml, loc, message))

    # -- course.yaml ------------------------------------------------------------------
    seen: set[str] = set()
    for i, module_id in enumerate(meta.modules):
        if module_id in seen:
            at(("modules", i), f"module {module_id!r} is listed twice")
        seen.add(module_id)
        if not os.path.lexists(root / "modules" / f"{module_id}.md"):
            at(
                ("modules", i),
                f"names module {module_id!r}, but modules/{module_id}.md does not exist",
            )
    listed = set(meta.modules)
    if meta.notice_module not in listed:
        at(("notice_module",), f"names {meta.notice_module!r}, which is not in 'modules'")
    for dup in _duplicates(c.id for c in meta.categories):
        at(("categories",), f"category id {dup!r} is used twice")
    categories = {c.id for c in meta.categories}

    def evidence(doc: Located | None, path: Path, loc: tuple[str | int, ...], ev: Evidence) -> None:
        if ev.module not in loaded:
            if ev.module not in listed or not partial:
                problems.append(
                    _problem(
                        doc,
                        path,
                        (*loc, "module"),
                        f"cites module {ev.module!r}, which the course does not have",
                    )
                )
            return
        module = course.module(ev.module)
        numbers = [p.number for p in module.paragraphs]
        if ev.paragraph not in numbers:
            problems.append(
                _problem(
                    doc,
                    path,
                    (*loc, "paragraph"),
                    f"cites {module.label} ¶{ev.paragraph}, but {ev.module} has "
                    f"paragraphs 1 to {len(numbers)}",
                )
            )
            return
        if plain(ev.quote) not in module.paragraph(ev.paragraph).plain:
            problems.append(
                _problem(
                    doc,
                    path,
                    (*loc, "quote"),
                    f"quote not found verbatim in {module.label} ¶{ev.paragraph}: "
                    f"{plain(ev.quote)[:40]!r}",
                )
            )

    evidence(course_doc, course_yaml, ("study_format", "evidence"), meta.study_format.evidence)
    for i, req in enumerate(meta.requirements):
        evidence(course_doc, course_yaml, ("requirements", i, "evidence"), req.evidence)

    # -- modules ------------------------------------------------------------------------
    for module in course.modules:
        md = module.files[0]
        front = sources.fronts.get(module.id)
        if module.meta.category not in categories:
            problems.append(
                _problem(
                    front,
                    md,
                    ("category",),
                    f"{module.meta.category!r} is not a category in course.yaml "
                    f"({', '.join(sorted(categories))})",
                )
            )
        if not module.paragraphs:
            problems.append(
                Problem(str(md), "the module has no text: write at least one paragraph")
            )

    # -- checkpoints and reflections ---------------------------------------------------------
    owners: list[tuple[Located | None, Path, tuple[str | int, ...], Checkpoint]] = []
    for module in course.modules:
        doc = sources.extras.get(module.id)
        path = root / "modules" / f"{module.id}.yaml"
        owners += [(doc, path, ("checkpoints", i), q) for i, q in enumerate(module.checkpoints)]
    ex_path = root / "exercises.yaml"
    owners += [
        (sources.exercises, ex_path, ("checkpoints", i), q)
        for i, q in enumerate(course.exercises.checkpoints)
    ]

    ids = [q.id for *_, q in owners]
    for doc, path, loc, q in owners:
        if q.id in _duplicates(ids):
            problems.append(
                _problem(doc, path, (*loc, "id"), f"checkpoint id {q.id!r} is used more than once")
            )
        for message, sub in _question_problems(q):
            problems.append(_problem(doc, path, (*loc, *sub), message))
        for j, ev in enumerate(q.evidence):
            evidence(doc, path, (*loc, "evidence", j), ev)

    reflection_ids = [r.id for m in course.modules for r in m.reflections]
    for module in course.modules:
        doc = sources.extras.get(module.id)
        for i, r in enumerate(module.reflections):
            if r.id in _duplicates(reflection_ids):
                problems.append(
                    _problem(
                        doc,
                        root / "modules" / f"{module.id}.yaml",
                        ("reflections", i, "id"),
                        f"reflection id {r.id!r} is used more than once",
                    )
                )

    # -- glossary ---------------------------------------------------------------------------
    gpath = root / "glossary.yaml"
    text = "\n".join(p.plain for m in course.modules for p in m.paragraphs)
    terms = [t.term for t in course.glossary.terms]
    for i, term in enumerate(course.glossary.terms):
        if term.term in _duplicates(terms):
            problems.append(
                _problem(
                    sources.glossary,
                    gpath,
                    ("terms", i, "term"),
                    f"term {term.term!r} is defined twice",
                )
            )
        if not any(form in text for form in term.forms) and not partial:
            problems.append(
                _problem(
                    sources.glossary,
                    gpath,
                    ("terms", i, "term"),
                    f"term {term.term!r} does not occur in any module",
                )
            )

    problems += _policy_problems(course, sources)
    return problems


def _question_problems(q: Checkpoint) -> list[tuple[str, tuple[str | int, ...]]]:
    out: list[tuple[str, tuple[str | int, ...]]] = []
    if isinstance(q, (SingleChoice, MultipleChoice, Matching)):
        for dup in _duplicates(q.options):
            out.append((f"option {dup!r} is listed twice", ("options",)))
    if isinstance(q, SingleChoice) and q.answer not in q.options:
        out.append((f"answer {q.answer!r} is not among the options", ("answer",)))
    if isinstance(q, MultipleChoice):
        for i, a in enumerate(q.answer):
            if a not in q.options:
                out.append((f"answer {a!r} is not among the options", ("answer", i)))
        if _duplicates(q.answer):
            out.append(("lists the same answer twice", ("answer",)))
    if isinstance(q, Ordering) and _duplicates(q.answer):
        out.append(("lists the same item twice, so the order is ambiguous", ("answer",)))
    if isinstance(q, Matching):
        for i, pair in enumerate(q.answer):
            if pair.answer not in q.options:
                out.append(
                    (f"answer {pair.answer!r} is not among the options", ("answer", i, "answer"))
                )
        if _duplicates(p.item for p in q.answer):
            out.append(("lists the same item twice", ("answer",)))
    if isinstance(q, FillBlank) and "__" not in q.prompt:
        out.append(("a fill-in question marks its blank with ____", ("prompt",)))
    return out


def _policy_problems(course: Course, sources: Sources) -> list[Problem]:
    policy = course.meta.policy
    course_yaml = sources.root / "course.yaml"
    out: list[Problem] = []
    for module in course.modules:
        path = sources.root / "modules" / f"{module.id}.yaml"
        doc = sources.extras.get(module.id)
        questions = course.checkpoints_for(module.id)
        if len(module.checkpoints) < policy.min_checkpoints:
            out.append(
                _problem(
                    doc,
                    path,
                    ("checkpoints",),
                    f"module {module.id} has {len(module.checkpoints)} checkpoints; "
                    f"the course policy asks for at least {policy.min_checkpoints}",
                )
            )
        if len(module.reflections) < policy.min_reflections:
            out.append(
                _problem(
                    doc,
                    path,
                    ("reflections",),
                    f"module {module.id} has {len(module.reflections)} reflection prompts; "
                    f"the course policy asks for at least {policy.min_reflections}",
                )
            )
        kinds = {q.type for q in questions}
        if len(kinds) < policy.all_types_per_module:
            out.append(
                _problem(
                    doc,
                    path,
                    ("checkpoints",),
                    f"module {module.id} uses {len(kinds)} question types "
                    f"({', '.join(sorted(kinds)) or 'none'}); the course policy asks "
                    f"for at least {policy.all_types_per_module}",
                )
            )
        if policy.trainer_notes and module.extras.trainer_notes is None:
            out.append(
                _problem(doc, path, ("trainer_notes",), f"module {module.id} has no trainer notes")
            )
    counts: Counter[str] = Counter(q.type for _, q in course.all_checkpoints())
    for kind, wanted in (("fill", policy.min_fill), ("order", policy.min_order)):
        if counts[kind] < wanted:
            out.append(
                _problem(
                    sources.course,
                    course_yaml,
                    ("policy", f"min_{kind}"),
                    f"the course has {counts[kind]} {kind} questions; the policy asks "
                    f"for at least {wanted}",
                )
            )
    return out


def _entries(folder: Path) -> list[Path]:
    """The folder's entries, dotfiles left out (.coursekit-output.json, .ipynb_checkpoints)."""
    try:
        with os.scandir(folder) as it:
            return sorted(Path(e.path) for e in it if not e.name.startswith("."))
    except OSError:  # no such folder, or not a folder: reported where it is read
        return []


def _named(problems: list[Problem], folder: Path, what: str) -> list[Problem]:
    if len(problems) <= _NAMED:
        return problems
    more = len(problems) - _NAMED
    return [*problems[:_NAMED], Problem(str(folder), f"and {more:,} more {what}")]


def survey(course: Course, sources: Sources) -> tuple[list[Problem], list[Problem]]:
    """Account for every file in the course folder: ``(problems, warnings)``.

    A file is used, a note for people (:data:`NOTES`), a dotfile, or reported. A
    module file the course does not list, a question file without a listed module and a
    ``.yml`` file coursekit would never read are problems; any other file is a warning.
    A module too long for a phone (:data:`~coursekit.limits.MODULE_WARN_CHARS`) is a
    warning too.
    """
    root = sources.root
    modules = root / "modules"
    listed = set(course.meta.modules)
    problems: list[Problem] = []
    unused: list[Problem] = []

    def never_read(path: Path, name: str) -> Problem:
        return Problem(str(path), f"is never read: coursekit reads {name} (rename it)")

    for path in _entries(root):
        if path.name in {*_COURSE_FILES, "modules", *NOTES}:
            continue
        if path.suffix == ".yml" and f"{path.stem}.yaml" in _COURSE_FILES:
            problems.append(never_read(path, f"{path.stem}.yaml"))
        else:
            unused.append(
                Problem(str(path), "is not part of the course; coursekit does not read it")
            )
    module_problems: list[Problem] = []
    for path in _entries(modules):
        module_id = path.stem
        if path.suffix == ".md" and module_id not in listed:
            module_problems.append(
                Problem(
                    str(path), "is not listed in course.yaml 'modules', so it would never be shown"
                )
            )
        elif path.suffix == ".yaml" and module_id not in listed:
            has_md = os.path.lexists(modules / f"{module_id}.md")
            module_problems.append(
                Problem(
                    str(path),
                    f"holds questions for module {module_id!r}, which course.yaml does not list"
                    if has_md
                    else f"has no {module_id}.md beside it, so its questions would never be shown",
                )
            )
        elif path.suffix == ".yml" and module_id in listed:
            module_problems.append(never_read(path, f"modules/{module_id}.yaml"))
        elif path.suffix not in {".md", ".yaml"}:
            unused.append(
                Problem(str(path), "is not part of the course; coursekit does not read it")
            )
    problems += _named(module_problems, modules, "module files the course does not list")

    warnings = _named(unused, root, "files coursekit does not read")
    for module in course.modules:
        chars = module.char_count
        if chars > MODULE_WARN_CHARS:
            warnings.append(
                Problem(
                    str(module.files[0]),
                    f"the module has {chars:,} characters of text; above "
                    f"{MODULE_WARN_CHARS:,} (a handout of about 600 KB) it loads slowly on a "
                    "phone: split it into several modules",
                )
            )
    return problems, warnings


def outline(course: Course) -> str:
    """A short outline of a valid course: one line per module, then its warnings."""
    lines = [
        f"{course.title} ({course.meta.issuer}, {course.meta.date.isoformat()})",
        f"{len(course.modules)} modules, {len(course.glossary.terms)} glossary terms",
    ]
    for n, m in enumerate(course.modules, start=1):
        cat = course.category(m.meta.category).name
        lines.append(
            f"{n:>2}. {m.id:<9} {m.label} 《{m.title}》 ¶{len(m.paragraphs)} "
            f"~{reading_minutes(m.char_count)} min, "
            f"{len(course.checkpoints_for(m.id))} checkpoints, "
            f"{len(m.reflections)} reflections [{cat}]"
        )
    lines += [f"warning: {w}" for w in course.warnings]
    return "\n".join(lines)
