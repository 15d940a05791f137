"""Run the packaged Alembic migrations programmatically (no ``alembic.ini`` at runtime).

:func:`upgrade` is called once at start (by :meth:`DbContext.open`); it brings any older database
to the head revision in place. Nothing here ever drops a table: downgrades exist only so the
tests can build "the previous schema" on purpose.

Alembic is imported only when a migration has to run. Every start calls :func:`upgrade`, and an
up-to-date database (the usual case) is recognised with one SELECT against the head revision read
from the version files' ``revision`` / ``down_revision`` lines: importing Alembic (with Mako and
Pygments) was about a tenth of the app's import time, spent before the first painted ticker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from upbit_monitor.errors import StorageError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\b[^=]*=\s*(?:\"([^\"]*)\"|'([^']*)'|None)", re.M)


def alembic_config() -> Config:
    """An in-memory Alembic config pointing at the packaged migration scripts."""
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    """The newest revision shipped with this version of the package (Alembic's answer)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise StorageError("no migrations packaged")
    return head


@cache
def packaged_head() -> str | None:
    """The head revision read from the version files without Alembic (None: not one linear head).

    The one revision no other file names as its ``down_revision``. Branches or merges (a tuple
    down_revision) are left to Alembic: None here means "ask Alembic". tests/storage checks that
    this equals :func:`head_revision`.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = {m.group(1): m.group(2) or m.group(3) for m in _ASSIGNMENT.finditer(path.read_text("utf-8"))}
        if "revision" not in found:
            continue  # __init__.py
        if "down_revision" not in found:
            return None  # a tuple (merge) or something this reader does not understand
        revisions.add(str(found["revision"]))
        if found["down_revision"]:
            parents.add(str(found["down_revision"]))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(engine: Engine) -> str | None:
    """``alembic_version.version_num`` with plain SQL (None: no table yet, or not exactly one row)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).fetchall()
    except SQLAlchemyError:
        return None  # a new database: Alembic creates the table
    return str(rows[0][0]) if len(rows) == 1 else None


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot read the schema revision: {type(exc).__name__}") from exc


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind *engine* to *revision* (default: head), in one transaction.

    Safe to call on every start: at head it is a no-op that does not even import Alembic.
    """
    if revision == "head" and (head := packaged_head()) is not None and _stored_revision(engine) == head:
        return
    from alembic import command

    cfg = alembic_config()
    try:
        with _transaction(engine) as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except SQLAlchemyError as exc:
        raise StorageError(f"database migration failed: {type(exc).__name__}: {exc}") from exc


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade to *revision*. Tests use it to build an older schema; the app never calls it."""
    from alembic import command

    cfg = alembic_config()
    with _transaction(engine) as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


@contextmanager
def _transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction around every revision run, DDL included, on SQLite too.

    pysqlite opens its implicit transaction only before INSERT/UPDATE/DELETE, so CREATE, DROP and
    the table copies of ``batch_alter_table`` ran outside it: a migration failing halfway kept its
    DDL (an ``_alembic_tmp_candles`` table) and every later start failed on it. Here the driver's
    own transaction handling is off for this connection and BEGIN is explicit, so a failure rolls
    back to the previous revision, schema and all (SQLite's DDL is transactional). PostgreSQL's
    already is.
    """
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection if conn.dialect.name == "sqlite" else None
        level = getattr(raw, "isolation_level", None)
        if raw is not None:
            raw.isolation_level = None
        try:
            with conn.begin():
                if raw is not None:
                    conn.exec_driver_sql("BEGIN")
                yield conn
        finally:
            if raw is not None:
                raw.isolation_level = level
