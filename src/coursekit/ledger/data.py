"""What a branch's study ledger says, gathered from a store or from record files.

The ledger (学习台账) is three documents per branch: the register
(学习登记表, XLSX), the activity record (主题党日活动记录, DOCX) and the
compilation of reflections (心得体会汇编, DOCX). All three are written from one
:class:`Ledger`, which holds, per branch, each member's work:

* the modules read, with when;
* the checkpoints answered and those right at the first try, graded from the
  course key by the report's own counters (:func:`coursekit.store.cohort.cohort_counts`
  over a store, :func:`coursekit.report._record_counts` over record files), so the
  ledger and the report never disagree;
* each reflection with text, with when it was last saved.

A branch's members are the roster's (its name, its secretary by the role the
roster gives). Without a roster (record files without ``--roster``) they are
the learners who sent records, and nobody can be listed as absent.
Nothing here is invented: the course gives the theme and dates, the roster the
names, the learners' work the rest.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from coursekit.answers import instant as _instant
from coursekit.answers import local_time
from coursekit.answers import time_bounds as _bounds

if TYPE_CHECKING:
    from coursekit.model import Course
    from coursekit.report import Cohort
    from coursekit.store import SQLStore
    from coursekit.store.cohort import CohortCounts
    from coursekit.store.rows import RosterEntry

__all__ = [
    "SECRETARY_ROLES",
    "Branch",
    "Ledger",
    "Member",
    "Written",
    "is_secretary",
    "ledger_from_cohort",
    "ledger_from_store",
]

#: The roles (a roster's 职务 column) that make a member their branch's secretary. A deputy
#: (副书记) is not the secretary who signs.
SECRETARY_ROLES = frozenset({"书记", "支部书记", "党支部书记", "secretary", "branch secretary"})


def is_secretary(role: str | None) -> bool:
    """Whether a roster role names the branch's secretary (not a deputy)."""
    if not role:
        return False
    return unicodedata.normalize("NFKC", role).strip().casefold() in SECRETARY_ROLES


@dataclass(frozen=True)
class Written:
    """One reflection a member wrote: its module, its prompt's id, the text, when saved (UTC)."""

    module: str
    reflection: str
    text: str
    at: str


@dataclass(frozen=True)
class Member:
    """One member of a branch and their work in the course.

    ``on_roster`` is ``None`` when no roster is known (record files alone).
    ``answered``/``first_correct`` count distinct checkpoints of the course,
    graded from its key; ``reads`` maps a module id to when it was read (UTC).
    ``first_at``/``last_at`` bound everything the member did in the course.
    """

    learner: str
    name: str
    role: str | None = None
    on_roster: bool | None = None
    reads: dict[str, str] = field(default_factory=dict)
    answered: int = 0
    first_correct: int = 0
    reflections: tuple[Written, ...] = ()
    first_at: str | None = None
    last_at: str | None = None

    @property
    def took_part(self) -> bool:
        """Whether the member did anything in the course (the report's participation)."""
        return self.first_at is not None

    @property
    def accuracy(self) -> float | None:
        """The share of answered checkpoints right at the first try; ``None`` if none answered."""
        return self.first_correct / self.answered if self.answered else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "learner": self.learner,
            "name": self.name,
            "role": self.role,
            "on_roster": self.on_roster,
            "reads": dict(self.reads),
            "answered": self.answered,
            "first_correct": self.first_correct,
            "reflections": [
                {"module": w.module, "reflection": w.reflection, "text": w.text, "at": w.at}
                for w in self.reflections
            ],
            "first_at": self.first_at,
            "last_at": self.last_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Member:
        """The member :meth:`to_dict` wrote; ``KeyError``/``TypeError`` when fields are missing."""
        return cls(
            learner=str(data["learner"]),
            name=str(data["name"]),
            role=data.get("role"),
            on_roster=data.get("on_roster"),
            reads={str(k): str(v) for k, v in dict(data.get("reads") or {}).items()},
            answered=int(data.get("answered", 0)),
            first_correct=int(data.get("first_correct", 0)),
            reflections=tuple(
                Written(str(w["module"]), str(w["reflection"]), str(w["text"]), str(w["at"]))
                for w in data.get("reflections") or []
            ),
            first_at=data.get("first_at"),
            last_at=data.get("last_at"),
        )


