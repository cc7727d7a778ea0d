"""Alembic's entry point for the learner store's migrations.

coursekit runs them itself when a store opens (:func:`coursekit.store.migrations.upgrade`),
on a connection it has already opened and locked, which arrives here as
``config.attributes["connection"]``. Run through the ``alembic`` command line
instead, the store's URL is ``sqlalchemy.url`` in the configuration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from coursekit.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set sqlalchemy.url, or run `coursekit store upgrade --store URL`")
    with sa.create_engine(url).begin() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
