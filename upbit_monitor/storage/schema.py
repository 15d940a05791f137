"""Typed ORM tables (SQLAlchemy 2.x ``Mapped[...]``) for the local market database.

The schema is owned by the Alembic revisions in ``storage/migrations/versions``; this module is the
ORM view of the *current head*. ``tests/storage/test_migrations.py`` checks that the two agree, so a
column added here without a revision fails the suite.

Time is stored as integers (UTC epoch seconds for candle starts, epoch milliseconds for event
timestamps): range queries are then plain integer comparisons on every dialect, and no timezone
conversion happens inside the database. Private amounts (balances, order volumes) are
:class:`~decimal.Decimal` on the wire and may exceed double precision, so they are kept as exact
decimal strings (:class:`DecimalText`) rather than a ``Numeric`` column, whose SQLite emulation
goes through float.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class DecimalText(TypeDecorator[Decimal]):
    """A :class:`~decimal.Decimal` stored as its exact string form (``VARCHAR(64)``)."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        """Decimal -> text, without exponent surprises for ordinary amounts."""
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        """Text -> Decimal."""
        return None if value is None else Decimal(value)


class Base(DeclarativeBase):
    """Declarative base of every table."""


DEFAULT_VENUE = "upbit"
"""Rows written before revision 0004 (venue column) are Upbit's; the migration fills them in."""


def _venue(*, primary_key: bool = False) -> Mapped[str]:
    # Market data and account rows are per venue (revision 0004): KRW-BTC on Upbit and on Bithumb
    # are two markets, and order uuids are only unique within one exchange.
    return mapped_column(String(16), primary_key=primary_key, default=DEFAULT_VENUE,
                         server_default=DEFAULT_VENUE)


