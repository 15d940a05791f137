"""Alembic migrations: from an empty database, from the previous revision, idempotent re-runs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from upbit_monitor.errors import StorageError
from upbit_monitor.storage import DbContext, create_db_engine, load_markets, migrate, upsert_candles
from upbit_monitor.storage.schema import Base

from .factories import make_candle

HEAD_TABLES = {
    "markets", "candles", "candle_coverage", "trades", "my_orders", "my_order_states",
    "asset_snapshots", "settings", "alembic_version", "alert_rules", "alert_triggers",
    "announcements", "book_snapshots",
}


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_packaged_revisions_form_a_chain() -> None:
    assert migrate.head_revision() == "0007"
    assert migrate.MIGRATIONS_DIR.is_dir()
    assert (migrate.MIGRATIONS_DIR / "env.py").is_file()


def test_upgrade_from_empty_creates_head_schema(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        assert migrate.current_revision(engine) is None
        assert _tables(engine) == set()
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert _tables(engine) == HEAD_TABLES
    finally:
        engine.dispose()


def test_orm_models_match_migrated_schema(db: DbContext) -> None:
    # A column added to schema.py without a revision (or vice versa) shows up here.
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_from_previous_revision_keeps_data(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        migrate.upgrade(engine, "0001")
        assert migrate.current_revision(engine) == "0001"
        assert "my_orders" not in _tables(engine)
        # Data written by the old schema, including a market row without the new columns.
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO markets (code, korean_name, english_name, warning) "
                    "VALUES ('KRW-BTC', '비트코인', 'Bitcoin', false)"
                )
            )
            # Candles as revision 0001 stored them (no venue column yet).
            for m in range(5):
                conn.execute(sa.text(
                    "INSERT INTO candles (code, unit, start, open, high, low, close, volume, value, "
                    f"timestamp) VALUES ('KRW-BTC', '1m', {1_700_000_000 + 60 * m}, 1, 1, 1, 1, 1, 1, 0)"))
        ctx = DbContext(engine)

        migrate.upgrade(engine)  # what DbContext.open does at start

        assert migrate.current_revision(engine) == migrate.head_revision()
        assert _tables(engine) == HEAD_TABLES
        markets = ctx.run(load_markets)
        assert [(m.code, m.korean_name, m.cautions) for m in markets] == [("KRW-BTC", "비트코인", ())]
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM candles")).scalar_one() == 5
            assert conn.execute(sa.text("SELECT updated_ms FROM markets")).scalar_one() == 0
    finally:
        engine.dispose()


def test_open_twice_is_a_no_op_and_never_drops(db_url: str) -> None:
    first = DbContext.open(db_url)
    first.run(upsert_candles, [make_candle(minute=1)])
    first.close()
    second = DbContext.open(db_url)  # second start: already at head
    try:
        with second.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM candles")).scalar_one() == 1
        assert migrate.current_revision(second.engine) == migrate.head_revision()
    finally:
        second.close()


def test_0006_marks_existing_candles_provisional(db_url: str) -> None:
    # Rows from before 0006 cannot be told apart (a live candle saved mid-minute looked complete):
    # all become provisional, so the chart refetches them once.
    engine = create_db_engine(db_url)
    try:
        migrate.upgrade(engine, "0005")
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO candles (code, unit, start, open, high, low, close, volume, value, "
                    "timestamp) VALUES ('KRW-BTC', '1m', 1704067200, 1, 1, 1, 1, 5.79, 1, 0)"
                )
            )
        migrate.upgrade(engine)
        ctx = DbContext(engine)
        ctx.run(upsert_candles, [make_candle(minute=1)])  # a complete candle written after
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT start, provisional FROM candles ORDER BY start")).all()
        assert [(s, bool(p)) for s, p in rows] == [(1704067200, True), (1704067260, False)]
    finally:
        engine.dispose()


def test_a_migration_failing_halfway_leaves_the_previous_schema_and_a_retry_recovers(db_url: str) -> None:
    # 0006 alters the candles table, then 0007 fails (its table exists already): the whole upgrade
    # must roll back. SQLite used to keep 0006's DDL (pysqlite runs DDL outside its transaction), a
    # half-migrated file that every later start failed on.
    engine = create_db_engine(db_url)
    try:
        migrate.upgrade(engine, "0005")
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE book_snapshots (x INTEGER)"))
        before = {c["name"] for c in sa.inspect(engine).get_columns("candles")}
        with pytest.raises(StorageError, match="database migration failed"):
            migrate.upgrade(engine)
        engine.dispose()  # a fresh look at the file, not a cached inspector
        assert migrate.current_revision(engine) == "0005"
        assert {c["name"] for c in sa.inspect(engine).get_columns("candles")} == before
        assert "provisional" not in before
        with engine.begin() as conn:  # the user (or a fixed version) removes the obstacle
            conn.execute(sa.text("DROP TABLE book_snapshots"))
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert _tables(engine) == HEAD_TABLES
    finally:
        engine.dispose()
