"""Storage fixtures: every backend-parametrized test runs on a SQLite file AND on PostgreSQL.

The PostgreSQL leg needs ``UPBIT_MONITOR_TEST_PG_URL`` (scripts/test sets it after starting a local
server); without it that leg is skipped with the reason shown in the ``-ra`` summary. Each
PostgreSQL test gets its own schema (``search_path`` in the URL), dropped afterwards, so tests are
isolated without creating a database per test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from upbit_monitor.storage import DbContext, resolve_db_url

PG_ENV = "UPBIT_MONITOR_TEST_PG_URL"
PG_SKIP_REASON = f"{PG_ENV} is not set: PostgreSQL leg of the storage suite skipped"

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pg_base_url() -> str:
    """The configured PostgreSQL URL (psycopg 3 driver), or skip the test."""
    raw = os.environ.get(PG_ENV, "")
    if not raw:
        pytest.skip(PG_SKIP_REASON)
    return resolve_db_url(raw)


def with_search_path(url: str, schema: str) -> str:
    """*url* with libpq ``options`` selecting *schema* first on every connection."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


class PgSchema:
    """A throw-away schema in the test database."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.name = "t_" + uuid.uuid4().hex[:12]
        self._admin = sa.create_engine(base_url, poolclass=NullPool)

    def create(self) -> str:
        with self._admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{self.name}"'))
        return with_search_path(self.base_url, self.name)

    def drop(self) -> None:
        with self._admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self._admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    schema = PgSchema(pg_base_url())
    url = schema.create()
    try:
        yield url
    finally:
        schema.drop()


@pytest.fixture
def db(db_url: str) -> Iterator[DbContext]:
    """A migrated :class:`DbContext` on each backend."""
    ctx = DbContext.open(db_url)
    try:
        yield ctx
    finally:
        ctx.close()
