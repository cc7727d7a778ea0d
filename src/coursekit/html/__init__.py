"""coursekit's presentation layer: every page and HTML fragment, from Jinja2 templates.

One environment (:mod:`coursekit.html.env`), one layout, one stylesheet and
the message catalogue for every piece of UI text. Stages hand data to the
functions here and never build HTML themselves. To find where something is
rendered, look up its template in ``templates/``:

``layout.html.j2``        the page shell every non-nbconvert page extends
``style.css``             the one stylesheet, inlined into every page
``nav.html.j2``           navigation around a module page (also used by nbconvert)
``fragments.html.j2``     a module's reader, checkpoints (three variants), reflections,
                          answer key and trainer notes (:mod:`coursekit.html.fragments`)
``record.html.j2``        a learner's record page
``report.html.j2``        the trainer's cohort report
``handout/index.html.j2`` nbconvert's template for the module pages
"""

from __future__ import annotations

from coursekit.html.env import format_date, html_lang, render, stylesheet
from coursekit.html.study import given_answer_text, learner_label, record_page, report_page

__all__ = [
    "format_date",
    "given_answer_text",
    "html_lang",
    "learner_label",
    "record_page",
    "render",
    "report_page",
    "stylesheet",
]
