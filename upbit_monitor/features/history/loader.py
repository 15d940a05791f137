"""Chart history: the local database first, REST only for what it lacks, fetched candles stored.

:class:`HistoryLoader` answers "the last N candles of (code, unit)":

1. ask the store for the candles it has in the window and for the ranges it does NOT know to be
   complete (Upbit sends no candle for an interval without trades, so the store keeps a record of
   fetched spans: an empty stretch inside one is not "missing");
2. fetch only those ranges over REST (paged, 200 per call);
3. store what was fetched and mark the spans complete up to the last *closed* candle (the
   in-progress candle is refetched next time);
4. return the merged series, oldest first.

Failures degrade instead of breaking the chart: a database error falls back to REST for the whole
window (``db_error`` says why), a REST error returns what the database had (``rest_error``). Every
database call goes through the store's async methods, which run on a worker thread, never on the
GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from upbit_monitor.connection.rest import (
    PERIOD_UNITS,
    RestClient,
    candle_start,
    floor_time,
    range_for_count,
)
from upbit_monitor.errors import RestError, StorageError
from upbit_monitor.protocol.events import Candle
from upbit_monitor.storage import (
    CandleRow,
    DbContext,
    load_candles,
    mark_covered,
    missing_ranges,
    upsert_candles,
)

log = logging.getLogger(__name__)

_KST = timedelta(hours=9)
# ``stream_type`` of candles read back from the database.
DB_STREAM = "DB"

Span = tuple[datetime, datetime]
"""``[start, end)`` of candle start times, aware UTC datetimes."""


class CandleStore(Protocol):
    """What the loader needs from storage (async: implementations run SQL off the GUI thread)."""

    async def load_candles(self, code: str, unit: int, start: datetime, end: datetime) -> Sequence[Candle]:
        """Stored candles with ``start <= candle start < end``."""
        ...

    async def missing_ranges(self, code: str, unit: int, start: datetime, end: datetime) -> Sequence[Span]:
        """Sub-spans of ``[start, end)`` not known to be complete in the store."""
        ...

    async def save_candles(
        self, code: str, unit: int, candles: Sequence[Candle], covered: Sequence[Span]
    ) -> None:
        """Upsert candles and record ``covered`` spans as complete."""
        ...


class CandleSource(Protocol):
    """The REST side (a :class:`RestClient`, or a fake in tests)."""

    async def candles_range(self, market: str, unit: int, start: datetime, end: datetime) -> list[Candle]:
        """Every candle in ``[start, end)``, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class HistoryResult:
    """A loaded window: ``candles`` oldest first plus where they came from and what failed."""

    code: str
    unit: int
    candles: list[Candle]
    from_db: int = 0
    fetched: int = 0
    fetched_ranges: list[Span] = field(default_factory=list)
    db_error: str | None = None
    rest_error: str | None = None


class DbCandleStore:
    """:class:`CandleStore` over the storage layer; every call runs on a worker thread.

    Storage speaks inclusive ``[first_start, last_start]`` epoch-second ranges and units like
    ``"15m"``; the loader speaks half-open datetime spans and minutes. Transient errors (SQLite
    busy/locked, a dropped PostgreSQL connection) are retried briefly before they surface.
    ``venue`` selects whose candles (Upbit's by default; Bithumb's are stored beside them).
    """

    def __init__(self, db: DbContext, *, retries: int = 2, venue: str = "upbit") -> None:
        self.db = db
        self.retries = retries
        self.venue = venue

    async def load_candles(self, code: str, unit: int, start: datetime, end: datetime) -> list[Candle]:
        """Stored candles of the span, as :class:`Candle` events."""
        first, last = _inclusive(start, end, unit)
        rows = await self.db.safe_run_with_retry_async(
            lambda s: load_candles(s, code, f"{unit}m", first, last, self.venue), self.retries
        )
        return [_row_to_candle(row) for row in rows]

    async def missing_ranges(self, code: str, unit: int, start: datetime, end: datetime) -> list[Span]:
        """Spans neither stored nor recorded as covered."""
        first, last = _inclusive(start, end, unit)
        gaps = await self.db.safe_run_with_retry_async(
            lambda s: missing_ranges(s, code, f"{unit}m", first, last, self.venue), self.retries
        )
        step = timedelta(minutes=unit)
        return [(_dt(a), _dt(b) + step) for a, b in gaps]

    async def save_candles(
        self, code: str, unit: int, candles: Sequence[Candle], covered: Sequence[Span]
    ) -> None:
        """Upsert the candles and mark the spans covered, in ONE transaction."""
        spans = [_inclusive(a, b, unit) for a, b in covered]
        rows = list(candles)

        def save(session: Any) -> None:
            upsert_candles(session, rows, self.venue)
            for first, last in spans:
                mark_covered(session, code, f"{unit}m", first, last, self.venue)

        await self.db.safe_run_with_retry_async(save, self.retries)


def _inclusive(start: datetime, end: datetime, unit: int) -> tuple[int, int]:
    """Half-open datetime span -> storage's inclusive epoch-second candle-start range."""
    return int(start.timestamp()), int(end.timestamp()) - unit * 60


