"""Links between module pages: where a module's live page is, and the paragraph it opens at.

A module's live page is its notebook, ``notebooks/03-a2.ipynb`` (named by
:func:`coursekit.build.notebook_name`); module notebooks sit side by side, so
a link from one to another is relative. ``?p=4`` asks the page to open its
reader at ¶4, marked: Voilà hands a page's query string to its kernel as
``QUERY_STRING``, and the Reader reads it (:func:`requested_paragraph`).
JupyterLab has no query string to hand over; there the link opens the notebook.

``?continue=1`` says the page was reached by a link inside the course, in the
same browser tab: coursekit's Voilà template adds it to such links (the learner
is clicking through), so the page goes on as the remembered learner, named in
its bar, instead of asking again. A page opened afresh still asks.

Voilà can pre-execute a page in a kernel of its pool (``preheat_kernel``), before
anyone asks for it: such a kernel has no query string, and no learner, until
the request arrives. :func:`wait_for_page` holds the page there, so that what
depends on the request (the query string, the store's remembered learner) is
read after it.
"""

from __future__ import annotations

import json
import os
import warnings
from urllib.parse import parse_qs

from coursekit.live_server import SOCKET_ENV
from coursekit.model import Course

__all__ = [
    "CONTINUE_QUERY",
    "PARAGRAPH_QUERY",
    "continues",
    "module_href",
    "preheated",
    "requested_paragraph",
    "wait_for_page",
]

PARAGRAPH_QUERY = "p"
CONTINUE_QUERY = "continue"
_PREHEATED = "VOILA_PREHEAT"  # set to "True" by Voilà in the kernels of its pool
_MAX_DETAILS = 1 << 20  # a request's variables: its address, a few headers


def preheated() -> bool:
    """Whether this kernel runs in Voilà's pool, before any request has taken it."""
    return os.environ.get(_PREHEATED) == "True"


def wait_for_page() -> None:
    """In a kernel Voilà pre-heated, wait until a page request takes it; elsewhere return.

    Voilà hands the request's ``QUERY_STRING`` (and the rest of its CGI-style
    variables) over then, into ``os.environ``. It is asked once per kernel:
    Voilà sends the request's details only once.
    """
    if not preheated():
        return
    for name, value in _request_details().items():
        if isinstance(name, str) and isinstance(value, str):
            os.environ[name] = value
    os.environ[_PREHEATED] = "False"  # this kernel now serves its page


def _request_details() -> dict[str, object]:
    """What ``voila.utils.wait_for_request`` reads, from the same websocket.

    Importing ``voila.utils`` loads Jupyter Server into the kernel: about 1.2 s
    of CPU and 47 MB in each kernel of the pool, where ``websockets`` (Voilà's
    own dependency) costs 50 ms and 1 MB. Voilà 0.5 sets these variables in
    every kernel it pre-heats.
    """
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect, unix_connect

    env = os.environ
    base = env.get("VOILA_WS_BASE_URL", env.get("VOILA_SERVER_URL", "/"))
    path = f"{base}voila/query/{env.get('VOILA_KERNEL_ID', '')}"
    unix_socket = env.get(SOCKET_ENV)  # coursekit's Voilà behind a Jupyter Server's proxy
    url = (
        f"ws://localhost{path}"
        if unix_socket
        else f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{env.get('VOILA_APP_IP', '127.0.0.1')}"
        f":{env.get('VOILA_APP_PORT', '8866')}{path}"
    )
    try:
        with (
            unix_connect(unix_socket, url, open_timeout=5, max_size=_MAX_DETAILS)
            if unix_socket
            else connect(url, open_timeout=5, max_size=_MAX_DETAILS)
        ) as socket:
            details = json.loads(socket.recv())
    except (OSError, ValueError, WebSocketException) as exc:
        # as Voilà does: the page still shows, without its query string
        where = f"{url} on {unix_socket}" if unix_socket else url
        warnings.warn(f"the page's request did not arrive from {where}: {exc}", stacklevel=2)
        return {}
    return details if isinstance(details, dict) else {}


def module_href(course: Course, module_id: str, paragraph: int | None = None) -> str:
    """The relative address of ``module_id``'s notebook, opening at ``paragraph`` if given."""
    from coursekit.build import notebook_name

    index = course.meta.modules.index(module_id) + 1
    name = notebook_name(index, module_id)
    return name if paragraph is None else f"{name}?{PARAGRAPH_QUERY}={paragraph}"


def requested_paragraph(query: str | None = None) -> int | None:
    """The paragraph the page's address asks for (``?p=4``), from Voilà's ``QUERY_STRING``."""
    if query is None:
        query = os.environ.get("QUERY_STRING", "")
    values = parse_qs(query).get(PARAGRAPH_QUERY, [])
    if not values or not values[0].isdecimal() or len(values[0]) > 6:
        return None
    number = int(values[0])
    return number if number >= 1 else None


def continues(query: str | None = None) -> bool:
    """Whether the page was reached from another page of the course (``?continue=1``)."""
    if query is None:
        query = os.environ.get("QUERY_STRING", "")
    return parse_qs(query).get(CONTINUE_QUERY, []) == ["1"]
