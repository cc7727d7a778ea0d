"""Moved to :mod:`coursekit.html.site`; kept so that callers not yet moved keep working."""

from coursekit.html.site import (
    GENERATOR,
    VARIANTS,
    NavContext,
    Neighbour,
    index_html,
    nav_context,
    page_path,
    placeholder_html,
    session_plan_html,
)

__all__ = [
    "GENERATOR",
    "VARIANTS",
    "NavContext",
    "Neighbour",
    "index_html",
    "nav_context",
    "page_path",
    "placeholder_html",
    "session_plan_html",
]
