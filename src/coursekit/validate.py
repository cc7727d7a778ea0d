"""Cross-checks that the model alone cannot make: references, quotes, counts.

``cross_check`` returns problems; ``survey`` accounts for every file in the
folder and returns problems and warnings; :func:`coursekit.load_course` raises
the problems all at once. ``outline`` is what ``coursekit validate`` prints on
success, warnings included.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from coursekit.errors import Problem
from coursekit.limits import MODULE_WARN_CHARS
from coursekit.located import Located, Sources, field_name
from coursekit.messages import msg
from coursekit.model import (
    Checkpoint,
    Course,
    Evidence,
    FillBlank,
    Matching,
    Module,
    MultipleChoice,
    Ordering,
    SingleChoice,
)
from coursekit.text import fold, plain, reading_minutes

__all__ = [
    "NOTES",
    "checkpoint_owners",
    "cross_check",
    "meta_texts",
    "outline",
    "problem_at",
    "survey",
]

#: Files a course folder may hold for people to read; coursekit never reads them.
NOTES = frozenset({"INGEST-REPORT.md", "HAND-EDITS.md", "README.md"})
_COURSE_FILES = ("course.yaml", "glossary.yaml", "exercises.yaml")
#: Files of one kind named one by one; the rest are counted, so a folder of thousands
#: of stray files gives a short report.
_NAMED = 20


def problem_at(
    doc: Located | None, path: Path, loc: tuple[str | int, ...], message: str
) -> Problem:
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
    return [
        *_course_yaml_problems(course, sources, partial),
        *_module_problems(course, sources),
        *_checkpoint_problems(course, sources, partial),
        *_reflection_problems(course, sources),
        *_untested_problems(course, sources),
        *_glossary_problems(course, sources, partial),
        *_policy_problems(course, sources),
    ]


def _course_yaml_problems(course: Course, sources: Sources, partial: bool) -> list[Problem]:
    """course.yaml: its module list, notice module, categories and the evidence it cites."""
    problems: list[Problem] = []
    root, meta = sources.root, course.meta
    course_yaml = root / "course.yaml"

    def at(loc: tuple[str | int, ...], message: str) -> None:
        problems.append(problem_at(sources.course, course_yaml, loc, message))

    seen: set[str] = set()
    for i, module_id in enumerate(meta.modules):
        if module_id in seen:
            at(("modules", i), f"module {module_id!r} is listed twice")
        seen.add(module_id)
        if module_id == "index":  # trainer/index.html is the trainers' index of the site
            at(("modules", i), "module id 'index' is taken by the site's trainer index; rename it")
        if not os.path.lexists(root / "modules" / f"{module_id}.md"):
            at(
                ("modules", i),
                f"names module {module_id!r}, but modules/{module_id}.md does not exist",
            )
    if meta.notice_module not in set(meta.modules):
        at(("notice_module",), f"names {meta.notice_module!r}, which is not in 'modules'")
    for dup in _duplicates(c.id for c in meta.categories):
        at(("categories",), f"category id {dup!r} is used twice")
    cited: list[tuple[tuple[str | int, ...], Evidence]] = [
        (("study_format", "evidence"), meta.study_format.evidence)
    ]
    if meta.activity is not None:
        cited.append((("activity", "evidence"), meta.activity.evidence))
    cited += [
        (("requirements", i, "evidence"), req.evidence) for i, req in enumerate(meta.requirements)
    ]
    for loc, ev in cited:
        problem = _evidence_problem(course, sources.course, course_yaml, loc, ev, partial)
        if problem is not None:
            problems.append(problem)
    return problems


def _evidence_problem(
    course: Course,
    doc: Located | None,
    path: Path,
    loc: tuple[str | int, ...],
    ev: Evidence,
    partial: bool,
) -> Problem | None:
    """Whether ``ev`` cites a module the course has, a paragraph it has, and a quote in it."""
    if ev.module not in {m.id for m in course.modules}:
        if ev.module in course.meta.modules and partial:
            return None  # the module is listed but failed to load: that is reported already
        return problem_at(
            doc,
            path,
            (*loc, "module"),
            f"cites module {ev.module!r}, which the course does not have",
        )
    module = course.module(ev.module)
    if ev.meta is not None:
        texts = meta_texts(module, ev.meta, course.meta.lang)
        if plain(ev.quote) not in texts:
            reads = " or ".join(repr(t) for t in texts) or "nothing"
            return problem_at(
                doc,
                path,
                (*loc, "quote"),
                f"quote not found in {module.label}'s {ev.meta}: {plain(ev.quote)[:40]!r} "
                f"(it reads {reads})",
            )
        return None
    numbers = [p.number for p in module.paragraphs]
    if ev.paragraph not in numbers:
        return problem_at(
            doc,
            path,
            (*loc, "paragraph"),
            f"cites {module.label} ¶{ev.paragraph}, but {ev.module} has "
            f"paragraphs 1 to {len(numbers)}",
        )
    if ev.paragraph is None or plain(ev.quote) not in module.paragraph(ev.paragraph).plain:
        return problem_at(
            doc,
            path,
            (*loc, "quote"),
            f"quote not found verbatim in {module.label} ¶{ev.paragraph}: {plain(ev.quote)[:40]!r}",
        )
    return None


def meta_texts(module: Module, name: str, lang: str = "zh") -> list[str]:
    """A front-matter field as the packet may print it: a date as ``2020年1月23日`` too."""
    value = getattr(module.meta, name, None)
    if value is None:
        return []
    if isinstance(value, dt.date):  # as ISO, or as the course's language writes a date
        forms = [value.isoformat()]
        forms.append(
            msg(
                lang, "format.date", year=value.year, month=value.month, day=value.day, iso=forms[0]
            )
        )
        return list(dict.fromkeys(forms))
    return [str(value)]


def _module_problems(course: Course, sources: Sources) -> list[Problem]:
    """Each module: a category course.yaml defines, and some text."""
    problems: list[Problem] = []
    categories = {c.id for c in course.meta.categories}
    for module in course.modules:
        md = module.files[0]
        if module.meta.category not in categories:
            problems.append(
                problem_at(
                    sources.fronts.get(module.id),
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
    return problems


Owner = tuple[Located | None, Path, tuple[str | int, ...], Checkpoint]


def checkpoint_owners(course: Course, sources: Sources) -> list[Owner]:
    """Every checkpoint with the document, file and key path it is written at."""
    root = sources.root
    owners: list[Owner] = []
    for module in course.modules:
        doc = sources.extras.get(module.id)
        path = root / "modules" / f"{module.id}.yaml"
        owners += [(doc, path, ("checkpoints", i), q) for i, q in enumerate(module.checkpoints)]
    ex_path = root / "exercises.yaml"
    owners += [
        (sources.exercises, ex_path, ("checkpoints", i), q)
        for i, q in enumerate(course.exercises.checkpoints)
    ]
    return owners


def _checkpoint_problems(course: Course, sources: Sources, partial: bool) -> list[Problem]:
    """Every checkpoint, in the modules and the course exercises: ids, answers, evidence."""
    owners = checkpoint_owners(course, sources)
    problems: list[Problem] = []
    twice = _duplicates(q.id for *_, q in owners)
    for doc, path, loc, q in owners:
        if q.id in twice:
            problems.append(
                problem_at(
                    doc, path, (*loc, "id"), f"checkpoint id {q.id!r} is used more than once"
                )
            )
        for message, sub in _question_problems(q):
            problems.append(problem_at(doc, path, (*loc, *sub), message))
        for j, ev in enumerate(q.evidence):
            problem = _evidence_problem(course, doc, path, (*loc, "evidence", j), ev, partial)
            if problem is not None:
                problems.append(problem)
    return problems


def _reflection_problems(course: Course, sources: Sources) -> list[Problem]:
    """Reflection ids are unique across the course."""
    twice = _duplicates(r.id for m in course.modules for r in m.reflections)
    return [
        problem_at(
            sources.extras.get(module.id),
            sources.root / "modules" / f"{module.id}.yaml",
            ("reflections", i, "id"),
            f"reflection id {r.id!r} is used more than once",
        )
        for module in course.modules
        for i, r in enumerate(module.reflections)
        if r.id in twice
    ]


def _untested_problems(course: Course, sources: Sources) -> list[Problem]:
    """A paragraph listed as untested is one the module has, listed once."""
    out: list[Problem] = []
    for module in course.modules:
        numbers = {p.number for p in module.paragraphs}
        doc = sources.extras.get(module.id)
        path = sources.root / "modules" / f"{module.id}.yaml"
        listed = [u.paragraph for u in module.extras.untested]
        for i, number in enumerate(listed):
            if number not in numbers:
                out.append(
                    problem_at(
                        doc,
                        path,
                        ("untested", i, "paragraph"),
                        f"lists {module.label} ¶{number} as untested, but {module.id} has "
                        f"paragraphs 1 to {len(numbers)}",
                    )
                )
            elif listed.index(number) != i:
                out.append(
                    problem_at(doc, path, ("untested", i, "paragraph"), f"lists ¶{number} twice")
                )
    return out


def _glossary_problems(course: Course, sources: Sources, partial: bool) -> list[Problem]:
    """Each glossary term is defined once and occurs in some module."""
    problems: list[Problem] = []
    gpath = sources.root / "glossary.yaml"
    text = "\n".join(p.plain for m in course.modules for p in m.paragraphs)
    twice = _duplicates(t.term for t in course.glossary.terms)
    for i, term in enumerate(course.glossary.terms):
        loc: tuple[str | int, ...] = ("terms", i, "term")
        if term.term in twice:
            problems.append(
                problem_at(sources.glossary, gpath, loc, f"term {term.term!r} is defined twice")
            )
        if not any(form in text for form in term.forms) and not partial:
            problems.append(
                problem_at(
                    sources.glossary, gpath, loc, f"term {term.term!r} does not occur in any module"
                )
            )
        for j, ev in enumerate(term.evidence):
            problem = _evidence_problem(
                course, sources.glossary, gpath, ("terms", i, "evidence", j), ev, partial
            )
            if problem is not None:
                problems.append(problem)
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
    if isinstance(q, (SingleChoice, MultipleChoice, Matching)):
        for i, pin in enumerate(q.pinned):
            if pin not in q.options:
                out.append((f"pins {pin!r}, which is not among the options", ("pinned", i)))
    return out + _feedback_problems(q)


def _feedback_problems(q: Checkpoint) -> list[tuple[str, tuple[str | int, ...]]]:
    """Feedback explains a wrong answer: an option that is not keyed, or a fill-in that is
    not accepted."""
    out: list[tuple[str, tuple[str | int, ...]]] = []
    if not isinstance(q, (SingleChoice, MultipleChoice, FillBlank)):
        return out
    keyed = [q.answer] if isinstance(q, SingleChoice) else list(q.answer)
    for i, fb in enumerate(q.feedback):
        loc = ("feedback", i, "option")
        if isinstance(q, FillBlank):
            if fold(fb.option) in {fold(a) for a in keyed}:
                out.append((f"explains {fb.option!r} as wrong, but it is an accepted answer", loc))
        elif fb.option not in q.options:
            out.append((f"explains {fb.option!r}, which is not among the options", loc))
        elif fb.option in keyed:
            out.append((f"explains {fb.option!r} as wrong, but it is keyed as right", loc))
    for dup in _duplicates(fb.option for fb in q.feedback):
        out.append((f"explains {dup!r} twice", ("feedback",)))
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
                problem_at(
                    doc,
                    path,
                    ("checkpoints",),
                    f"module {module.id} has {len(module.checkpoints)} checkpoints; "
                    f"the course policy asks for at least {policy.min_checkpoints}",
                )
            )
        if len(module.reflections) < policy.min_reflections:
            out.append(
                problem_at(
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
                problem_at(
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
                problem_at(
                    doc, path, ("trainer_notes",), f"module {module.id} has no trainer notes"
                )
            )
    counts: Counter[str] = Counter(q.type for _, q in course.all_checkpoints())
    for kind, wanted in (("fill", policy.min_fill), ("order", policy.min_order)):
        if counts[kind] < wanted:
            out.append(
                problem_at(
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
    problems: list[Problem] = []
    unused: list[Problem] = []
    for path in _entries(root):
        if path.name in {*_COURSE_FILES, "modules", *NOTES}:
            continue
        if path.suffix == ".yml" and f"{path.stem}.yaml" in _COURSE_FILES:
            problems.append(_never_read(path, f"{path.stem}.yaml"))
        else:
            unused.append(_not_read(path))
    module_problems = _module_files(course, root / "modules", unused)
    problems += _named(module_problems, root / "modules", "module files the course does not list")
    warnings = _named(unused, root, "files coursekit does not read")
    return problems, warnings + _long_modules(course)


def _never_read(path: Path, name: str) -> Problem:
    return Problem(str(path), f"is never read: coursekit reads {name} (rename it)")


def _not_read(path: Path) -> Problem:
    return Problem(str(path), "is not part of the course; coursekit does not read it")


def _module_files(course: Course, modules: Path, unused: list[Problem]) -> list[Problem]:
    """Problems with files in ``modules/`` no listed module uses; others go to ``unused``."""
    listed = set(course.meta.modules)
    problems: list[Problem] = []
    for path in _entries(modules):
        module_id = path.stem
        if path.suffix == ".md" and module_id not in listed:
            problems.append(
                Problem(
                    str(path), "is not listed in course.yaml 'modules', so it would never be shown"
                )
            )
        elif path.suffix == ".yaml" and module_id not in listed:
            has_md = os.path.lexists(modules / f"{module_id}.md")
            problems.append(
                Problem(
                    str(path),
                    f"holds questions for module {module_id!r}, which course.yaml does not list"
                    if has_md
                    else f"has no {module_id}.md beside it, so its questions would never be shown",
                )
            )
        elif path.suffix == ".yml" and module_id in listed:
            problems.append(_never_read(path, f"modules/{module_id}.yaml"))
        elif path.suffix not in {".md", ".yaml"}:
            unused.append(_not_read(path))
    return problems


def _long_modules(course: Course) -> list[Problem]:
    """A warning for each module too long to load well on a phone."""
    return [
        Problem(
            str(module.files[0]),
            f"the module has {module.char_count:,} characters of text; above "
            f"{MODULE_WARN_CHARS:,} (a handout of about 600 KB) it loads slowly on a "
            "phone: split it into several modules",
        )
        for module in course.modules
        if module.char_count > MODULE_WARN_CHARS
    ]


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
