"""DbContext: fresh session per unit of work, error mapping, retry on a locked SQLite database,
worker-thread async variant, pool status under 20 concurrent writers, health check."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from upbit_monitor.errors import ConfigError, StorageError, StorageUnavailable
from upbit_monitor.storage import (
    DbContext,
    default_db_path,
    insert_trades,
    load_trades,
    resolve_db_url,
    safe_url,
    set_setting,
)
from upbit_monitor.storage.schema import Setting

from .factories import make_trade


def test_url_precedence_explicit_env_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = {"UPBIT_MONITOR_DB_URL": "sqlite:////tmp/env.db"}
    assert resolve_db_url("sqlite:////tmp/explicit.db", env) == "sqlite:////tmp/explicit.db"
    assert resolve_db_url(None, env) == "sqlite:////tmp/env.db"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "upbit-monitor" / "upbit-monitor.db"
    assert resolve_db_url(None, {}) == f"sqlite:///{tmp_path}/upbit-monitor/upbit-monitor.db"
    assert resolve_db_url("postgresql://u:secret@h/db", {}) == "postgresql+psycopg://u:secret@h/db"
    assert "secret" not in safe_url("postgresql+psycopg://u:secret@h/db")


def test_invalid_url_error_hides_the_password() -> None:
    with pytest.raises(ConfigError) as info:
        resolve_db_url("not a url :secret@", {})
    assert "secret" not in str(info.value)


def test_default_sqlite_file_is_created_with_wal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("UPBIT_MONITOR_DB_URL", raising=False)
    db = DbContext.open()
    try:
        assert (tmp_path / "upbit-monitor" / "upbit-monitor.db").is_file()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    finally:
        db.close()


def test_run_commits_and_always_returns_the_connection(db: DbContext) -> None:
    db.run(set_setting, "k", 1)

    def boom(session: Session) -> None:
        session.add(Setting(key="k2", value="1", updated_ms=0))
        session.flush()
        raise RuntimeError("bug in the unit of work")

    with pytest.raises(RuntimeError):
        db.run(boom)
    assert db.run(lambda s: s.get(Setting, "k2")) is None  # rolled back
    assert db.run(lambda s: s.get(Setting, "k")) is not None
    assert db.pool_status().checked_out == 0


def test_integrity_error_is_a_permanent_storage_error(db: DbContext) -> None:
    def dup(session: Session) -> None:
        session.add(Setting(key="same", value="1", updated_ms=0))
        session.add(Setting(key="same", value="2", updated_ms=0))

    with pytest.raises(StorageError) as info:
        db.run(dup)
    assert not isinstance(info.value, StorageUnavailable)
    assert db.pool_status().checked_out == 0


@pytest.mark.asyncio
async def test_run_async_uses_a_worker_thread(db: DbContext) -> None:
    loop_thread = threading.get_ident()
    ran_on = await db.run_async(lambda s: threading.get_ident())
    assert ran_on != loop_thread
    assert await db.check_health_async() is True


def test_health_check_fails_for_a_dead_server() -> None:
    # Port 9 on localhost: nothing listens, the connection is refused at once.
    db = DbContext.open("postgresql+psycopg://u:p@127.0.0.1:9/x", migrate_schema=False)
    try:
        assert db.check_health() is False
        with pytest.raises(StorageUnavailable):
            db.run(lambda s: s.execute(sa.text("SELECT 1")))
    finally:
        db.close()


def _locked_sqlite(tmp_path: Path) -> tuple[DbContext, sqlite3.Connection]:
    path = tmp_path / "locked.db"
    db = DbContext.open(f"sqlite:///{path}", busy_timeout_ms=20)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")  # another connection holds the write lock
    return db, holder


def test_locked_sqlite_retries_then_succeeds(tmp_path: Path) -> None:
    db, holder = _locked_sqlite(tmp_path)
    failures: list[StorageUnavailable] = []

    def on_retry(attempt: int, exc: StorageUnavailable) -> None:
        failures.append(exc)
        if attempt == 2:  # release after two real "database is locked" failures
            holder.execute("COMMIT")

    try:
        db.safe_run_with_retry(
            lambda s: insert_trades(s, [make_trade(1)]), max_retries=5, delay=0.01, on_retry=on_retry
        )
        assert len(failures) == 2
        assert all("locked" in str(f) for f in failures)
        assert len(db.run(load_trades, "KRW-BTC", 0, 2**62)) == 1
    finally:
        holder.close()
        db.close()


def test_locked_sqlite_gives_up_after_max_retries(tmp_path: Path) -> None:
    db, holder = _locked_sqlite(tmp_path)
    attempts: list[int] = []
    try:
        with pytest.raises(StorageUnavailable, match="locked"):
            db.safe_run_with_retry(
                lambda s: insert_trades(s, [make_trade(1)]),
                max_retries=2,
                delay=0.01,
                on_retry=lambda n, _e: attempts.append(n),
            )
        assert attempts == [1, 2]
        assert db.pool_status().checked_out == 0
    finally:
        holder.close()
        db.close()


def test_pool_under_20_concurrent_writers(db_url: str) -> None:
    db = DbContext.open(db_url, pool_size=5, max_overflow=10, pool_timeout=30)
    capacity = db.pool_status().capacity
    assert capacity == 15
    pool_full = threading.Event()
    seen_levels: set[str] = set()
    peak = 0
    lock = threading.Lock()

    def write(seq: int) -> int:
        def unit(session: Session) -> int:
            nonlocal peak
            # Holding a connection here: hold it until the pool is saturated once, so the
            # 20 writers really overlap (5 of them must queue for a free connection).
            session.connection()
            status = db.pool_status()
            with lock:
                peak = max(peak, status.checked_out)
                seen_levels.add(status.level)
            if status.checked_out >= capacity:
                pool_full.set()
            pool_full.wait(20)
            insert_trades(session, [make_trade(seq)])
            return seq

        return db.safe_run_with_retry(unit, max_retries=10, delay=0.02)

    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(write, range(1, 21)))
        assert results == list(range(1, 21))
        assert pool_full.is_set() and peak == capacity
        assert "critical" in seen_levels
        after = db.pool_status()
        assert (after.checked_out, after.level, after.utilisation) == (0, "healthy", 0.0)
        assert after.checked_in >= after.size
        assert len(db.run(load_trades, "KRW-BTC", 0, 2**62)) == 20
    finally:
        db.close()