class Market(Base):
    """One tradable market (``KRW-BTC``), its names and warning flags."""

    __tablename__ = "markets"

    venue: Mapped[str] = _venue(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    korean_name: Mapped[str] = mapped_column(String(100), default="")
    english_name: Mapped[str] = mapped_column(String(100), default="")
    warning: Mapped[bool] = mapped_column(Boolean, default=False)
    # JSON object of Upbit's market_event.caution flags (revision 0002).
    caution: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    updated_ms: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class CandleRecord(Base):
    """One candle; the primary key (code, unit, start) makes every write an upsert target."""

    __tablename__ = "candles"

    venue: Mapped[str] = _venue(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit: Mapped[str] = mapped_column(String(8), primary_key=True)  # "1s", "1m", "60m", "1d"
    start: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # UTC epoch seconds
    open: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    low: Mapped[float] = mapped_column(Float)
    close: Mapped[float] = mapped_column(Float)
    volume: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float)  # accumulated traded value (price * volume)
    timestamp: Mapped[int] = mapped_column(BigInteger)  # ms of the last update we stored
    # True while the candle may miss trades of its interval (live stream candle, or fetched before
    # the interval closed): the chart refetches it (revision 0006).
    provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CandleCoverage(Base):
    """A span [start, end] (candle starts, inclusive) known to be complete in ``candles``.

    Upbit sends no candle for an interval without trades, so a gap in ``candles`` is not proof that
    data is missing. When the chart fetched a whole span over REST it records the span here and
    ``missing_ranges`` no longer reports its empty intervals (revision 0002).
    """

    __tablename__ = "candle_coverage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    venue: Mapped[str] = _venue()
    code: Mapped[str] = mapped_column(String(32), index=True)
    unit: Mapped[str] = mapped_column(String(8))
    start: Mapped[int] = mapped_column(BigInteger)
    end: Mapped[int] = mapped_column(BigInteger)


class TradeRecord(Base):
    """One recorded fill from the trade stream (recording is optional)."""

    __tablename__ = "trades"

    venue: Mapped[str] = _venue(primary_key=True)
    # Upbit's sequential_id is unique on its own; the code is part of the key because the simulator
    # and the other venues number fills per market, and it costs nothing on Upbit.
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    sequential_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    price: Mapped[float] = mapped_column(Float)
    volume: Mapped[float] = mapped_column(Float)
    ask_bid: Mapped[str] = mapped_column(String(3))
    trade_timestamp: Mapped[int] = mapped_column(BigInteger, index=True)


class MyOrderRecord(Base):
    """The latest known state of one of our orders (one row per uuid)."""

    __tablename__ = "my_orders"

    venue: Mapped[str] = _venue(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    ask_bid: Mapped[str] = mapped_column(String(3))
    order_type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    price: Mapped[Decimal | None] = mapped_column(DecimalText)
    avg_price: Mapped[Decimal | None] = mapped_column(DecimalText)
    volume: Mapped[Decimal | None] = mapped_column(DecimalText)
    remaining_volume: Mapped[Decimal | None] = mapped_column(DecimalText)
    executed_volume: Mapped[Decimal | None] = mapped_column(DecimalText)
    trades_count: Mapped[int] = mapped_column(Integer)
    paid_fee: Mapped[Decimal | None] = mapped_column(DecimalText)
    executed_funds: Mapped[Decimal | None] = mapped_column(DecimalText)
    identifier: Mapped[str | None] = mapped_column(String(64))
    order_timestamp: Mapped[int | None] = mapped_column(BigInteger)
    timestamp: Mapped[int] = mapped_column(BigInteger)  # ms of the newest event applied


class MyOrderState(Base):
    """Every state transition / fill of an order, kept as history (idempotent on replay)."""

    __tablename__ = "my_order_states"
    __table_args__ = (
        UniqueConstraint("venue", "uuid", "timestamp", "state", "trade_uuid", name="uq_my_order_states"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    venue: Mapped[str] = _venue()
    uuid: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16))
    # "" rather than NULL: NULLs are distinct in a unique constraint, which would break idempotency.
    trade_uuid: Mapped[str] = mapped_column(String(64), default="")
    executed_volume: Mapped[Decimal | None] = mapped_column(DecimalText)
    remaining_volume: Mapped[Decimal | None] = mapped_column(DecimalText)
    trade_fee: Mapped[Decimal | None] = mapped_column(DecimalText)
    timestamp: Mapped[int] = mapped_column(BigInteger)


class AssetSnapshot(Base):
    """One currency's balance in one ``myAsset`` message."""

    __tablename__ = "asset_snapshots"
    __table_args__ = (UniqueConstraint("venue", "asset_uuid", "currency", name="uq_asset_snapshots"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    venue: Mapped[str] = _venue()
    asset_uuid: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(16))
    balance: Mapped[Decimal] = mapped_column(DecimalText)
    locked: Mapped[Decimal] = mapped_column(DecimalText)
    asset_timestamp: Mapped[int] = mapped_column(BigInteger, index=True)


class Setting(Base):
    """Key/value application settings (favourites, last coin, layout); values are JSON text."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_ms: Mapped[int] = mapped_column(BigInteger)


class AlertRuleRecord(Base):
    """One alert rule (revision 0003). ``params`` is a JSON object of the kind's settings."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    venue: Mapped[str] = mapped_column(String(32))
    market: Mapped[str] = mapped_column(String(40))
    params: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean)
    cooldown_s: Mapped[float] = mapped_column(Float)
    rearm: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    created_ms: Mapped[int] = mapped_column(BigInteger)
    # Event time of the newest trigger: the cooldown survives a restart.
    last_fired_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class AlertTriggerRecord(Base):
    """One firing of a rule (revision 0003); kept when the rule is deleted (the message says what it was)."""

    __tablename__ = "alert_triggers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)
    at_ms: Mapped[int] = mapped_column(BigInteger, index=True)
    venue: Mapped[str] = mapped_column(String(32))
    market: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)


class AnnouncementRecord(Base):
    """One exchange notice (revision 0005): keyed by the venue's uuid; an UPDATED event replaces the row."""

    __tablename__ = "announcements"

    venue: Mapped[str] = mapped_column(String(32), primary_key=True)
    uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    listed_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    first_listed_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    event_type: Mapped[str] = mapped_column(String(16))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger, index=True)
    is_listing: Mapped[bool] = mapped_column(Boolean)


class BookSnapshotRecord(Base):
    """One recorded orderbook snapshot of a watched coin (revision 0007; recording is optional and off
    by default): the 30 levels packed and compressed by ``features.orderflow.archive``."""

    __tablename__ = "book_snapshots"

    venue: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    timestamp_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
