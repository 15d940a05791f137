"""Dialect-specific ``INSERT ... ON CONFLICT`` for SQLite and PostgreSQL.

Both dialects spell the upsert the same way in SQLAlchemy (``on_conflict_do_update`` /
``on_conflict_do_nothing``), but the statement classes differ, so the dialect is chosen from the
session's bind at call time. Rows are plain dicts executed as one ``executemany`` on the Core
table (no ORM unit-of-work overhead for stream batches).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnCollection, ColumnElement, Table, and_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from upbit_monitor.errors import StorageError
from upbit_monitor.storage.schema import Base

Row = Mapping[str, Any]


def table(name: str) -> Table:
    """The Core :class:`Table` of an ORM table name."""
    return Base.metadata.tables[name]


def _insert(session: Session, target: Table) -> sqlite.Insert | postgresql.Insert:
    name = session.get_bind().dialect.name
    if name == "sqlite":
        return sqlite.insert(target)
    if name == "postgresql":
        return postgresql.insert(target)
    raise StorageError(f"unsupported database dialect {name!r} (use SQLite or PostgreSQL)")


def upsert(
    session: Session,
    target: Table,
    rows: Sequence[Row],
    keys: Sequence[str],
    *,
    newer_than: str | None = None,
    where: Callable[[ColumnCollection[str, Any]], ColumnElement[bool]] | None = None,
) -> int:
    """Insert *rows*, updating every non-key column of rows whose *keys* already exist.

    The last row wins. With *newer_than* (a column name) an existing row is only replaced when
    the incoming value of that column is >= the stored one, so a replayed older event cannot
    overwrite newer state. *where* builds any other condition from the ``excluded`` (incoming)
    columns; an existing row is only replaced when it holds. PostgreSQL refuses to touch one row
    twice in a statement, so callers pass rows with unique keys (see :func:`dedupe`). Returns the
    number of rows sent.
    """
    if not rows:
        return 0
    stmt = _insert(session, target)
    update_cols = [c.name for c in target.columns if c.name not in keys]
    conditions: list[ColumnElement[bool]] = []
    if newer_than is not None:
        conditions.append(stmt.excluded[newer_than] >= target.c[newer_than])
    if where is not None:
        conditions.append(where(stmt.excluded))
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: stmt.excluded[name] for name in update_cols},
        where=and_(*conditions) if conditions else None,
    )
    session.execute(stmt, list(rows))
    return len(rows)


def insert_ignore(session: Session, target: Table, rows: Sequence[Row], keys: Sequence[str]) -> int:
    """Insert *rows*, silently skipping those whose *keys* already exist (idempotent replay)."""
    if not rows:
        return 0
    stmt = _insert(session, target).on_conflict_do_nothing(index_elements=list(keys))
    session.execute(stmt, list(rows))
    return len(rows)


def dedupe(rows: Sequence[Row], keys: Sequence[str]) -> list[Row]:
    """Keep the last row per key, in first-seen key order."""
    latest: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        latest[tuple(row[k] for k in keys)] = row
    return list(latest.values())
