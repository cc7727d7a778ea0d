"""The site's own pages: the index, the note for a module that could not be built, navigation.

The module pages are rendered by nbconvert (:mod:`coursekit.render`) with the
same stylesheet and the navigation macro of ``nav.html.j2``; the trainer
notebook shows :func:`session_plan_html`.

Site layout::

    index.html
    handout/<module>.html     learner handout (self-check in <details>)
    worksheet/<module>.html   printable worksheet, answer key as an appendix
    trainer/<module>.html     trainer guide: answers, evidence, trainer notes
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from markupsafe import Markup

from coursekit.html import variants
from coursekit.html.env import render
from coursekit.messages import msg
from coursekit.model import Course, Module

__all__ = [
    "GENERATOR",
    "GENERATOR_META",
    "VARIANTS",
    "Link",
    "NavContext",
    "Neighbour",
    "index_html",
    "nav_context",
    "page_path",
    "placeholder_html",
    "session_plan_html",
]

# The variants as plain names, for callers that key pages by ``str``; defined in variants.py.
VARIANTS: tuple[str, ...] = variants.VARIANTS
GENERATOR = "coursekit"
# The tag layout.html.j2 writes into every page of the site's own: it marks them as coursekit's.
GENERATOR_META = f'<meta name="generator" content="{GENERATOR}">'


def page_path(variant: str, module_id: str) -> str:
    """A module page's path inside the site, e.g. ``worksheet/a3.html``."""
    return f"{variant}/{module_id}.html"


@dataclass(frozen=True)
class Neighbour:
    id: str
    label: str
    title: str


@dataclass(frozen=True)
class Link:
    """One link of the navigation; ``href`` is ``None`` for the page itself."""

    href: str | None
    text: str
    rel: str | None = None


@dataclass(frozen=True)
class NavContext:
    """What a module page needs to know about the site around it; part of its cache key.

    Templates read it (``nav.html.j2``): its texts are in words already, so that
    nbconvert's environment, which has no catalogue filter, can show them too.
    """

    lang: str
    course_title: str
    module: Neighbour
    prev: Neighbour | None
    next: Neighbour | None

    def title(self, variant: str) -> str:
        return f"{self.module.label} {self.module.title} · {msg(self.lang, f'site.{variant}')}"

    @property
    def label(self) -> str:
        return msg(self.lang, "site.nav")

    @property
    def bottom_label(self) -> str:
        return msg(self.lang, "site.nav_bottom")

    @property
    def variants_label(self) -> str:
        return msg(self.lang, "site.variants")

    def links(self, variant: str) -> Iterator[Link]:
        """The index, then the previous and next module in the same variant."""
        yield Link("../index.html", msg(self.lang, "site.index"))
        for key, other in (("prev", self.prev), ("next", self.next)):
            if other is not None:
                text = msg(self.lang, f"site.{key}_to", label=other.label)
                yield Link("../" + page_path(variant, other.id), text, key)

    def variants(self, variant: str) -> Iterator[Link]:
        """Every variant of this module; the current one without a link."""
        for v in VARIANTS:
            href = None if v == variant else "../" + page_path(v, self.module.id)
            yield Link(href, msg(self.lang, f"site.{v}"))


def _neighbour(module: Module) -> Neighbour:
    return Neighbour(module.id, module.label, module.title)


def nav_context(course: Course, module_id: str) -> NavContext:
    """Previous and next follow the order of ``course.yaml``."""
    ids = [m.id for m in course.modules]
    i = ids.index(module_id)
    prev = _neighbour(course.modules[i - 1]) if i > 0 else None
    nxt = _neighbour(course.modules[i + 1]) if i + 1 < len(ids) else None
    return NavContext(course.meta.lang, course.title, _neighbour(course.modules[i]), prev, nxt)


def _by_category(course: Course) -> list[tuple[str, list[Module]]]:
    return [
        (category.name, [m for m in course.modules if m.meta.category == category.id])
        for category in course.meta.categories
    ]


def index_html(course: Course, unavailable: Iterable[str] = ()) -> str:
    """The site's front page: overview, study format, categories and every module's pages."""
    return str(
        render(
            "index.html.j2",
            lang=course.meta.lang,
            course=course,
            categories=_by_category(course),
            unavailable=set(unavailable),
            variants=VARIANTS,
        )
    )


def placeholder_html(nav: NavContext, variant: str) -> str:
    """The page of a module that failed and has no earlier version to keep."""
    return str(render("placeholder.html.j2", lang=nav.lang, nav=nav, variant=variant))


def session_plan_html(course: Course, lang: str | None = None) -> Markup:
    """The trainer's session plan: format, categories with modules and times, requirements."""
    return render(
        "session_plan.html.j2",
        lang=lang or course.meta.lang,
        course=course,
        categories=_by_category(course),
    )
