"""The one Jinja2 environment every coursekit page and fragment is rendered with.

Autoescape is on for every template, and undefined names fail loudly
(``StrictUndefined``). Two filters draw on the message catalogue:

``t``     ``{{ "record.heading"|t(learner=name) }}``: UI text in the ``lang`` of the context
``tm``    ``{{ "checkpoint.cite"|tm(place=link) }}``: the same, around fields that are HTML
          already (a link, a ``<time>``); the catalogue's text and plain fields are escaped
``date``  ``{{ module.meta.published|date }}``: a date as the catalogue's ``format.date`` writes it

and ``emphasis_runs`` splits text into ``(text, emphasised)`` runs for the ``emph`` macro.

Templates live in ``templates/`` beside this module (package data). They
``extend`` ``layout.html.j2`` and ``import`` their macros from
``macros.html.j2``; the nbconvert handout template in ``templates/handout``
shares the stylesheet and the navigation macro.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from coursekit.messages import CATALOGUE, check_lang, msg
from coursekit.text import split_emphasis

__all__ = ["TEMPLATES", "environment", "format_date", "html_lang", "render", "stylesheet"]

TEMPLATES = Path(__file__).parent / "templates"


def html_lang(lang: str) -> str:
    """The ``<html lang>`` value: ``zh-CN`` for Chinese courses, ``en`` for English ones."""
    return "en" if lang == "en" else "zh-CN"


def format_date(value: object, lang: str) -> str:
    """A date as the catalogue writes it (``2020年2月5日`` in Chinese); anything else as text."""
    if isinstance(value, dt.date):
        return msg(
            lang,
            "format.date",
            year=value.year,
            month=value.month,
            day=value.day,
            iso=value.isoformat(),
        )
    return str(value)


#: Where the live widgets' part of style.css starts; published pages stop before it.
LIVE_SECTION = "/* --- live widgets --- */"


@cache
def stylesheet() -> Markup:
    """The one stylesheet, inlined into every page (a few KB; nothing is fetched).

    The live widgets' section at its end is left out: the widgets ship it themselves
    (:func:`coursekit.html.live.live_stylesheet`), and a handout has a size budget.
    """
    css = (TEMPLATES / "style.css").read_text(encoding="utf-8")
    return Markup(css.partition(LIVE_SECTION)[0])


def _lang(context: Context) -> str:
    lang = context.get("lang")
    return lang if isinstance(lang, str) else "zh"


@pass_context
def _t(context: Context, key: str, **fields: object) -> str:
    return msg(_lang(context), key, **fields)


@pass_context
def _t_markup(context: Context, key: str, **fields: object) -> Markup:
    return escape(CATALOGUE[check_lang(_lang(context))][key]).format(**fields)


@pass_context
def _date(context: Context, value: object) -> str:
    return format_date(value, _lang(context))


@cache
def environment() -> Environment:
    """The environment, built once: autoescape, strict undefined, the ``t`` and ``date`` filters."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["t"] = _t
    env.filters["tm"] = _t_markup
    env.filters["date"] = _date
    env.filters["html_lang"] = html_lang
    env.filters["emphasis_runs"] = split_emphasis
    env.globals["stylesheet"] = stylesheet
    return env


def render(name: str, /, **context: Any) -> Markup:
    """Template ``name`` rendered with ``context``; the result is safe HTML (:class:`Markup`)."""
    return Markup(environment().get_template(name).render(**context))
