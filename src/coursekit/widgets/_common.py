"""What every coursekit widget shares: the default course and store, the static renderings."""

from __future__ import annotations

from typing import Any

from coursekit.content import load_course
from coursekit.html.variants import MIMETYPES, TRAINER_MIME, VARIANTS, WORKSHEET_MIME, Variant
from coursekit.model import Course
from coursekit.store import LearnerStore, ReopeningStore, store_target

__all__ = [
    "TRAINER_MIME",
    "WORKSHEET_MIME",
    "StaticRenderings",
    "default_course",
    "default_store",
    "live_classes",
    "stylesheet_widget",
]


_course: Course | None = None
_stores: dict[str, LearnerStore] = {}


def default_course() -> Course:
    """The bundled course, loaded once per kernel."""
    global _course
    if _course is None:
        _course = load_course()
    return _course


def default_store() -> LearnerStore:
    """The store :func:`coursekit.store.store_target` names, one per target and kernel.

    ``COURSEKIT_STORE`` (an organisation's database) or the path under
    ``COURSEKIT_HOME`` is looked up on every call, so a changed one takes
    effect. The store opens on first use; one that cannot be opened raises its
    :class:`~coursekit.errors.StoreError` on each use until it opens, so a
    module page still shows, says why nothing is saved, and saves once it can.
    """
    target = store_target()
    if target not in _stores:
        _stores[target] = ReopeningStore(target)
    return _stores[target]


def stylesheet_widget() -> Any:
    """The widgets' stylesheet as an ``HTML`` widget holding a ``<style>``.

    The learner session shows it at the top of every page, so the widgets
    look the same in Voilà and JupyterLab with nothing fetched from a CDN.
    Every rule is scoped to coursekit's own classes (see
    :func:`coursekit.html.live.live_stylesheet`).
    """
    import ipywidgets as w

    from coursekit.html import live

    sheet = w.HTML(str(live.style(live.live_stylesheet())))
    sheet.add_class("ck-stylesheet")
    return sheet


def live_classes(widget: Any, *classes: str) -> Any:
    """Mark ``widget`` as a coursekit widget (``ck-live``: the font, the measure, the sizes)."""
    for name in ("ck-live", *classes):
        widget.add_class(name)
    return widget


class StaticRenderings:
    """Mixin: adds the kernel-free renderings to an ipywidget's mimebundle.

    Subclasses implement :meth:`static_html`; it must use course content only,
    never learner data, because handouts are published.
    """

    def static_html(self, variant: Variant) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = dict(super()._repr_mimebundle_(**kwargs) or {})  # type: ignore[misc]
        for variant in VARIANTS:
            data[MIMETYPES[variant]] = self.static_html(variant)
        return data
