"""The question-bank lint: what lets a learner score without understanding the text.

``coursekit validate`` runs it. Each finding is a warning naming the file, the
line and the item, or an error when the course's ``policy.lint.errors`` says so.
The checks, with their thresholds in :class:`~coursekit.model.LintPolicy`:

- **key positions**: among questions shown in their authored order (shuffling off,
  or the key pinned), one key position must not dominate a type;
- **true/false balance**: the share of items keyed true stays within bounds;
- **near-duplicates**: two questions whose prompt and answer share most character
  bigrams (cosine similarity of the bigram sets) ask the same thing;
- **answer leaks**: a keyed answer, or the quote that proves it, appears in another
  question's prompt or keyed option; a keyed answer appears in the prompt or guidance
  of a reflection printed beside the question. A keyed option's clauses count too;
- **untested paragraphs**: paragraphs no checkpoint cites, per module, unless the
  module lists them under ``untested`` with a reason;
- **glossary grounding**: every term has evidence that names it, every quoted
  fragment of its definition is in the evidence, and most of the definition's
  wording is the evidence's.

Texts are compared after :func:`~coursekit.text.fold`, without punctuation.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from coursekit.errors import Problem
from coursekit.located import Sources
from coursekit.model import (
    Checkpoint,
    Course,
    FillBlank,
    GlossaryTerm,
    Matching,
    MultipleChoice,
    Ordering,
    SingleChoice,
    TrueFalse,
)
from coursekit.shuffle import LETTERS, shuffles
from coursekit.text import fold, plain
from coursekit.validate import Owner, checkpoint_owners, problem_at

__all__ = ["bigrams", "lint", "similarity"]

_NOT_TEXT = re.compile(r"[^\w]|_", re.UNICODE)
#: A place in the packet as definitions and explanations write it: 附件六¶5, 通知 ¶2.
_PLACE = re.compile(r"¶\s*\d+")
#: Paragraph numbers named in one warning; the rest are counted.
_NAMED = 12
#: Quoted fragments of a definition: “…” (the packet's own quotation marks).
_QUOTED = re.compile(r"“([^”]+)”")


def _norm(text: str) -> str:
    """``text`` folded, with punctuation and white space removed."""
    return _NOT_TEXT.sub("", fold(plain(text)))


def bigrams(text: str) -> set[str]:
    """The character bigrams of ``text`` after :func:`_norm` (a single character is its own)."""
    t = _norm(text)
    return {t[i : i + 2] for i in range(len(t) - 1)} or ({t} if t else set())


def similarity(a: set[str], b: set[str]) -> float:
    """Cosine similarity of two bigram sets, ``|a∩b| / √(|a|·|b|)``.

    Unlike Jaccard, it still rates a short question high when most of it is inside a
    longer one that asks the same thing, and unlike containment alone it does not rate a
    short question high against a long exercise that merely mentions its words.
    """
    return len(a & b) / math.sqrt(len(a) * len(b)) if a and b else 0.0


def lint(course: Course, sources: Sources) -> list[Problem]:
    """Every finding of the bank lint, in file order of the checks above."""
    owners = checkpoint_owners(course, sources)
    return [
        *_key_positions(course, owners),
        *_true_false(course, sources, owners),
        *_near_duplicates(course, owners),
        *_leaks(course, owners),
        *_reflection_leaks(course, sources, owners),
        *_untested(course, sources),
        *_glossary(course, sources),
    ]


def _at(owner: Owner, message: str, *sub: str | int) -> Problem:
    doc, path, loc, q = owner
    return problem_at(doc, path, (*loc, *sub), f"{q.id}: {message}")


# --- key positions and true/false -----------------------------------------------------------


def _key_positions(course: Course, owners: list[Owner]) -> list[Problem]:
    """Questions shown in their authored order must not keep the key in one place."""
    policy = course.meta.policy
    lint = policy.lint
    seen: dict[str, list[tuple[str, Owner]]] = {"single": [], "multiple": [], "match": []}
    for owner in owners:
        q = owner[3]
        if isinstance(q, SingleChoice):
            fixed = not shuffles(q, policy.shuffle) or q.answer in q.pinned
            if fixed:
                seen["single"].append((LETTERS[q.options.index(q.answer)], owner))
        elif isinstance(q, MultipleChoice):
            if not shuffles(q, policy.shuffle):
                first_k = set(q.options[: len(q.answer)]) == set(q.answer)
                seen["multiple"].append(("the first options" if first_k else "mixed", owner))
        elif isinstance(q, Matching) and not shuffles(q, policy.shuffle):
            listed = all(q.options.index(p.answer) == i for i, p in enumerate(q.answer))
            seen["match"].append(("the listed order" if listed else "mixed", owner))
    out: list[Problem] = []
    for kind, found in seen.items():
        if len(found) < lint.key_min_items:
            continue
        counts = Counter(position for position, _ in found if position != "mixed")
        if not counts:
            continue
        position, n = counts.most_common(1)[0]
        if n / len(found) <= lint.key_share_max:
            continue
        ids = [o[3].id for p, o in found if p == position]
        out.append(
            _at(
                next(o for p, o in found if p == position),
                f"{n} of {len(found)} {kind} questions shown in authored order have their key "
                f"at {position} (above {lint.key_share_max:.0%}): "
                f"{', '.join(ids)}; vary the key's place, or let the options shuffle",
                "answer",
            )
        )
    return out


def _true_false(course: Course, sources: Sources, owners: list[Owner]) -> list[Problem]:
    """Neither answer may dominate: a learner who always answers 对 should not pass."""
    lint = course.meta.policy.lint
    items = [o for o in owners if isinstance(o[3], TrueFalse)]
    if len(items) < lint.key_min_items:
        return []
    true = [o for o in items if isinstance(o[3], TrueFalse) and o[3].answer]
    share = len(true) / len(items)
    if lint.true_min <= share <= lint.true_max:
        return []
    advice = (
        "write false items that test a real misreading"
        if share > lint.true_max
        else "balance them with true items"
    )
    return [
        problem_at(
            sources.course,
            sources.root / "course.yaml",
            ("policy", "lint"),
            f"{len(true)} of {len(items)} true/false questions are keyed true ({share:.0%}); "
            f"the policy allows {lint.true_min:.0%} to {lint.true_max:.0%}: {advice} "
            f"(keyed true: {', '.join(o[3].id for o in true) or 'none'})",
        )
    ]


# --- near-duplicates and leaks ---------------------------------------------------------------


def _answer_words(q: Checkpoint) -> str:
    """The question's prompt with its answer, as near-duplicates are compared."""
    if isinstance(q, SingleChoice):
        return f"{q.prompt} {q.answer}"
    if isinstance(q, FillBlank):
        return re.sub(r"_{2,}", q.answer[0], q.prompt)
    if isinstance(q, (MultipleChoice, Ordering)):
        return f"{q.prompt} {' '.join(q.answer)}"
    if isinstance(q, Matching):
        return f"{q.prompt} {' '.join(f'{p.item} {p.answer}' for p in q.answer)}"
    return q.prompt


