"""The typed course model.

Two layers: the *source* models mirror what a trainer writes in ``courseware/``
(``course.yaml``, module front matter, module YAML, ``glossary.yaml``,
``exercises.yaml``) and are what the JSON Schema is exported from; the
*loaded* objects (:class:`Course`, :class:`Module`) add what is derived from
the Markdown body: numbered paragraphs and sub-sections.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from coursekit.errors import Problem
from coursekit.hashing import hash_files
from coursekit.text import plain

__all__ = [
    "Category",
    "Checkpoint",
    "Course",
    "CourseMeta",
    "Evidence",
    "Exercises",
    "Glossary",
    "GlossaryTerm",
    "Module",
    "ModuleExtras",
    "ModuleMeta",
    "Paragraph",
    "Reflection",
    "Requirement",
    "Section",
    "StudyFormat",
    "TrainerNotes",
]

Slug = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9-]*$",
        max_length=40,
        description="ASCII id: lower-case letters, digits and hyphens, starting with a letter.",
    ),
]
Text = Annotated[str, Field(min_length=1)]


class _Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --- course.yaml -------------------------------------------------------------------


class Category(_Source):
    """One of the notice's study-content categories."""

    id: Slug
    name: Text


class Evidence(_Source):
    """Where an answer stands: a module, a paragraph number and a verbatim quote."""

    module: Slug
    paragraph: int = Field(ge=1)
    quote: Text

    def place(self, label: str) -> str:
        return f"{label} ¶{self.paragraph}"


class StudyFormat(_Source):
    """How the study is done, as the notice states it."""

    mode: Text = Field(description="e.g. 分散个人自学")
    online: list[Text] = Field(default_factory=list, description="online channels named")
    schedule: Text = Field(description="e.g. 时间不作统一安排")
    evidence: Evidence


class Requirement(_Source):
    """A requirement the notice places on organisations or on members, quoted."""

    who: Literal["organisations", "members"]
    summary: Text = Field(description="a short label in the trainer's words")
    evidence: Evidence


class Policy(_Source):
    """Minimum content a course must carry; ``validate`` enforces it."""

    min_checkpoints: int = Field(0, ge=0, description="checkpoints per module")
    min_reflections: int = Field(0, ge=0, description="reflection prompts per module")
    min_fill: int = Field(0, ge=0, description="fill-in-the-blank questions in the course")
    min_order: int = Field(0, ge=0, description="ordering questions in the course")
    all_types_per_module: int = Field(
        0, ge=0, description="distinct question types each module must mix"
    )
    trainer_notes: bool = Field(False, description="every module needs trainer notes")


class CourseMeta(_Source):
    """``course.yaml``: the course as a whole."""

    id: Slug
    title: Text
    issuer: Text
    date: dt.date
    lang: Literal["zh", "en"] = "zh"
    notice_module: Slug = Field(description="the module that holds the cover notice")
    modules: list[Slug] = Field(min_length=1, description="module ids, in study order")
    categories: list[Category] = Field(min_length=1)
    study_format: StudyFormat
    requirements: list[Requirement] = Field(default_factory=list)
    policy: Policy = Policy()


# --- modules/<id>.md front matter ----------------------------------------------------


class ModuleMeta(_Source):
    """The YAML front matter of a module's Markdown file."""

    id: Slug
    label: Text = Field(description="e.g. 附件三")
    title: Text
    category: Slug
    source: str | None = Field(None, description="the outlet, e.g. 新华网")
    published: dt.date | None = Field(None, description="publication or signing date")
    issuer: str | None = None
    byline: str | None = Field(None, description="e.g. 中国疾病预防控制中心 编写")


# --- modules/<id>.yaml -----------------------------------------------------------------


class _Question(_Source):
    id: Slug
    prompt: Text
    explanation: Text
    evidence: list[Evidence] = Field(min_length=1)
    reveal_after: int | None = Field(
        None, ge=1, description="attempts after which the answer may be revealed"
    )

    @field_validator("evidence", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, dict) else value


class SingleChoice(_Question):
    type: Literal["single"]
    options: list[Text] = Field(min_length=2, max_length=8)
    answer: Text


class MultipleChoice(_Question):
    type: Literal["multiple"]
    options: list[Text] = Field(min_length=2, max_length=8)
    answer: list[Text] = Field(min_length=1)


class TrueFalse(_Question):
    type: Literal["truefalse"]
    answer: bool


class FillBlank(_Question):
    """The prompt marks the blank with ``____``; ``answer`` lists accepted variants."""

    type: Literal["fill"]
    answer: list[Text] = Field(min_length=1)

    @field_validator("answer", mode="before")
    @classmethod
    def _one_answer_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class Ordering(_Question):
    """``answer`` lists the items in the right order; learners see them shuffled."""

    type: Literal["order"]
    answer: list[Text] = Field(min_length=3, max_length=10)


