"""Alembic environment: migrations run on the connection the app hands over
(``config.attributes["connection"]``, see :func:`geo.database.engine.upgrade_database`), or, for
the ``alembic`` command line, on ``GAOHE_DATABASE_URL`` / the default SQLite file."""

from __future__ import annotations

from alembic import context

import geo.tasks.schema  # noqa: E402,F401 (the volunteer tasks' tables, on the same Base)
from geo.feedback.schema import Base

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    from geo.database.engine import create_report_engine, database_url

    engine = create_report_engine(database_url())
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
