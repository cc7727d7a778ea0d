"""The site's own pages and page parts: no nbconvert, no kernel, no learner data.

The module pages are rendered by nbconvert (:mod:`coursekit.render`); what
surrounds them (navigation, the inline CSS) and the pages that are not
notebooks (``index.html``, the note for a module that could not be built) are
plain HTML built here. The trainer notebook shows :func:`session_plan_html`.

Site layout::

    index.html
    handout/<module>.html     learner handout (self-check in <details>)
    worksheet/<module>.html   printable worksheet, answer key as an appendix
    trainer/<module>.html     trainer guide: answers, evidence, trainer notes
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

from coursekit.messages import msg
from coursekit.model import Course, Module

__all__ = [
    "VARIANTS",
    "NavContext",
    "Neighbour",
    "html_lang",
    "index_html",
    "nav_context",
    "page_css",
    "page_path",
    "placeholder_html",
    "session_plan_html",
    "ui",
]

VARIANTS = ("handout", "worksheet", "trainer")
GENERATOR = "coursekit"
TEMPLATES = Path(__file__).parent / "templates"


def ui(lang: str, key: str, **fields: object) -> str:
    """Site UI text in ``lang`` (Chinese for anything but ``en``), from the message catalogue."""
    return msg("en" if lang == "en" else "zh", f"site.{key}", **fields)


def html_lang(lang: str) -> str:
    """The ``<html lang>`` value: ``zh-CN`` for Chinese courses."""
    return "en" if lang == "en" else "zh-CN"


@cache
def page_css() -> str:
    """The handout CSS, inlined into every page (a few KB; nothing is fetched)."""
    return (TEMPLATES / "handout" / "handout.css").read_text(encoding="utf-8")


def page_path(variant: str, module_id: str) -> str:
    """A module page's path inside the site, e.g. ``worksheet/a3.html``."""
    return f"{variant}/{module_id}.html"


@dataclass(frozen=True)
class Neighbour:
    id: str
    label: str
    title: str


@dataclass(frozen=True)
class NavContext:
    """What a module page needs to know about the site around it; part of its cache key."""

    lang: str
    course_title: str
    module: Neighbour
    prev: Neighbour | None
    next: Neighbour | None

    def title(self, variant: str) -> str:
        return f"{self.module.label} {self.module.title} · {ui(self.lang, variant)}"

    def top(self, variant: str) -> str:
        """Navigation above the content: index, previous, next, and the other variants."""
        lang = self.lang
        links = [f'<a href="../index.html">{escape(ui(lang, "index"))}</a>']
        for key, other in (("prev", self.prev), ("next", self.next)):
            if other is not None:
                href = "../" + page_path(variant, other.id)
                text = (
                    f"{ui(lang, key)}：{other.label}"
                    if lang != "en"
                    else (f"{ui(lang, key)}: {other.label}")
                )
                links.append(f'<a href="{escape(href)}" rel="{key}">{escape(text)}</a>')
        variants = []
        for v in VARIANTS:
            name = escape(ui(lang, v))
            if v == variant:
                variants.append(f"<strong>{name}</strong>")
            else:
                href = escape("../" + page_path(v, self.module.id))
                variants.append(f'<a href="{href}">{name}</a>')
        return (
            f'<nav class="ck-nav">{"".join(links)}</nav>'
            f'<p class="ck-variants">{escape(ui(lang, "variants"))}{"".join(variants)}</p>'
        )

    def bottom(self, variant: str) -> str:
        nav = self.top(variant).split("</nav>", 1)[0]
        return nav.replace('class="ck-nav"', 'class="ck-nav ck-nav-bottom"', 1) + "</nav>"


def _neighbour(module: Module) -> Neighbour:
    return Neighbour(module.id, module.label, module.title)


def nav_context(course: Course, module_id: str) -> NavContext:
    """Previous and next follow the order of ``course.yaml``."""
    ids = [m.id for m in course.modules]
    i = ids.index(module_id)
    prev = _neighbour(course.modules[i - 1]) if i > 0 else None
    nxt = _neighbour(course.modules[i + 1]) if i + 1 < len(ids) else None
    return NavContext(course.meta.lang, course.title, _neighbour(course.modules[i]), prev, nxt)


