"""Render stage: an executed module notebook → three static pages, with nbconvert.

Each module is executed once; :class:`VariantPreprocessor` then makes one
variant of it: every output keeps only that variant's HTML from the widget's
mimebundle (``text/html`` for the handout,
``application/vnd.coursekit.worksheet+html``,
``application/vnd.coursekit.trainer+html``), widget views and the stored
widget state go (nbconvert would otherwise prefer them, and they need
JavaScript), streams go, and the worksheet gets the answer key as an appendix
(on a page of its own in print). What opens a page before the article (the
trainer notes in a trainer guide, a printing note on a worksheet) is handed to
the template as ``resources.coursekit.preface``. Cells tagged ``notebook-only`` go
with nbconvert's ``TagRemovePreprocessor``. Inputs and prompts are excluded.

The template (``coursekit/html/templates/handout``) extends nbconvert's ``basic``
template and overrides the ``header`` and ``footer`` blocks only; it inlines the
one stylesheet and imports the navigation macro of :mod:`coursekit.html`.
This module imports nbconvert: import it only where pages are rendered.
"""

from __future__ import annotations

import copy
from typing import Any

from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor
from nbformat import NotebookNode

from coursekit.html.env import TEMPLATES, html_lang, stylesheet
from coursekit.html.fragments import appendix_html, preface_html
from coursekit.html.interactive import handout_script
from coursekit.html.site import NavContext
from coursekit.html.variants import MIMETYPES
from coursekit.model import Course

__all__ = ["MIMETYPES", "REMOVE_TAGS", "VariantPreprocessor", "make_exporter", "render_module"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Cells that belong to the notebook only: narrative for JupyterLab, parameters, setup.
REMOVE_TAGS = {
    "notebook-only",
    "parameters",
    "injected-parameters",
    "setup",
    "papermill-error-cell-tag",
}


class VariantPreprocessor(Preprocessor):
    """Keep one variant's static HTML in every output; add the variant's appendix."""

    def __init__(self, variant: str, appendix: str = "", **kw: Any) -> None:
        super().__init__(**kw)  # type: ignore[no-untyped-call]
        if variant not in MIMETYPES:
            raise ValueError(f"unknown variant {variant!r}")
        self.variant = variant
        self.appendix = appendix

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        mimetype = MIMETYPES[self.variant]
        nb.metadata.pop("widgets", None)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            kept = []
            for output in cell.get("outputs", []):
                if output.get("output_type") not in ("display_data", "execute_result"):
                    continue  # streams and errors are not handout content
                data = output.get("data", {})
                html = data.get(mimetype, data.get("text/html"))
                if isinstance(html, list):
                    html = "".join(html)
                if not html or not html.strip():
                    continue
                output["data"] = {"text/html": html}
                output["metadata"] = {}
                kept.append(output)
            cell["outputs"] = kept
        if self.appendix:
            from nbformat.v4 import new_code_cell, new_output

            output = new_output("display_data", data={"text/html": self.appendix})  # type: ignore[no-untyped-call]
            cell = new_code_cell(outputs=[output])  # type: ignore[no-untyped-call]
            cell.metadata["tags"] = ["coursekit-appendix"]
            nb.cells.append(cell)
        return nb, resources


def _lighten(nb: Any) -> Any:
    """A shallow copy without the widget state: the largest part, and never rendered."""
    light = copy.copy(nb)
    kept = {k: v for k, v in nb.metadata.items() if k != "widgets"}
    light.metadata = NotebookNode(kept)  # type: ignore[no-untyped-call]
    return light


def make_exporter() -> HTMLExporter:
    """An HTML exporter with coursekit's handout template and no inputs or prompts."""
    exporter = HTMLExporter(  # type: ignore[no-untyped-call]
        template_name="handout",
        extra_template_basedirs=[str(TEMPLATES)],
        # the handout template imports nav.html.j2 from coursekit.html's own templates
        extra_template_paths=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    return exporter


def render_module(
    nb: Any, course: Course, nav: NavContext, variant: str, exporter: HTMLExporter | None = None
) -> str:
    """One page (``variant``) of an executed module notebook; ``nb`` is not changed."""
    exporter = exporter or make_exporter()
    nb = copy.deepcopy(_lighten(nb))
    tags = TagRemovePreprocessor(remove_cell_tags=REMOVE_TAGS)  # type: ignore[no-untyped-call]
    variant_pp = VariantPreprocessor(variant, str(appendix_html(course, nav.module.id, variant)))
    resources: dict[str, Any] = {
        "coursekit": {
            "html_lang": html_lang(nav.lang),
            "title": nav.title(variant),
            "css": stylesheet(),
            "variant": variant,
            "nav": nav,
            "preface": preface_html(course, nav.module.id, variant),
            "interactive": handout_script(course, nav.module.id) if variant == "handout" else None,
        }
    }
    nb, resources = tags.preprocess(nb, resources)  # type: ignore[no-untyped-call]
    nb, resources = variant_pp.preprocess(nb, resources)
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return str(body)
