"""Database URL resolution and engine creation (SQLite tuned for WAL, PostgreSQL via psycopg 3).

URL precedence: an explicit URL (``Settings.db_url``, a CLI flag) > the ``UPBIT_MONITOR_DB_URL``
environment variable > a SQLite file ``upbit-monitor.db`` in the platform user data directory
(``~/.local/share/upbit-monitor`` on Linux). ``postgresql://`` URLs are rewritten to the psycopg 3
driver (``postgresql+psycopg://``), the only PostgreSQL driver we install.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from upbit_monitor.errors import ConfigError
from upbit_monitor.storage.paths import data_dir, prepare_sqlite_file

DB_FILENAME = "upbit-monitor.db"
ENV_DB_URL = "UPBIT_MONITOR_DB_URL"

DEFAULT_POOL_SIZE = 5
DEFAULT_MAX_OVERFLOW = 10
# Long enough to ride out a checkpoint or another process's short write; short enough that a
# genuinely stuck lock surfaces as StorageUnavailable and the writer's retry/backlog logic kicks in.
DEFAULT_BUSY_TIMEOUT_MS = 5000


def default_db_path() -> Path:
    """The default SQLite file: ``<user data dir>/upbit-monitor/upbit-monitor.db``."""
    return data_dir() / DB_FILENAME


def resolve_db_url(explicit: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """Pick the database URL: *explicit* > ``UPBIT_MONITOR_DB_URL`` in *env* > default SQLite file.

    Bare ``postgresql://`` / ``postgres://`` URLs get the psycopg 3 driver. Raises
    :class:`~upbit_monitor.errors.ConfigError` for a URL SQLAlchemy cannot parse.
    """
    env = os.environ if env is None else env
    raw = explicit or env.get(ENV_DB_URL) or ""
    if not raw:
        return "sqlite:///" + str(default_db_path())
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        # The URL may contain a password: never echo it back.
        raise ConfigError(f"invalid database URL ({ENV_DB_URL} or db_url)") from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def safe_url(url: str | URL) -> str:
    """The URL with its password masked, for logs and the status panel."""
    return make_url(url).render_as_string(hide_password=True)


def spill_dir_for(url: str | URL) -> Path | None:
    """Where the stream writer spills events this database cannot take yet (see ``spill.py``).

    Next to a SQLite file (``upbit-monitor.db.spill/``), so each database replays only its own
    events (the demo database never feeds the real one); for a server database a directory in
    the user data dir named after the URL without its password. None for in-memory SQLite.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if _is_memory_sqlite(parsed):
            return None
        assert parsed.database is not None
        db_path = Path(parsed.database).expanduser()
        return db_path.with_name(db_path.name + ".spill")
    digest = hashlib.sha256(safe_url(parsed).encode()).hexdigest()[:16]
    return data_dir() / "spill" / digest


def _is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def create_db_engine(
    url: str,
    *,
    pool_size: int = DEFAULT_POOL_SIZE,
    max_overflow: int = DEFAULT_MAX_OVERFLOW,
    pool_timeout: float = 30.0,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    connect_timeout_s: int = 5,
) -> Engine:
    """Create an engine for *url* with a real connection pool and dialect-specific tuning.

    - SQLite file: the file is created 0600 in a 0700 directory before SQLite opens it (existing
      ones are tightened, see :mod:`~upbit_monitor.storage.paths`); every connection gets ``journal_mode=WAL``
      (readers never block the writer), ``busy_timeout`` and ``synchronous=NORMAL`` (safe with WAL,
      loses at most the last commits on power loss, never corrupts).
    - SQLite ``:memory:``: one shared connection (StaticPool); for single-threaded tests only.
    - PostgreSQL: ``pool_pre_ping`` so a connection the server dropped is replaced transparently,
      and a connect timeout so a dead server fails fast into the retry logic.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {}
    if backend == "sqlite":
        if _is_memory_sqlite(parsed):
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            assert parsed.database is not None
            prepare_sqlite_file(Path(parsed.database).expanduser())
            # Connections move between the loop and worker threads (never concurrently); the
            # pool guarantees one user at a time, so sqlite3's same-thread check is not needed.
            kwargs.update(
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_timeout=pool_timeout,
                connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            )
    else:
        kwargs.update(
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            pool_pre_ping=True,
        )
        if backend == "postgresql":
            kwargs["connect_args"] = {"connect_timeout": connect_timeout_s}
    engine = create_engine(parsed, **kwargs)
    if backend == "sqlite":
        _install_sqlite_pragmas(engine, busy_timeout_ms, memory=_is_memory_sqlite(parsed))
    return engine


def _install_sqlite_pragmas(engine: Engine, busy_timeout_ms: int, *, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        try:
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()