class MatchPair(_Source):
    item: Text
    answer: Text


class Matching(_Question):
    """Assign each item to one of ``options`` (e.g. an attachment to a category)."""

    type: Literal["match"]
    options: list[Text] = Field(min_length=2)
    answer: list[MatchPair] = Field(min_length=2)


Checkpoint = Annotated[
    SingleChoice | MultipleChoice | TrueFalse | FillBlank | Ordering | Matching,
    Field(discriminator="type"),
]
QUESTION_TYPES = ("single", "multiple", "truefalse", "fill", "order", "match")


class Reflection(_Source):
    id: Slug
    prompt: Text
    guidance: Text
    min_chars: int = Field(80, ge=0, description="suggested minimum length in characters")


class TrainerNotes(_Source):
    key_points: list[Text] = Field(min_length=1)
    discussion: list[Text] = Field(min_length=1)
    minutes: int = Field(ge=1, description="time estimate for the module")
    misreadings: list[Text] = Field(default_factory=list)


class ModuleExtras(_Source):
    """``modules/<id>.yaml``: what sits beside a module's text."""

    checkpoints: list[Checkpoint] = Field(default_factory=list)
    reflections: list[Reflection] = Field(default_factory=list)
    trainer_notes: TrainerNotes | None = None


# --- glossary.yaml, exercises.yaml ------------------------------------------------------


class GlossaryTerm(_Source):
    term: Text
    definition: Text
    aliases: list[Text] = Field(default_factory=list)

    @property
    def forms(self) -> list[str]:
        return [self.term, *self.aliases]


class Glossary(_Source):
    terms: list[GlossaryTerm] = Field(default_factory=list)


class Exercises(_Source):
    """Course-level exercises (a timeline, a category exercise), shown with the notice."""

    checkpoints: list[Checkpoint] = Field(default_factory=list)


# --- loaded objects ------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """A numbered paragraph; ``text`` keeps ``**emphasis**`` markers."""

    number: int
    text: str
    line: int

    @property
    def plain(self) -> str:
        return plain(self.text)


@dataclass(frozen=True)
class Section:
    """A run of paragraphs under an optional sub-section heading."""

    heading: str | None
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Module:
    meta: ModuleMeta
    sections: tuple[Section, ...]
    extras: ModuleExtras
    files: tuple[Path, ...] = ()

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def label(self) -> str:
        return self.meta.label

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def paragraphs(self) -> tuple[Paragraph, ...]:
        return tuple(p for s in self.sections for p in s.paragraphs)

    def paragraph(self, number: int) -> Paragraph:
        for p in self.paragraphs:
            if p.number == number:
                return p
        raise KeyError(f"{self.id} has no paragraph {number}")

    @property
    def checkpoints(self) -> list[Checkpoint]:
        return list(self.extras.checkpoints)

    @property
    def reflections(self) -> list[Reflection]:
        return list(self.extras.reflections)

    @property
    def char_count(self) -> int:
        return sum(len(p.plain) for p in self.paragraphs)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one loaded course
class Course:
    meta: CourseMeta
    modules: tuple[Module, ...]
    glossary: Glossary = field(default_factory=Glossary)
    exercises: Exercises = field(default_factory=Exercises)
    root: Path | None = None
    files: tuple[Path, ...] = field(default=())
    #: what ``validate`` reports without refusing the course: unused files, long modules
    warnings: tuple[Problem, ...] = field(default=())

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def title(self) -> str:
        return self.meta.title

    def module(self, module_id: str) -> Module:
        for m in self.modules:
            if m.id == module_id:
                return m
        raise KeyError(f"no module {module_id!r} in course {self.id!r}")

    @property
    def notice(self) -> Module:
        return self.module(self.meta.notice_module)

    def category(self, category_id: str) -> Category:
        for c in self.meta.categories:
            if c.id == category_id:
                return c
        raise KeyError(category_id)

    def checkpoints_for(self, module_id: str) -> list[Checkpoint]:
        """A module's checkpoints; the notice module also carries the course exercises."""
        module = self.module(module_id)
        extra = self.exercises.checkpoints if module_id == self.meta.notice_module else []
        return [*module.checkpoints, *extra]

    @cached_property
    def version(self) -> str:
        """The content version: a hash of every course file, the same wherever it is loaded."""
        files = [*self.files, *(f for m in self.modules for f in m.files)]
        return hash_files(files, self.root)[:16]

    def all_checkpoints(self) -> list[tuple[str, Checkpoint]]:
        return [(m.id, q) for m in self.modules for q in self.checkpoints_for(m.id)]
