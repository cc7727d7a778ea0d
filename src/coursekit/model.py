"""The typed course model.

Two layers: the *source* models mirror what a trainer writes in ``courseware/``
(``course.yaml``, module front matter, module YAML, ``glossary.yaml``,
``exercises.yaml``) and are what the JSON Schema is exported from; the
*loaded* objects (:class:`Course`, :class:`Module`) add what is derived from
the Markdown body: numbered paragraphs and sub-sections.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from coursekit.errors import Problem
from coursekit.hashing import hash_files
from coursekit.text import plain

__all__ = [
    "DEFAULT_TIMEZONES",
    "Category",
    "Checkpoint",
    "Course",
    "CourseMeta",
    "Evidence",
    "Exercises",
    "GeneralKnowledge",
    "Glossary",
    "GlossaryTerm",
    "LintPolicy",
    "Live",
    "Module",
    "ModuleExtras",
    "ModuleMeta",
    "OptionFeedback",
    "Paragraph",
    "Reflection",
    "Requirement",
    "Section",
    "StudyFormat",
    "TrainerNotes",
    "Untested",
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


#: Front-matter fields evidence may cite when what it quotes is not in a paragraph:
#: a document's date line, for instance, is kept as ``published``.
MetaField = Literal["published", "title", "source", "issuer", "byline"]


class Evidence(_Source):
    """Where an answer stands: a module, a paragraph number and a verbatim quote.

    A fact that is in a module's front matter rather than its text (the date a
    notice was signed) cites the field instead of a paragraph: ``meta: published``.
    """

    module: Slug
    paragraph: int | None = Field(None, ge=1, description="the paragraph quoted")
    meta: MetaField | None = Field(
        None, description="or the front-matter field quoted, e.g. published"
    )
    quote: Text

    @model_validator(mode="after")
    def _paragraph_or_meta(self) -> Evidence:
        if (self.paragraph is None) == (self.meta is None):
            raise ValueError("cite either a paragraph or a front-matter field (meta), not both")
        return self

    def place(self, label: str, field_label: str = "") -> str:
        """``附件二 ¶5``, or ``附件六 · 发布时间`` for a front-matter field."""
        if self.paragraph is None:
            return f"{label} · {field_label or self.meta}"
        return f"{label} ¶{self.paragraph}"


class StudyFormat(_Source):
    """How the study is done, as the notice states it."""

    mode: Text = Field(description="e.g. 分散个人自学")
    online: list[Text] = Field(default_factory=list, description="online channels named")
    schedule: Text = Field(description="e.g. 时间不作统一安排")
    evidence: Evidence


class Activity(_Source):
    """The activity the notice calls for (a 主题党日): its theme and the period it names.

    The branch's ledger (``coursekit ledger``) takes its activity record's
    theme and dates from here; without it, the theme is the course's title and
    the dates are those of the members' work.
    """

    theme: Text = Field(description="the activity's name as the notice words it")
    start: dt.date = Field(description="the first day of the period the notice names")
    end: dt.date = Field(description="the last day of that period")
    evidence: Evidence

    @model_validator(mode="after")
    def _in_order(self) -> Activity:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Requirement(_Source):
    """A requirement the notice places on organisations or on members, quoted."""

    who: Literal["organisations", "members"]
    summary: Text = Field(description="a short label in the trainer's words")
    evidence: Evidence


class LintPolicy(_Source):
    """Thresholds of the question-bank lint that ``coursekit validate`` runs."""

    errors: bool = Field(False, description="report lint findings as errors, not warnings")
    near_duplicate: float = Field(
        0.45,
        gt=0,
        le=1,
        description="character-bigram similarity (cosine, prompt + answer) at which two "
        "questions are near-duplicates",
    )
    true_min: float = Field(
        0.35, ge=0, le=1, description="least share of true/false items keyed true"
    )
    true_max: float = Field(0.65, ge=0, le=1, description="largest share keyed true")
    key_share_max: float = Field(
        0.5,
        gt=0,
        le=1,
        description="largest share of one key position among items shown in authored order",
    )
    key_min_items: int = Field(
        4, ge=1, description="items of a type before key-position balance is judged"
    )
    leak_min_chars: int = Field(
        4, ge=1, description="shortest answer whose appearance elsewhere counts as a leak"
    )
    glossary_overlap: float = Field(
        0.6,
        gt=0,
        le=1,
        description="least share of a definition's character bigrams found in its evidence",
    )


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
    shuffle: bool = Field(
        True,
        description="show options and ordering items shuffled per learner (per question "
        "in handouts); a question may turn it off",
    )
    lint: LintPolicy = LintPolicy()


# An http(s) address without a query or fragment: coursekit appends the path or query it needs.
_WEB_ADDRESS = r"^https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[^\s?#\"'<>]*)?$"
_FOLDER = r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$"


def _matching(pattern: str, what: str) -> AfterValidator:
    """A check that says what was expected (a bare pattern mismatch reads as an id's)."""

    def check(value: str) -> str:
        if re.fullmatch(pattern, value) is None:
            raise ValueError(f"should be {what}")
        return value

    return AfterValidator(check)


WebAddress = Annotated[
    str,
    _matching(_WEB_ADDRESS, "an http:// or https:// address, without ?query or #fragment"),
    Field(
        max_length=300,
        description="an http:// or https:// address, without ?query or #fragment",
        json_schema_extra={"pattern": _WEB_ADDRESS},
    ),
]


class Live(_Source):
    """Where the course runs live: each module's page on the static site links its Voilà view.

    Without it (the default) the site links nothing live.
    """

    binder: WebAddress | None = Field(
        None, description="a Binder launch URL, e.g. https://mybinder.org/v2/gh/OWNER/REPO/HEAD"
    )
    hub: WebAddress | None = Field(
        None,
        description="a JupyterHub's user-redirect URL, "
        "e.g. https://hub.example.org/hub/user-redirect",
    )
    notebooks: Annotated[
        str,
        _matching(_FOLDER, "a folder path such as notebooks or course/notebooks"),
        Field(
            max_length=200,
            description="the folder of the module notebooks, relative to the server's root "
            "(the repository on Binder)",
            json_schema_extra={"pattern": _FOLDER},
        ),
    ] = "notebooks"
    preheated: bool = Field(
        True,
        description="the links open coursekit's own Voilà at coursekit-voila/, whose pages "
        "have pre-heated kernels (it needs jupyter-server-proxy on the Binder or the hub's "
        "single-user servers); false: Voilà's server extension at voila/render/, which "
        "starts a kernel when a page is opened",
    )


#: The time zone a course's times are shown in when ``course.yaml`` names none.
DEFAULT_TIMEZONES: dict[str, str] = {"zh": "Asia/Shanghai", "en": "UTC"}


def _no_default(schema: dict[str, Any]) -> None:
    """The default depends on ``lang``: the description states it, not a fixed ``default``."""
    schema.pop("default", None)


class CourseMeta(_Source):
    """``course.yaml``: the course as a whole."""

    id: Slug
    title: Text
    issuer: Text
    date: dt.date
    lang: Literal["zh", "en"] = "zh"
    timezone: str = Field(
        "UTC",
        pattern=r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9][A-Za-z0-9_+-]*)*$",
        max_length=64,
        description="the IANA time zone every time is shown in to learners and trainers, "
        "e.g. Asia/Shanghai; default Asia/Shanghai when lang is zh, UTC otherwise. "
        "Stored times stay in UTC",
        json_schema_extra=_no_default,
    )
    notice_module: Slug = Field(description="the module that holds the cover notice")
    modules: list[Slug] = Field(min_length=1, description="module ids, in study order")
    categories: list[Category] = Field(min_length=1)
    study_format: StudyFormat
    activity: Activity | None = None
    requirements: list[Requirement] = Field(default_factory=list)
    policy: Policy = Policy()
    live: Live = Live()

    @model_validator(mode="before")
    @classmethod
    def _timezone_of_lang(cls, data: Any) -> Any:
        """No ``timezone``: the one of the course's language (:data:`DEFAULT_TIMEZONES`)."""
        if isinstance(data, dict) and data.get("timezone") is None:
            lang = data.get("lang", "zh")
            return {**data, "timezone": DEFAULT_TIMEZONES.get(lang, "UTC")}
        return data

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            if name == "localtime":  # the machine's own zone: UTC on Binder
                raise ValueError(name)
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {name!r}: use an IANA name such as Asia/Shanghai or UTC"
            ) from None
        return name


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