def _near_duplicates(course: Course, owners: list[Owner]) -> list[Problem]:
    threshold = course.meta.policy.lint.near_duplicate
    grams = [bigrams(_answer_words(o[3])) for o in owners]
    out: list[Problem] = []
    for j, later in enumerate(owners):
        for i in range(j):
            score = similarity(grams[i], grams[j])
            if score >= threshold:
                earlier = owners[i]
                out.append(
                    _at(
                        later,
                        f"asks much the same as {earlier[3].id} ({_place(earlier)}): their "
                        f"prompts and answers are {score:.0%} alike in character bigrams "
                        f"(the policy's near_duplicate is {threshold:.0%}); "
                        "merge them or test another point",
                        "prompt",
                    )
                )
    return out


#: Where a keyed option divides into clauses, each of which gives the answer away.
_CLAUSE = re.compile(r"[，,；;。]")


def _keys(q: Checkpoint) -> list[str]:
    """The keyed answers of ``q`` that may leak: options, their clauses, accepted fill-ins."""
    if isinstance(q, SingleChoice):
        keys = [q.answer]
    elif isinstance(q, (MultipleChoice, FillBlank)):
        keys = list(q.answer)
    else:
        return []
    clauses = [c for k in keys for c in _CLAUSE.split(k) if c and c != k]
    return list(dict.fromkeys([*keys, *clauses]))


def _keyed_options(q: Checkpoint) -> list[str]:
    """What a learner sees of ``q`` besides the prompt that is keyed as right."""
    if isinstance(q, SingleChoice):
        return [q.answer]
    if isinstance(q, MultipleChoice):
        return list(q.answer)
    return []


def _leaks(course: Course, owners: list[Owner]) -> list[Problem]:
    """A question must not give away another's answer in its prompt or its keyed options."""
    shortest = course.meta.policy.lint.leak_min_chars
    shown = [(_norm(o[3].prompt), [_norm(k) for k in _keyed_options(o[3])]) for o in owners]
    out: list[Problem] = []
    for x in owners:
        keys = [(_norm(k), k) for k in _keys(x[3]) if len(_norm(k)) >= shortest]
        quotes = [
            (_norm(e.quote), e.quote) for e in x[3].evidence if len(_norm(e.quote)) >= 2 * shortest
        ]
        for y, (prompt, options) in zip(owners, shown, strict=True):
            if y[3].id == x[3].id:
                continue
            found = [(raw, "the answer") for k, raw in keys if k in prompt or k in options]
            found += [(raw, "the quote that proves the answer") for k, raw in quotes if k in prompt]
            if found:
                leak, what = found[0]
                out.append(
                    _at(
                        y,
                        f"its prompt or keyed option contains {leak!r}, {what} of {x[3].id} "
                        f"({_place(x)}): a learner who reads one gets the other free",
                        "prompt",
                    )
                )
    return out


