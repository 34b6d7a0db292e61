"""Alembic environment of the registry: run programmatically on a connection we pass in.

:func:`ikzf1assay.registry.migrate` and :func:`ikzf1assay.registry.open_registry` (on an empty
database) put an open SQLAlchemy connection, inside a transaction, in
``config.attributes["connection"]``; no ``alembic.ini`` and no URL are read here.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