class OptionFeedback(_Source):
    """Why one wrong answer is wrong: the misreading it reveals."""

    option: Text = Field(description="a wrong option, or (fill-in) a wrong answer as typed")
    explanation: Text


class _Options(_Question):
    """A question whose options are shown shuffled unless the author says otherwise."""

    shuffle: bool | None = Field(
        None, description="shuffle the options; the course policy decides when unset"
    )
    pinned: list[Text] = Field(
        default_factory=list,
        description="options that keep their listed place, e.g. 以上都不对 last",
    )


class SingleChoice(_Options):
    type: Literal["single"]
    options: list[Text] = Field(min_length=2, max_length=8)
    answer: Text
    feedback: list[OptionFeedback] = Field(
        default_factory=list, description="why a wrong option is wrong, shown after it is chosen"
    )


class MultipleChoice(_Options):
    type: Literal["multiple"]
    options: list[Text] = Field(min_length=2, max_length=8)
    answer: list[Text] = Field(min_length=1)
    feedback: list[OptionFeedback] = Field(
        default_factory=list, description="why a wrong option is wrong, shown after it is ticked"
    )


class TrueFalse(_Question):
    type: Literal["truefalse"]
    answer: bool


class FillBlank(_Question):
    """The prompt marks the blank with ``____``; ``answer`` lists accepted variants."""

    type: Literal["fill"]
    answer: list[Text] = Field(min_length=1)
    feedback: list[OptionFeedback] = Field(
        default_factory=list, description="why a likely wrong answer is wrong"
    )

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


