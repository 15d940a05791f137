"""``DbContext``: one short unit of work per call, on a pooled connection, never across awaits.

Every database operation is a plain function ``fn(session, *args)``. :meth:`DbContext.run` opens a
fresh session, runs *fn* inside one transaction, commits and returns the connection to the pool,
whatever happens. The async variant does the same on a worker thread so the Qt/asyncio loop thread
never blocks on I/O, and no session object ever exists while a coroutine is suspended.

SQLAlchemy exceptions never leave this module: ones whose cause may clear by waiting (SQLite
busy/locked, disk full, read-only, a lost PostgreSQL connection, pool exhaustion, and OSErrors
raised below the driver) become :class:`~upbit_monitor.errors.StorageUnavailable` with a ``cause``,
everything else :class:`~upbit_monitor.errors.StorageError`.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from upbit_monitor.errors import StorageError, StorageUnavailable
from upbit_monitor.storage import migrate
from upbit_monitor.storage.engine import (
    DEFAULT_BUSY_TIMEOUT_MS,
    DEFAULT_MAX_OVERFLOW,
    DEFAULT_POOL_SIZE,
    create_db_engine,
    resolve_db_url,
    safe_url,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
PoolLevel = Literal["healthy", "warning", "critical"]

# Utilisation thresholds for the status panel colours.
POOL_WARNING = 0.7
POOL_CRITICAL = 0.9

# SQLite reports these as OperationalError; each names a cause that can clear while we wait
# (another process's lock, space freed, the file made writable again, a flaky disk).
_SQLITE_CAUSES = (
    ("database is locked", "database locked"),
    ("database is busy", "database locked"),
    ("database table is locked", "database locked"),
    ("database or disk is full", "disk full"),
    ("readonly database", "read-only database"),
    ("disk i/o error", "disk I/O error"),
    ("unable to open database file", "cannot open database file"),
)
# PostgreSQL SQLSTATEs whose cause may clear (class 53 = insufficient resources).
_PG_CAUSES = {"53100": "disk full", "53200": "server out of memory", "25006": "read-only database"}
_OS_CAUSES = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk full",
    errno.EROFS: "read-only database",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EIO: "disk I/O error",
}


@dataclass(frozen=True, slots=True)
class PoolStatus:
    """A snapshot of the connection pool for the status panel."""

    size: int  # persistent connections the pool keeps
    checked_in: int  # idle connections in the pool
    checked_out: int  # connections in use right now
    overflow: int  # connections beyond ``size`` currently open (negative: not yet opened)
    capacity: int  # size + max_overflow: the most that can be checked out at once
    utilisation: float  # checked_out / capacity, 0..1
    level: PoolLevel


def unavailable_cause(exc: BaseException) -> str | None:
    """Why a write failed if the cause may clear by waiting (locked, full, read-only, connection
    lost, pool exhausted), as a short phrase for the user; None for errors a retry cannot fix
    (bad data, schema problems)."""
    if isinstance(exc, sa_exc.TimeoutError):  # pool exhausted for pool_timeout seconds
        return "connection pool exhausted"
    if isinstance(exc, OSError):  # raised below the DBAPI (file system) and not wrapped by it
        return _OS_CAUSES.get(exc.errno or 0, "operating system error")
    if isinstance(exc, sa_exc.DBAPIError):
        orig = exc.orig
        sqlstate = getattr(orig, "sqlstate", None)
        if sqlstate is not None:
            cause = _PG_CAUSES.get(str(sqlstate)) or ("server out of resources"
                                                      if str(sqlstate).startswith("53") else None)
            if cause is not None:
                return cause
        if exc.connection_invalidated:
            return "connection lost"
        if isinstance(exc, sa_exc.OperationalError):
            message = str(orig).lower()
            for needle, cause in _SQLITE_CAUSES:
                if needle in message:
                    return cause
            # psycopg raises OperationalError for refused/closed connections and for
            # serialization failures/deadlocks: all worth another attempt. SQLite's other
            # OperationalErrors (no such table, syntax) are not.
            if type(orig).__module__.startswith("psycopg"):
                return "database unreachable"
    if isinstance(exc, sa_exc.DisconnectionError):
        return "connection lost"
    return None


def is_transient(exc: BaseException) -> bool:
    """True for database errors whose cause may clear by waiting (see :func:`unavailable_cause`)."""
    return unavailable_cause(exc) is not None


def map_error(exc: sa_exc.SQLAlchemyError | OSError) -> StorageError:
    """Translate a SQLAlchemy (or file system) error into our tree (the caller raises it
    ``from exc``)."""
    orig = getattr(exc, "orig", None) or exc
    name = type(orig).__name__
    # Only the first line: the rest of a DBAPI message is the SQL and its parameters.
    text = orig.strerror if isinstance(orig, OSError) and orig.strerror else str(orig)
    first_line = text.strip().splitlines()[:1]
    detail = f"{name}: {first_line[0]}" if first_line else name
    cause = unavailable_cause(exc)
    if cause is not None:
        return StorageUnavailable(f"database unavailable ({detail})", cause)
    return StorageError(f"database error ({detail})")


class DbContext:
    """Engine + session factory + the unit-of-work helpers. Thread-safe; share one per app."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        migrate_schema: bool = True,
        pool_size: int = DEFAULT_POOL_SIZE,
        max_overflow: int = DEFAULT_MAX_OVERFLOW,
        pool_timeout: float = 30.0,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    ) -> DbContext:
        """Resolve the URL (see :func:`resolve_db_url`), create the engine, upgrade the schema.

        Blocking (connects and migrates): call it once at start, before the loop runs or via
        ``asyncio.to_thread``.
        """
        resolved = resolve_db_url(url)
        try:
            engine = create_db_engine(
                resolved,
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_timeout=pool_timeout,
                busy_timeout_ms=busy_timeout_ms,
            )
        except sa_exc.SQLAlchemyError as exc:
            raise map_error(exc) from exc
        ctx = cls(engine)
        if migrate_schema:
            migrate.upgrade(engine)
        log.info("database ready: %s", safe_url(resolved))
        return ctx

    @property
    def url(self) -> str:
        """The database URL with the password masked."""
        return safe_url(self.engine.url)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"`` (or another backend name)."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    # -- units of work -----------------------------------------------------------------------

    def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run ``fn(session, *args)`` in one transaction on a fresh session; commit and return.

        The session is closed (its connection back in the pool) on every path. Raises
        :class:`StorageUnavailable` (transient) or :class:`StorageError`.
        """
        try:
            with self._sessions() as session, session.begin():
                return fn(session, *args)
        except (sa_exc.SQLAlchemyError, OSError) as exc:
            raise map_error(exc) from exc

    async def run_async(self, fn: Callable[..., T], *args: object) -> T:
        """:meth:`run` on a worker thread (``asyncio.to_thread``): never blocks the loop thread."""
        return await asyncio.to_thread(self.run, fn, *args)

    def safe_run_with_retry(
        self,
        fn: Callable[[Session], T],
        max_retries: int = 5,
        delay: float = 0.05,
        *,
        backoff: float = 2.0,
        max_delay: float = 2.0,
        on_retry: Callable[[int, StorageUnavailable], None] | None = None,
    ) -> T:
        """:meth:`run` *fn*, retrying up to *max_retries* times on :class:`StorageUnavailable`.

        Waits *delay* seconds before the first retry, multiplied by *backoff* each time (capped
        at *max_delay*). *on_retry(attempt, error)* is called before each wait. Blocking: call it
        from a worker thread (or use :meth:`safe_run_with_retry_async`). Non-transient errors
        are raised at once; the last transient error is raised when the retries run out.
        """
        attempt = 0
        wait = delay
        while True:
            try:
                return self.run(fn)
            except StorageUnavailable as exc:
                attempt += 1
                if attempt > max_retries:
                    raise
                log.debug("transient database error, retry %d/%d: %s", attempt, max_retries, exc)
                if on_retry is not None:
                    on_retry(attempt, exc)
                time.sleep(wait)
                wait = min(wait * backoff, max_delay)

    async def safe_run_with_retry_async(
        self, fn: Callable[[Session], T], max_retries: int = 5, delay: float = 0.05
    ) -> T:
        """:meth:`safe_run_with_retry` on a worker thread."""
        return await asyncio.to_thread(self.safe_run_with_retry, fn, max_retries, delay)

    # -- health --------------------------------------------------------------------------------

    def check_health(self) -> bool:
        """``SELECT 1`` on a pooled connection: True when the database answers."""
        try:
            with self.engine.connect() as conn:
                return bool(conn.execute(text("SELECT 1")).scalar_one() == 1)
        except sa_exc.SQLAlchemyError as exc:
            log.debug("health check failed: %s", map_error(exc))
            return False

    async def check_health_async(self) -> bool:
        """:meth:`check_health` on a worker thread."""
        return await asyncio.to_thread(self.check_health)

    def pool_status(self) -> PoolStatus:
        """Size, checked in/out, overflow, utilisation and a healthy/warning/critical level."""
        pool = self.engine.pool
        if isinstance(pool, QueuePool):
            size = pool.size()
            checked_in = pool.checkedin()
            checked_out = pool.checkedout()
            overflow = pool.overflow()
            max_overflow = pool._max_overflow  # no public accessor; stable since SQLAlchemy 1.x
            # max_overflow < 0 means "unbounded": then only the persistent size is a meaningful
            # reference, and utilisation above it reads as critical.
            capacity = size + max_overflow if max_overflow >= 0 else size
        else:
            # StaticPool (:memory:) and friends: one connection, no counters worth showing.
            size, checked_in, checked_out, overflow, capacity = 1, 1, 0, 0, 1
        utilisation = min(checked_out / capacity, 1.0) if capacity else 0.0
        level: PoolLevel = (
            "critical"
            if utilisation >= POOL_CRITICAL
            else "warning"
            if utilisation >= POOL_WARNING
            else "healthy"
        )
        return PoolStatus(size, checked_in, checked_out, overflow, capacity, utilisation, level)
