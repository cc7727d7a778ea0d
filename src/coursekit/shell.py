"""The live course's shell: the start page, and the way from each module view to the next.

Learners open the built notebooks in Voilà (``/voila/render/notebooks/NN-id.ipynb``)
and in JupyterLab. A link to a sibling notebook by its file name alone works in
both: Voilà resolves it against its own render URL, and JupyterLab opens it in
a new tab. So the links are written into markdown cells by ``coursekit build``
(they need no kernel and show before anything runs), and the start page's list
uses the same file names.

The words come from the message catalogue; course text (labels, titles) is
escaped for markdown, so a title holding ``*`` or ``]`` stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coursekit.messages import msg
from coursekit.model import Course

__all__ = [
    "START_NOTEBOOK",
    "ModuleLink",
    "lab_only",
    "markdown_text",
    "module_footer",
    "module_intro",
    "module_links",
    "notebook_name",
    "page_texts",
    "start_intro",
    "start_tab_title",
    "tab_title",
]

#: The start page: the Binder badge opens it, every module view links back to it.
START_NOTEBOOK = "00-start.ipynb"

# Characters that mean something to markdown anywhere in a line (CommonMark, and the HTML
# it lets through), and what means something at the start of one (a heading, a list, a quote).
_INLINE = re.compile(r"([\\`*_\[\]<>&|~])")
_LINE_START = re.compile(r"^(?:([#>+\-])|(\d+)([.)]))")


def notebook_name(index: int, module_id: str) -> str:
    """``01-overview.ipynb``: the position in ``course.yaml`` (from 1), then the id."""
    return f"{index:02d}-{module_id}.ipynb"


def markdown_text(text: str) -> str:
    """``text`` on one line, as literal markdown: what markdown would act on is escaped."""
    flat = _INLINE.sub(r"\\\1", re.sub(r"\s+", " ", text))
    return _LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", flat)


@dataclass(frozen=True)
class ModuleLink:
    """A module as the shell links to it: its notebook, position, label and title."""

    href: str
    position: int  # from 1, in course.yaml order
    module_id: str
    label: str
    title: str


def module_links(course: Course) -> list[ModuleLink]:
    """Every module of the course in study order, with the notebook that shows it."""
    return [
        ModuleLink(notebook_name(i, m.id), i, m.id, m.label, m.title)
        for i, m in enumerate(course.modules, start=1)
    ]


def _neighbours(
    course: Course, module_id: str
) -> tuple[ModuleLink | None, ModuleLink, ModuleLink | None]:
    links = module_links(course)
    at = next(i for i, link in enumerate(links) if link.module_id == module_id)
    before = links[at - 1] if at > 0 else None
    after = links[at + 1] if at + 1 < len(links) else None
    return before, links[at], after


def _link(link: ModuleLink) -> str:
    return f"[{markdown_text(link.label)} {markdown_text(link.title)}]({link.href})"


def tab_title(course: Course, module_id: str) -> str:
    """The browser tab's title for a module view: its label first, so a narrow tab names it."""
    module = course.module(module_id)
    return msg(course.meta.lang, "shell.tab_title", label=module.label, title=module.title)


def start_tab_title(course: Course) -> str:
    return msg(course.meta.lang, "shell.start_tab_title", course=course.meta.title)


def page_texts(course: Course) -> dict[str, str]:
    """What coursekit's Voilà template reads from ``nb.metadata.coursekit.page``.

    The page's ``lang`` and the loading screen's words: the template cannot
    reach the message catalogue, so ``build`` hands them over in the notebook.
    """
    from coursekit.html.env import html_lang

    lang = course.meta.lang
    return {"lang": html_lang(lang), "loading": msg(lang, "shell.loading")}


def module_intro(course: Course, module_id: str) -> str:
    """The first cell of a module view: the way back to the contents, the course, the steps."""
    lang = course.meta.lang
    _, here, _ = _neighbours(course, module_id)
    total = len(course.modules)
    position = msg(lang, "shell.position", position=here.position, total=total)
    contents = f"[{markdown_text(msg(lang, 'shell.contents'))}]({START_NOTEBOOK})"
    return "\n".join(
        [
            f"{contents} · {markdown_text(position)}",
            "",
            f"# {markdown_text(course.meta.title)}",
            "",
            markdown_text(msg(lang, "shell.module_welcome")),
        ]
    )


def module_footer(course: Course, module_id: str) -> str:
    """The last cell of a module view: previous, next (each with its title), the contents."""
    lang = course.meta.lang
    before, _, after = _neighbours(course, module_id)
    lines = ["---", ""]
    if before is not None:
        lines += [f"{markdown_text(msg(lang, 'shell.previous'))}{_link(before)}", ""]
    if after is not None:
        lines += [f"{markdown_text(msg(lang, 'shell.next'))}{_link(after)}", ""]
    else:
        lines += [markdown_text(msg(lang, "shell.last")), ""]
    lines.append(f"[{markdown_text(msg(lang, 'shell.back'))}]({START_NOTEBOOK})")
    return "\n".join(lines)


def start_intro(course: Course) -> str:
    """The start page's first cell: the course title and a short welcome."""
    lang = course.meta.lang
    first = module_links(course)[0]
    welcome = msg(lang, "shell.welcome", modules=len(course.modules), first=first.label)
    return "\n".join([f"# {markdown_text(course.meta.title)}", "", markdown_text(welcome)])


def lab_only(course: Course) -> str:
    """The one instruction only JupyterLab needs: run the cells (Voilà runs them itself)."""
    return markdown_text(msg(course.meta.lang, "shell.run_all"))
