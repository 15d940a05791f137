"""Storage layer: SQLAlchemy engine, typed tables, Alembic migrations, DbContext, stream writer.

The only package that imports SQLAlchemy. Public API (see CONTRACTS.md "storage public API")::

    from upbit_monitor.storage import DbContext, StreamWriter, load_candles, missing_ranges, ...

    db = DbContext.open(settings.db_url)         # resolve URL, create engine, migrate to head
    rows = await db.run_async(load_candles, "KRW-BTC", "1m", start, end)
"""

from __future__ import annotations

from upbit_monitor.storage.candles import (
    CandleRow,
    load_candles,
    load_latest_candles,
    mark_covered,
    mark_for_refetch,
    missing_ranges,
    parse_utc,
    prune_candles,
    unit_seconds,
    upsert_candles,
)
from upbit_monitor.storage.context import DbContext, PoolStatus, is_transient
from upbit_monitor.storage.engine import (
    ENV_DB_URL,
    create_db_engine,
    default_db_path,
    resolve_db_url,
    safe_url,
    spill_dir_for,
)
from upbit_monitor.storage.markets import (
    get_setting,
    load_markets,
    set_setting,
    upsert_markets,
)
from upbit_monitor.storage.paths import data_dir
from upbit_monitor.storage.records import (
    get_order,
    insert_trades,
    latest_balances,
    load_trades,
    order_history,
    record_assets,
    record_my_orders,
)
from upbit_monitor.storage.writer import StreamWriter
from upbit_monitor.storage.writer_status import WriterStatus

__all__ = [
    "ENV_DB_URL",
    "CandleRow",
    "DbContext",
    "PoolStatus",
    "StreamWriter",
    "WriterStatus",
    "create_db_engine",
    "data_dir",
    "default_db_path",
    "get_order",
    "get_setting",
    "insert_trades",
    "is_transient",
    "latest_balances",
    "load_candles",
    "load_latest_candles",
    "load_markets",
    "load_trades",
    "mark_covered",
    "mark_for_refetch",
    "missing_ranges",
    "order_history",
    "parse_utc",
    "prune_candles",
    "record_assets",
    "record_my_orders",
    "resolve_db_url",
    "safe_url",
    "set_setting",
    "spill_dir_for",
    "unit_seconds",
    "upsert_candles",
    "upsert_markets",
]
