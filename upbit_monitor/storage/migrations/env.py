"""Alembic environment: run migrations on the connection :mod:`..migrate` passes in.

Online mode only; the app never generates offline SQL scripts. ``render_as_batch`` makes
``ALTER TABLE`` work on SQLite (it copies the table) as well as on PostgreSQL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from upbit_monitor.storage.schema import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through upbit_monitor.storage.migrate.upgrade()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
