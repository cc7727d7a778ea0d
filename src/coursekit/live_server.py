"""coursekit's own Voilà: the module pages with a pre-heated kernel each, wherever learners are.

Voilà 0.5 pre-heats kernels only in its standalone application: the
``voila/render/`` pages that a Jupyter Server serves through Voilà's server
extension (Binder's, a hub's single-user servers') start a kernel when the page
is asked for. So coursekit runs the standalone application itself,
:func:`serve`, configured here rather than by whatever ``voila.json`` the
folder holds: coursekit's template, and a pool of pre-heated kernels for each
course page (``NN-<module>.ipynb`` in the notebooks folder) and for no other
notebook.

``coursekit voila`` runs it on a port, for one machine. Under a Jupyter Server
with ``jupyter-server-proxy`` installed, :func:`proxy_server` (the
``jupyter_serverproxy_servers`` entry point ``coursekit-voila``) has the server
start it on first use, on a Unix socket in a folder only its user can enter,
and proxy ``<server>/coursekit-voila/`` to it behind the server's own login: a
course's ``live`` links open ``coursekit-voila/voila/render/<notebooks>/...``
there. A pre-heated kernel asks Voilà for its page's request over the same
socket (:func:`coursekit.widgets._links.wait_for_page`).

Voilà and Jupyter Server are imported in :func:`serve` only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

__all__ = [
    "NOTEBOOKS_ENV",
    "PAGE_SETTINGS",
    "POOL_ENV",
    "PROXY_NAME",
    "SOCKET_ENV",
    "course_pages",
    "kernel_pools",
    "proxy_server",
    "serve",
]

#: What coursekit's pages look like in Voilà; ``voila.json`` at the repository root says
#: the same for the pages Voilà's server extension serves (a test checks that it does).
PAGE_SETTINGS: dict[str, Any] = {
    "template": "coursekit",
    "theme": "light",
    "show_margins": False,
    "strip_sources": True,
}
#: The path under a Jupyter Server where jupyter-server-proxy serves coursekit's Voilà.
PROXY_NAME = "coursekit-voila"
#: The folder of the module notebooks, relative to the server's root (``live.notebooks``).
NOTEBOOKS_ENV = "COURSEKIT_NOTEBOOKS"
#: Kernels kept pre-heated per course page (0: none, pages start a kernel on request).
POOL_ENV = "COURSEKIT_VOILA_POOL"
#: Set for the kernels of a Voilà on a Unix socket: where to ask for the page's request.
SOCKET_ENV = "COURSEKIT_VOILA_SOCKET"
PAGE_GLOB = "[0-9][0-9]-*.ipynb"  # as coursekit build names the pages
START_TIMEOUT = 60  # s: the proxy's wait for Voilà to answer (the pool heats meanwhile)


def course_pages(root: Path, notebooks: str) -> list[str]:
    """The course pages under ``root``: ``<notebooks>/NN-<module>.ipynb``, root-relative."""
    folder = root / notebooks
    return sorted(f"{Path(notebooks).as_posix()}/{p.name}" for p in folder.glob(PAGE_GLOB))


def kernel_pools(pages: list[str], pool: int) -> dict[str, dict[str, int]]:
    """``VoilaKernelManager.kernel_pools_config``: ``pool`` kernels for each page, none else.

    Without the ``default`` entry Voilà would pre-heat every notebook below its root
    (``trainer.ipynb``, a learner's own copies), one kernel each.
    """
    return {"default": {"pool_size": 0}, **{page: {"pool_size": pool} for page in pages}}


def proxy_server() -> dict[str, Any]:
    """jupyter-server-proxy's settings for ``coursekit-voila`` (its entry point).

    The server starts ``coursekit voila`` in its own working folder, its root, so
    the page paths are those of Voilà's server extension with ``coursekit-voila/``
    before them. Absolute URLs: Voilà's ``base_url`` is the proxied path.
    """
    from coursekit.messages import msg

    notebooks = os.environ.get(NOTEBOOKS_ENV, "notebooks")
    return {
        "command": [
            sys.executable,
            "-m",
            "coursekit.cli",
            "voila",
            "--unix-socket={unix_socket}",
            "--base-url={base_url}" + PROXY_NAME + "/",
            "--notebooks=" + notebooks,
        ],
        "unix_socket": True,
        "absolute_url": True,
        "timeout": START_TIMEOUT,
        "new_browser_tab": True,
        "launcher_entry": {
            "title": msg("zh", "voila.launcher"),
            "path_info": f"{PROXY_NAME}/voila/render/{notebooks}/00-start.ipynb",
        },
    }


def serve(
    root: Path,
    *,
    notebooks: str = "notebooks",
    pool: int = 1,
    port: int = 8866,
    ip: str = "127.0.0.1",
    unix_socket: str | None = None,
    base_url: str = "/",
    open_browser: bool = False,
) -> None:
    """Run Voilà on ``root`` until it is stopped (SIGINT or SIGTERM)."""
    from voila.app import Voila  # type: ignore[import-untyped]

    pages = course_pages(root, notebooks)
    if unix_socket:
        os.environ[SOCKET_ENV] = unix_socket  # the pool's kernels inherit it
    os.chdir(root)  # Voilà's root, and its kernels' paths, are the working folder
    app = _app_class(Voila, unix_socket)()
    argv = [f"--port={port}", f"--Voila.ip={ip}", f"--Voila.base_url={base_url}"]
    argv.append("--Voila.open_browser=" + str(open_browser))
    app.initialize(argv)
    # after voila.json and the command line: these are coursekit's, not the folder's
    for name, value in PAGE_SETTINGS.items():
        setattr(app.voila_configuration, name, value)
    preheat = pool > 0 and bool(pages)
    app.voila_configuration.preheat_kernel = preheat
    app.voila_configuration.default_pool_size = 0
    if preheat:  # Voilà refuses the two together
        app.voila_configuration.progressive_rendering = False
    app.config.VoilaKernelManager.kernel_pools_config = kernel_pools(pages, pool)
    app.start()


def _app_class(voila: type[Any], unix_socket: str | None) -> type[Any]:
    """Voilà's application, listening on ``unix_socket`` (made for its owner only) if given."""
    if not unix_socket:
        return voila
    path = unix_socket

    class SocketVoila(voila):  # type: ignore[misc]  # Voilà is untyped
        def listen(self) -> None:
            from tornado.httpserver import HTTPServer
            from tornado.ioloop import IOLoop
            from tornado.netutil import bind_unix_socket

            HTTPServer(self.app).add_socket(bind_unix_socket(path, mode=0o600))
            self.log.info("Voilà is running on %s at %s", path, self.base_url)
            self.ioloop = IOLoop.current()
            try:
                self.ioloop.start()
            except KeyboardInterrupt:
                self.log.info("Stopping...")
            finally:
                self.stop()

    return SocketVoila
