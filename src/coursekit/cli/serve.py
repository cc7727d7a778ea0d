"""``coursekit serve``: the learner store behind JupyterHub, run by the hub as a service."""

from __future__ import annotations

import click

from coursekit.cli._options import HELP, report_errors


@click.command(context_settings=HELP)
@report_errors
def serve_command() -> None:
    """Serve the learner store to hub users (a JupyterHub managed service).

    The hub starts it with the environment it gives a managed service:
    JUPYTERHUB_SERVICE_URL (where to listen), JUPYTERHUB_SERVICE_PREFIX and the
    service's API token, plus COURSEKIT_SERVICE_STORE, the store's URL, which
    only this process holds. COURSEKIT_COURSE names the course folder (the
    bundled course by default). Learners' kernels call its JSON API under
    {prefix}api/v1/ with their own hub token.
    """
    from coursekit.service import serve

    serve()