def _document(lang: str, title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{GENERATOR}">\n'
        f"<title>{escape(title)}</title>\n<style>\n{page_css()}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _date(value: dt.date, lang: str) -> str:
    if lang == "en":
        return value.isoformat()
    return f"{value.year}年{value.month}月{value.day}日"


def _overview_parts(course: Course, lang: str) -> list[str]:
    meta = course.meta
    fmt = meta.study_format
    sep = ui(lang, "sep")
    parts = [
        f'<p class="ck-note">{escape(ui(lang, "issuer", issuer=meta.issuer))} · '
        f"{escape(ui(lang, 'date', date=_date(meta.date, lang)))}</p>",
        f"<h2>{escape(ui(lang, 'format'))}</h2><ul>",
        f"<li>{escape(ui(lang, 'mode', mode=fmt.mode))}</li>",
    ]
    if fmt.online:
        parts.append(f"<li>{escape(ui(lang, 'online', online=sep.join(fmt.online)))}</li>")
    parts.append(f"<li>{escape(ui(lang, 'schedule', schedule=fmt.schedule))}</li></ul>")
    return parts


def _requirements(course: Course, lang: str) -> list[str]:
    reqs = course.meta.requirements
    if not reqs:
        return []
    parts = [f"<h2>{escape(ui(lang, 'requirements'))}</h2>"]
    for who in ("organisations", "members"):
        items = [r for r in reqs if r.who == who]
        if items:
            lis = "".join(f"<li>{escape(r.summary)}</li>" for r in items)
            parts.append(f"<h3>{escape(ui(lang, who))}</h3><ul>{lis}</ul>")
    return parts


def _by_category(course: Course) -> Iterable[tuple[str, list[Module]]]:
    for category in course.meta.categories:
        yield category.name, [m for m in course.modules if m.meta.category == category.id]


def index_html(course: Course, unavailable: Iterable[str] = ()) -> str:
    """The site's front page: overview, study format, categories and every module's pages."""
    lang = course.meta.lang
    missing = set(unavailable)
    parts = [f"<h1>{escape(course.title)}</h1>", *_overview_parts(course, lang)]
    parts.append(f"<h2>{escape(ui(lang, 'categories'))}</h2>")
    for name, modules in _by_category(course):
        parts.append(f'<h3>{escape(name)}</h3><ul class="ck-modules">')
        for m in modules:
            head = f"<strong>{escape(m.label)}</strong> {escape(m.title)}"
            if m.id in missing:
                note = escape(ui(lang, "unavailable"))
                parts.append(
                    f'<li id="m-{m.id}">{head}<br><span class="ck-unavailable">{note}</span></li>'
                )
                continue
            links = " · ".join(
                f'<a href="{escape(page_path(v, m.id))}">{escape(ui(lang, v))}</a>'
                for v in VARIANTS
            )
            parts.append(f'<li id="m-{m.id}">{head}<br>{links}</li>')
        parts.append("</ul>")
    parts.extend(_requirements(course, lang))
    parts.append(f'<p class="ck-note">{escape(ui(lang, "offline"))}</p>')
    return _document(lang, course.title, "<main>\n" + "\n".join(parts) + "\n</main>")


def placeholder_html(nav: NavContext, variant: str) -> str:
    """The page of a module that failed and has no earlier version to keep."""
    body = (
        f"{nav.top(variant)}<main><h1>{escape(nav.module.label)} {escape(nav.module.title)}</h1>"
        f'<p class="ck-unavailable">{escape(ui(nav.lang, "unavailable"))}</p></main>'
    )
    return _document(nav.lang, nav.title(variant), body)


def session_plan_html(course: Course, lang: str | None = None) -> str:
    """The trainer's session plan: format, categories with modules and times, requirements."""
    lang = lang or course.meta.lang
    parts = [f"<h2>{escape(course.title)}</h2>", *_overview_parts(course, lang)]
    parts.append(f"<h3>{escape(ui(lang, 'categories'))}</h3>")
    for name, modules in _by_category(course):
        items = []
        for m in modules:
            notes = m.extras.trainer_notes
            minutes = escape(ui(lang, "minutes", minutes=notes.minutes)) if notes else ""
            items.append(f"<li><strong>{escape(m.label)}</strong> {escape(m.title)}{minutes}</li>")
        parts.append(f"<h4>{escape(name)}</h4><ol>{''.join(items)}</ol>")
    parts.extend(
        p.replace("<h2>", "<h3>").replace("</h2>", "</h3>") for p in _requirements(course, lang)
    )
    parts.append(timeline_html(course, lang))
    return '<div class="ck-session-plan">' + "".join(parts) + "</div>"


def timeline_html(course: Course, lang: str | None = None) -> str:
    """The packet's documents in date order, as the trainer walks the cohort through them."""
    lang = lang or course.meta.lang
    dated = sorted(
        (m.meta.published, n, m) for n, m in enumerate(course.modules) if m.meta.published
    )
    rows = "".join(
        f'<li><time datetime="{day.isoformat()}">{escape(_date(day, lang))}</time> '
        f"<strong>{escape(m.label)}</strong> {escape(m.title)}</li>"
        for day, _, m in dated
    )
    return f'<h3>{escape(ui(lang, "timeline"))}</h3><ol class="ck-timeline">{rows}</ol>'