def _reflection_leaks(course: Course, sources: Sources, owners: list[Owner]) -> list[Problem]:
    """A reflection's prompt and guidance are printed beside its module's checkpoints: they
    must not give away one of those answers either."""
    shortest = course.meta.policy.lint.leak_min_chars
    out: list[Problem] = []
    for module in course.modules:
        doc = sources.extras.get(module.id)
        path = sources.root / "modules" / f"{module.id}.yaml"
        beside = {q.id for q in course.checkpoints_for(module.id)}
        for i, r in enumerate(module.reflections):
            for field in ("prompt", "guidance"):
                shown = _norm(getattr(r, field))
                for x in (o for o in owners if o[3].id in beside):
                    keys = [k for k in _keys(x[3]) if len(_norm(k)) >= shortest]
                    leak = next((k for k in keys if _norm(k) in shown), None)
                    if leak is None:
                        continue
                    out.append(
                        problem_at(
                            doc,
                            path,
                            ("reflections", i, field),
                            f"{r.id}: its {field} contains {leak!r}, the answer of {x[3].id} "
                            f"({_place(x)}): a learner reads it beside the question",
                        )
                    )
    return out


def _place(owner: Owner) -> str:
    doc, path, loc, _ = owner
    line = doc.line(loc) if doc else None
    return f"{path.name}:{line}" if line else path.name


# --- untested paragraphs ---------------------------------------------------------------------


def _untested(course: Course, sources: Sources) -> list[Problem]:
    """Paragraphs no checkpoint cites, per module, unless listed as untested with a reason."""
    cited: dict[str, set[int]] = {}
    for _, q in course.all_checkpoints():
        for ev in q.evidence:
            if ev.paragraph is not None:
                cited.setdefault(ev.module, set()).add(ev.paragraph)
    out: list[Problem] = []
    for module in course.modules:
        doc = sources.extras.get(module.id)
        yaml_path = sources.root / "modules" / f"{module.id}.yaml"
        waived = {u.paragraph for u in module.extras.untested}
        here = cited.get(module.id, set())
        for i, u in enumerate(module.extras.untested):
            if u.paragraph in here:
                out.append(
                    problem_at(
                        doc,
                        yaml_path,
                        ("untested", i, "paragraph"),
                        f"lists {module.label} ¶{u.paragraph} as untested, but a checkpoint "
                        "cites it: take it off the list",
                    )
                )
        missing = [p for p in module.paragraphs if p.number not in here | waived]
        if missing:
            numbers = "、".join(f"¶{p.number}" for p in missing[:_NAMED])
            if len(missing) > _NAMED:
                numbers += f" and {len(missing) - _NAMED:,} more"
            out.append(
                Problem(
                    str(module.files[0]),
                    f"{module.id}: no checkpoint cites {module.label} {numbers}; test "
                    f"them, or list them under 'untested' in {yaml_path.name} with a reason",
                    line=missing[0].line,
                )
            )
    return out


# --- the glossary ------------------------------------------------------------------------------


def _glossary(course: Course, sources: Sources) -> list[Problem]:
    """Each definition says what its evidence says, and the evidence names the term."""
    threshold = course.meta.policy.lint.glossary_overlap
    labels = [m.label for m in course.modules]
    gpath = sources.root / "glossary.yaml"
    out: list[Problem] = []
    for i, term in enumerate(course.glossary.terms):

        def at(
            sub: tuple[str | int, ...], message: str, i: int = i, term: GlossaryTerm = term
        ) -> None:
            loc = ("terms", i, *sub)
            out.append(problem_at(sources.glossary, gpath, loc, f"{term.term}: {message}"))

        if not term.evidence:
            at(
                ("definition",),
                "the definition cites no evidence: add where the packet says it "
                "(module, paragraph, quote), and move anything beyond the packet to 'general' "
                "with a source",
            )
            continue
        joined = "\n".join(plain(ev.quote) for ev in term.evidence)
        if not any(form in joined for form in term.forms):
            at(("evidence",), "no evidence quote contains the term or one of its aliases")
        for fragment in _QUOTED.findall(term.definition):
            if _norm(fragment) not in _norm(joined):
                at(
                    ("definition",),
                    f"quotes “{fragment[:30]}”, which no evidence quote contains",
                )
        own = bigrams(_strip_places(term.definition, labels))
        grounded = len(own & bigrams(joined)) / len(own) if own else 1.0
        if grounded < threshold:
            at(
                ("definition",),
                f"only {grounded:.0%} of the definition's wording is in its evidence (the "
                f"policy asks for {threshold:.0%}): say what the packet says, and put anything "
                "else under 'general' with a source",
            )
    return out


def _strip_places(text: str, labels: Iterable[str]) -> str:
    """``text`` without places such as 附件六¶5: they are references, not claims."""
    out = _PLACE.sub("", text)
    for label in sorted(labels, key=len, reverse=True):
        out = out.replace(label, "")
    return out
