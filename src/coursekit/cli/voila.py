"""``coursekit voila``: the course's pages in Voilà, each with a pre-heated kernel."""

from __future__ import annotations

from pathlib import Path

import click

from coursekit.cli._options import HELP, report_errors
from coursekit.live_server import POOL_ENV


@click.command(context_settings=HELP)
@click.argument(
    "root",
    required=False,
    default=".",
    envvar="JUPYTERHUB_ROOT_DIR",  # a hub's single-user server: its root, not its home
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "--notebooks",
    default="notebooks",
    show_default=True,
    help="Folder of the module notebooks, relative to ROOT (the course's live.notebooks).",
)
@click.option(
    "--pool",
    type=click.IntRange(min=0, max=8),
    default=1,
    show_default=True,
    envvar=POOL_ENV,
    help="Kernels kept pre-heated for each course page (about 90 MB each); 0: none.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8866, show_default=True)
@click.option("--ip", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--unix-socket",
    type=click.Path(dir_okay=False),
    help="Listen on this Unix socket instead of a port (as jupyter-server-proxy starts it).",
)
@click.option("--base-url", default="/", show_default=True, help="Path Voilà is served under.")
@click.option("--browser/--no-browser", default=False, help="Open the start page in a browser.")
@report_errors
def voila_command(
    root: Path,
    notebooks: str,
    pool: int,
    port: int,
    ip: str,
    unix_socket: str | None,
    base_url: str,
    browser: bool,
) -> None:
    """Serve the course's pages with Voilà, each with a pre-heated kernel.

    ROOT (the current folder by default; on a hub's single-user server, the
    server's root, JUPYTERHUB_ROOT_DIR) is served as Voilà serves a folder:
    open voila/render/notebooks/00-start.ipynb. Each course page (NN-<module>.ipynb
    in the notebooks folder) keeps POOL kernels that have already run it up to
    the learner's request, so a page shows its widgets sooner (the figures are
    in docs/deployment.md).
    Binder and a hub's single-user servers start it by themselves, at
    coursekit-voila/, when jupyter-server-proxy is installed (see "Voilà:
    pre-heated module pages" in docs/deployment.md). Runs until Ctrl-C.
    """
    from coursekit.live_server import course_pages, serve

    root = root.expanduser()  # a hub's notebook_dir may say ~/...
    if not root.is_dir():
        raise click.UsageError(f"{root}: no such folder")
    if not course_pages(root, notebooks):
        raise click.UsageError(
            f"{root / notebooks}: no course page (such as 02-a1.ipynb); "
            "run coursekit build, or name the folder with --notebooks"
        )
    try:
        import voila  # type: ignore[import-untyped]  # noqa: F401  # the voila extra
    except ImportError:
        raise click.ClickException(
            "Voilà is not installed: pip install 'coursekit[voila]'"
        ) from None
    serve(
        root.resolve(),
        notebooks=notebooks,
        pool=pool,
        port=port,
        ip=ip,
        unix_socket=unix_socket,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        open_browser=browser,
    )