def _dt(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _row_to_candle(row: CandleRow) -> Candle:
    start = _dt(row.start)
    return Candle(
        type=f"candle.{row.unit}",
        code=row.code,
        candle_date_time_utc=start.strftime("%Y-%m-%dT%H:%M:%S"),
        candle_date_time_kst=(start + _KST).strftime("%Y-%m-%dT%H:%M:%S"),
        opening_price=row.open,
        high_price=row.high,
        low_price=row.low,
        trade_price=row.close,
        candle_acc_trade_volume=row.volume,
        candle_acc_trade_price=row.value,
        timestamp=row.timestamp,
        stream_type=DB_STREAM,
    )


class HistoryLoader:
    """Loads chart history DB-first; ``rest`` and ``store`` may each be None (REST-only / DB-only)."""

    def __init__(
        self,
        rest: CandleSource | RestClient | None,
        store: CandleStore | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.rest = rest
        self.store = store
        # Injectable "now" (aware UTC) so tests and the simulator's fixed clock line up.
        self._clock = clock or (lambda: datetime.now(UTC))

    @classmethod
    def with_db(
        cls, rest: CandleSource | RestClient | None, db: DbContext | None, *, venue: str = "upbit",
        **kwargs: Any,
    ) -> HistoryLoader:
        """A loader over a :class:`DbContext` (None = REST only) for ``venue``'s candles.

        Bithumb: ``rest`` is a RestClient on ``settings.bithumb_rest_url`` and ``venue="bithumb"``.
        """
        return cls(rest, DbCandleStore(db, venue=venue) if db is not None else None, **kwargs)

    async def load(
        self, code: str, unit: int, count: int = 300, *, now: datetime | None = None
    ) -> HistoryResult:
        """The last ``count`` candles of ``code`` at ``unit`` minutes (including the in-progress one)."""
        start, end = range_for_count(unit, count, now or self._clock())
        return await self.load_range(code, unit, start, end, now=now)

    async def load_before(
        self, code: str, unit: int, end: datetime, count: int = 200, *, now: datetime | None = None
    ) -> HistoryResult:
        """``count`` candle slots before ``end`` (the chart scrolled past its oldest bar)."""
        start = end - timedelta(minutes=unit * count)
        return await self.load_range(code, unit, start, end, now=now)

    async def load_range(
        self, code: str, unit: int, start: datetime, end: datetime, *, now: datetime | None = None
    ) -> HistoryResult:
        """Candles with ``start <= candle start < end``: database first, REST for the gaps."""
        now = now or self._clock()
        # The candle containing ``now`` is still changing: never record it as complete, and
        # always refetch it when the range reaches it.
        closed_end = floor_time(now, unit)
        includes_live = end > closed_end
        stored: Sequence[Candle] = ()
        missing: list[Span] = [(start, end)]
        db_error: str | None = None
        # Day/week/month candles are not stored: their spans are not fixed (months, Monday weeks),
        # which the coverage records assume, and 200 of them are one REST call anyway.
        store = None if unit in PERIOD_UNITS else self.store
        if store is not None:
            try:
                stored = await store.load_candles(code, unit, start, end)
                missing = _clip(await store.missing_ranges(code, unit, start, end), start, end)
            except StorageError as exc:
                log.warning("history: database read failed for %s %dm: %s", code, unit, exc)
                db_error = f"database read failed: {exc}"
                stored, missing = (), [(start, end)]
            if includes_live:
                missing = _with_tail(missing, closed_end, end)

        fetched: list[Candle] = []
        fetched_ranges: list[Span] = []
        rest_error: str | None = None
        if self.rest is not None:
            try:
                for span_start, span_end in missing:
                    fetched.extend(await self.rest.candles_range(code, unit, span_start, span_end))
                    fetched_ranges.append((span_start, span_end))
            except RestError as exc:
                log.warning("history: REST fetch failed for %s %dm: %s", code, unit, exc)
                rest_error = str(exc)

        if store is not None and db_error is None and fetched_ranges:
            covered = [(a, min(b, closed_end)) for a, b in fetched_ranges if min(b, closed_end) > a]
            try:
                await store.save_candles(code, unit, fetched, covered)
            except StorageError as exc:
                log.warning("history: database write failed for %s %dm: %s", code, unit, exc)
                db_error = f"database write failed: {exc}"

        merged = {c.candle_date_time_utc: c for c in stored}
        merged.update((c.candle_date_time_utc, c) for c in fetched)  # fresh REST data wins
        candles = [merged[k] for k in sorted(merged) if start <= candle_start(merged[k]) < end]
        return HistoryResult(
            code=code,
            unit=unit,
            candles=candles,
            from_db=len(stored),
            fetched=len(fetched),
            fetched_ranges=fetched_ranges,
            db_error=db_error,
            rest_error=rest_error,
        )


def _clip(spans: Sequence[Span], start: datetime, end: datetime) -> list[Span]:
    out = [(max(a, start), min(b, end)) for a, b in spans]
    return sorted((a, b) for a, b in out if b > a)


def _with_tail(spans: list[Span], closed_end: datetime, end: datetime) -> list[Span]:
    """Make sure the in-progress candle ``[closed_end, end)`` is fetched even if the store has it."""
    if any(a <= closed_end and b >= end for a, b in spans):
        return spans
    if spans and spans[-1][1] >= closed_end:
        # Extend the last span instead of paying a separate call for one candle.
        a, _ = spans[-1]
        return [*spans[:-1], (a, end)]
    return [*spans, (closed_end, end)]