@dataclass(frozen=True)
class Branch:
    """A branch (支部) and its members, the roster's first (in its order), then the others.

    ``name`` is ``None`` for learners no roster or record places in a branch.
    ``roster_known`` says whether the members are a roster's, so that those
    who did not take part can be named.
    """

    name: str | None
    members: tuple[Member, ...]
    roster_known: bool

    @property
    def secretaries(self) -> list[Member]:
        return [m for m in self.members if is_secretary(m.role)]

    @property
    def participants(self) -> list[Member]:
        return [m for m in self.members if m.took_part]

    @property
    def absent(self) -> list[Member]:
        """Members on the roster who did nothing in the course (empty without a roster)."""
        if not self.roster_known:
            return []
        return [m for m in self.members if m.on_roster and not m.took_part]

    @property
    def roster_members(self) -> list[Member]:
        """Who the branch should count: the roster's members, or, without one, everyone."""
        if not self.roster_known:
            return list(self.members)
        return [m for m in self.members if m.on_roster]

    def span(self) -> tuple[str, str] | None:
        """The first and last time anyone in the branch did something in the course (UTC)."""
        firsts = [m.first_at for m in self.members if m.first_at]
        lasts = [m.last_at for m in self.members if m.last_at]
        if not firsts or not lasts:
            return None
        return min(firsts, key=_instant), max(lasts, key=_instant)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "roster_known": self.roster_known,
            "members": [m.to_dict() for m in self.members],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Branch:
        name = data.get("name")
        return cls(
            name=None if name is None else str(name),
            members=tuple(Member.from_dict(m) for m in data.get("members") or []),
            roster_known=bool(data.get("roster_known")),
        )


@dataclass(frozen=True)
class Ledger:
    """Every branch's ledger for one course, and where the work was read from."""

    course: Course
    branches: tuple[Branch, ...]
    source: str

    def local_date(self, stamp: str) -> dt.date | None:
        """The day a stored time falls on in the course's time zone."""
        moment = local_time(stamp, self.course.meta.timezone)
        return None if moment is None else moment.date()


# --- assembling -----------------------------------------------------------------------------


@dataclass
class _Work:
    """One learner's work as it is gathered, before it becomes a :class:`Member`."""

    reads: dict[str, str] = field(default_factory=dict)
    answered: int = 0
    first_correct: int = 0
    reflections: list[Written] = field(default_factory=list)
    first_at: str | None = None
    last_at: str | None = None


@dataclass(frozen=True)
class _Person:
    learner: str
    name: str
    branch: str | None
    role: str | None
    on_roster: bool | None


def _graded(counts: CohortCounts, work: dict[str, _Work]) -> None:
    """Add each learner's answered and first-try-right checkpoints, as the report counts them."""
    totals = counts.completion.groupby("learner")[["answered", "first_correct"]].sum()
    for learner, row in totals.iterrows():
        held = work.setdefault(str(learner), _Work())
        held.answered = int(row["answered"])
        held.first_correct = int(row["first_correct"])


def _assemble(
    course: Course,
    people: Sequence[_Person],
    work: dict[str, _Work],
    roster_known: bool,
    branches: Collection[str] | None,
    source: str,
) -> Ledger:
    """Group people into branches (roster order), everyone with work or on the roster."""
    order = {m.id: i for i, m in enumerate(course.modules)}
    grouped: dict[str | None, list[Member]] = defaultdict(list)
    for person in people:
        if branches is not None and person.branch not in branches:
            continue
        done = work.get(person.learner, _Work())
        if done.first_at is None and (not person.on_roster or person.branch is None):
            continue  # no work, and no branch on a roster that expects them: nobody's absentee
        grouped[person.branch].append(
            Member(
                learner=person.learner,
                name=person.name,
                role=person.role,
                on_roster=person.on_roster,
                reads={m: done.reads[m] for m in sorted(done.reads, key=order.__getitem__)},
                answered=done.answered,
                first_correct=done.first_correct,
                reflections=tuple(
                    sorted(done.reflections, key=lambda w: (order[w.module], w.reflection))
                ),
                first_at=done.first_at,
                last_at=done.last_at,
            )
        )
    # Branches by name (members without one last); members as the roster lists them, then
    # the learners it does not list.
    named = sorted((b for b in grouped if b is not None), key=_branch_key)
    ordered = [*named, *([None] if None in grouped else [])]
    return Ledger(
        course=course,
        branches=tuple(
            Branch(
                name=b,
                members=tuple(sorted(grouped[b], key=lambda m: m.on_roster is False)),
                roster_known=roster_known,
            )
            for b in ordered
        ),
        source=source,
    )


def _branch_key(name: str) -> tuple[str, str]:
    return (unicodedata.normalize("NFKC", name).casefold(), name)


# --- from a store ---------------------------------------------------------------------------


