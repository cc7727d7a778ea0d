"""The site's own pages: the index, the trainer's index, the note for a module that could not
be built, navigation.

The module pages are rendered by nbconvert (:mod:`coursekit.render`) with the
same stylesheet and the navigation macro of ``nav.html.j2``; the trainer
notebook shows :func:`session_plan_html`.

Site layout::

    index.html                the learners' front page: the notice first, then every module
    handout/<module>.html     learner handout (self-check in <details>)
    worksheet/<module>.html   printable worksheet, answer key on its own page at the end
    trainer/index.html        the trainers' index: every trainer guide, how to print worksheets
    trainer/<module>.html     trainer guide: trainer notes first, answers, evidence

Learner pages (the index, handouts, worksheets) link no trainer guide: the only
way to the trainers' pages is the marked link in the index's footer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup

from coursekit.html import variants
from coursekit.html.env import render
from coursekit.messages import msg
from coursekit.model import Course, Module

__all__ = [
    "GENERATOR",
    "GENERATOR_META",
    "LEARNER_VARIANTS",
    "TRAINER_INDEX",
    "VARIANTS",
    "Link",
    "NavContext",
    "Neighbour",
    "index_html",
    "live_links",
    "nav_context",
    "page_path",
    "placeholder_html",
    "session_plan_html",
    "trainer_index_html",
]

# The variants as plain names, for callers that key pages by ``str``; defined in variants.py.
VARIANTS: tuple[str, ...] = variants.VARIANTS
# The variants a learner is shown; the trainer guide carries the answers and is not among them.
LEARNER_VARIANTS: tuple[str, ...] = ("handout", "worksheet")
TRAINER_INDEX = "trainer/index.html"
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

    def named(self, lang: str) -> str:
        """``附件四《中共中央印发〈…〉》``: label and title, as a link to the page says it."""
        return msg(lang, "site.named", label=self.label, title=_nested_quotes(self.title))


def _nested_quotes(title: str) -> str:
    """Book-title marks inside book-title marks become the inner form (《…〈…〉…》)."""
    return title.replace("\u300a", "\u3008").replace("\u300b", "\u3009")


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
    live: tuple[Link, ...] = ()

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

    def index(self, variant: str) -> Link:
        """The index a page belongs to: the trainers' for a trainer guide, the learners' else."""
        if variant == "trainer":
            return Link("index.html", msg(self.lang, "site.trainer_index"))
        return Link("../index.html", msg(self.lang, "site.index"))

    def steps(self, variant: str) -> Iterator[Link]:
        """The previous and next module in the same variant, each named by label and title."""
        for key, other in (("prev", self.prev), ("next", self.next)):
            if other is not None:
                text = msg(self.lang, f"site.{key}_named", named=other.named(self.lang))
                yield Link("../" + page_path(variant, other.id), text, key)

    def links(self, variant: str) -> Iterator[Link]:
        """The index, then the previous and next module."""
        yield self.index(variant)
        yield from self.steps(variant)

    def variants(self, variant: str) -> Iterator[Link]:
        """The module's other pages; the current one without a link. A learner's page
        offers only the learners' variants."""
        shown = VARIANTS if variant == "trainer" else LEARNER_VARIANTS
        for v in shown:
            href = None if v == variant else "../" + page_path(v, self.module.id)
            yield Link(href, msg(self.lang, f"site.{v}"))


def _neighbour(module: Module) -> Neighbour:
    return Neighbour(module.id, module.label, module.title)


def live_links(course: Course, module_id: str) -> tuple[Link, ...]:
    """Links to the module's Voilà view on the course's Binder and hub; none if it has neither.

    The notebook is named as ``coursekit build`` names it (``04-a3.ipynb``): the
    path is ``voila/render/<live.notebooks>/<name>``, a Binder's ``urlpath`` or the
    rest of a hub's user-redirect address, under ``coursekit-voila/`` (coursekit's
    pre-heated Voilà, :mod:`coursekit.live_server`) unless ``live.preheated`` is false.
    """
    live = course.meta.live
    if live.binder is None and live.hub is None:
        return ()
    from coursekit.build import notebook_name
    from coursekit.live_server import PROXY_NAME

    index = [m.id for m in course.modules].index(module_id) + 1
    path = quote(f"voila/render/{live.notebooks}/{notebook_name(index, module_id)}")
    if live.preheated:
        path = f"{PROXY_NAME}/{path}"
    lang = course.meta.lang
    links = []
    if live.binder is not None:
        href = f"{live.binder.rstrip('/')}?urlpath={path}"
        links.append(Link(href, msg(lang, "site.live_binder"), "external"))
    if live.hub is not None:
        links.append(Link(f"{live.hub.rstrip('/')}/{path}", msg(lang, "site.live_hub"), "external"))
    return tuple(links)


def nav_context(course: Course, module_id: str) -> NavContext:
    """Previous and next follow the order of ``course.yaml``."""
    ids = [m.id for m in course.modules]
    i = ids.index(module_id)
    prev = _neighbour(course.modules[i - 1]) if i > 0 else None
    nxt = _neighbour(course.modules[i + 1]) if i + 1 < len(ids) else None
    return NavContext(
        course.meta.lang,
        course.title,
        _neighbour(course.modules[i]),
        prev,
        nxt,
        live_links(course, module_id),
    )


def _by_category(course: Course) -> list[tuple[str, list[Module]]]:
    return [
        (category.name, [m for m in course.modules if m.meta.category == category.id])
        for category in course.meta.categories
    ]


def _category_names(course: Course) -> dict[str, str]:
    return {c.id: c.name for c in course.meta.categories}


def index_html(course: Course, unavailable: Iterable[str] = ()) -> str:
    """The learners' front page: the notice to start from, every module in study order (the
    order of previous and next), the study format and requirements; the trainers' entry in
    the footer."""
    return str(
        render(
            "index.html.j2",
            lang=course.meta.lang,
            course=course,
            notice=course.notice,
            named={m.id: _neighbour(m).named(course.meta.lang) for m in course.modules},
            categories=_category_names(course),
            unavailable=set(unavailable),
            live={m.id: live_links(course, m.id) for m in course.modules},
        )
    )


def trainer_index_html(course: Course, unavailable: Iterable[str] = ()) -> str:
    """The trainers' index (``trainer/index.html``): every trainer guide with its time, each
    worksheet, and where a worksheet's answer key starts when printing."""
    return str(
        render(
            "trainer_index.html.j2",
            lang=course.meta.lang,
            course=course,
            unavailable=set(unavailable),
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