class Matching(_Options):
    """Assign each item to one of ``options`` (e.g. an attachment to a category).

    Learners see the items and the options each in a shuffled order.
    """

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


class Untested(_Source):
    """A paragraph no checkpoint needs to cite, and why (an address line, a lead that a
    later paragraph repeats); the bank lint does not list it as untested."""

    paragraph: int = Field(ge=1)
    reason: Text


class ModuleExtras(_Source):
    """``modules/<id>.yaml``: what sits beside a module's text."""

    checkpoints: list[Checkpoint] = Field(default_factory=list)
    reflections: list[Reflection] = Field(default_factory=list)
    trainer_notes: TrainerNotes | None = None
    untested: list[Untested] = Field(
        default_factory=list, description="paragraphs left untested on purpose, with the reason"
    )


# --- glossary.yaml, exercises.yaml ------------------------------------------------------


class GeneralKnowledge(_Source):
    """What a glossary entry says beyond the packet, marked as such and sourced."""

    text: Text
    source: Text = Field(
        description="a published source a trainer can check: title, edition, section"
    )


class GlossaryTerm(_Source):
    """A term as the packet uses it: ``definition`` says only what ``evidence`` quotes."""

    term: Text
    definition: Text = Field(description="what the packet says, grounded in the evidence")
    aliases: list[Text] = Field(default_factory=list)
    evidence: list[Evidence] = Field(
        default_factory=list, description="where the packet says it (module, ¶, quote)"
    )
    general: GeneralKnowledge | None = Field(
        None, description="anything beyond the packet, shown as general knowledge"
    )

    @field_validator("evidence", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, dict) else value

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