def ledger_from_store(
    store: SQLStore, course: Course, branches: Collection[str] | None = None
) -> Ledger:
    """The ledger of every branch (or of ``branches``) in ``store``, for ``course``.

    The store's roster gives the members, names, branches and roles; counts
    come from :func:`~coursekit.store.cohort.cohort_counts`, so they are the
    report's; read times and reflections are read for those members only.
    """
    import sqlalchemy as sa

    from coursekit.store.cohort import BLANK, cohort_counts, nonblank
    from coursekit.store.schema import attempts, learners, reads, reflections

    counts = cohort_counts(store, course, branches)
    work: dict[str, _Work] = {}
    _graded(counts, work)
    cid = course.id
    modules = [m.id for m in course.modules]
    prompts = {r.id: m.id for m in course.modules for r in m.reflections}

    def within(column: Any) -> list[Any]:
        if branches is None:
            return []
        members = sa.select(learners.c.id).where(learners.c.branch.in_(sorted(branches)))
        return [column.in_(members.scalar_subquery())]

    with store.connection() as c:
        roster = c.execute(
            sa.select(learners.c.id, learners.c.name, learners.c.branch, learners.c.role)
            .where(*within(learners.c.id))
            .order_by(learners.c.id)
        ).all()
        for learner, module, at in c.execute(
            sa.select(reads.c.learner, reads.c.module, reads.c.done_at).where(
                reads.c.course_id == cid, reads.c.module.in_(modules), *within(reads.c.learner)
            )
        ):
            work.setdefault(learner, _Work()).reads[module] = at
        if prompts:
            for learner, reflection, text, at in c.execute(
                sa.select(
                    reflections.c.learner,
                    reflections.c.reflection_id,
                    reflections.c.text,
                    reflections.c.updated_at,
                ).where(
                    reflections.c.course_id == cid,
                    reflections.c.reflection_id.in_(list(prompts)),
                    *within(reflections.c.learner),
                )
            ):
                if text.strip(BLANK):
                    work.setdefault(learner, _Work()).reflections.append(
                        Written(prompts[reflection], reflection, text, at)
                    )
        # Everything the learner did in the course, retired items included, as the report
        # counts a learner's work; a reflection emptied again is no work.
        said = nonblank(reflections.c.text, store.backend)
        spans = sa.union_all(
            *(
                sa.select(
                    t.c.learner, sa.func.min(stamp).label("lo"), sa.func.max(stamp).label("hi")
                )
                .where(t.c.course_id == cid, *within(t.c.learner), *where)
                .group_by(t.c.learner)
                for t, stamp, where in (
                    (attempts, attempts.c.at, []),
                    (reads, reads.c.done_at, []),
                    (reflections, reflections.c.updated_at, [said]),
                )
            )
        ).subquery()
        for learner, lo, hi in c.execute(sa.select(spans.c.learner, spans.c.lo, spans.c.hi)):
            held = work.setdefault(learner, _Work())
            held.first_at, _ = _bounds([*filter(None, [held.first_at, lo])])
            _, held.last_at = _bounds([*filter(None, [held.last_at, hi])])
    people = [_Person(learner, name, branch, role, True) for learner, name, branch, role in roster]
    return _assemble(course, people, work, True, branches, store.where)


# --- from record files ----------------------------------------------------------------------


def ledger_from_cohort(
    course: Course,
    cohort: Cohort,
    roster: Sequence[RosterEntry] | None = None,
    branches: Collection[str] | None = None,
    source: str = "records",
) -> Ledger:
    """The ledger from learners' records, with a roster's members, names and roles if given.

    A record is input, not truth: a learner on the roster keeps the roster's
    name and branch whatever their record says; one the roster does not list
    is placed by their record and marked as not on the roster.
    """
    from coursekit.report import _record_counts

    counts = _record_counts(course, cohort)
    work: dict[str, _Work] = {}
    _graded(counts, work)
    people: list[_Person] = []
    listed: set[str] = set()
    for entry in roster or ():
        people.append(_Person(entry.learner, entry.name, entry.branch, entry.role, True))
        listed.add(entry.learner)
    for _, record in cohort.records:
        # what the record's summary holds (coursekit.cohort_files.summarise): reads of the
        # course's modules, reflections with text under its prompts, the bounds of its work
        held = work.setdefault(record.learner, _Work())
        held.reads.update(record.reads)
        held.reflections += [Written(*written) for written in record.written]
        held.first_at, held.last_at = record.first_at, record.last_at
        if record.learner not in listed:
            people.append(
                _Person(
                    record.learner,
                    record.name or record.learner,
                    record.branch,
                    None,
                    False if roster is not None else None,
                )
            )
    return _assemble(course, people, work, roster is not None, branches, source)
