"""Candle repository: idempotent upsert (last wins), range loads, missing ranges and coverage."""

from __future__ import annotations

import pytest

from upbit_monitor.errors import StorageError
from upbit_monitor.storage import (
    CandleRow,
    DbContext,
    load_candles,
    load_latest_candles,
    mark_covered,
    missing_ranges,
    parse_utc,
    prune_candles,
    unit_seconds,
    upsert_candles,
)

from .factories import CANDLE_BASE, make_candle

B = CANDLE_BASE


def _row(minute: int, close: float = 1.0, code: str = "KRW-BTC") -> CandleRow:
    return CandleRow(code, "1m", B + 60 * minute, 1.0, 2.0, 0.5, close, 3.0, 4.0, minute)


def test_parse_utc_and_units() -> None:
    assert parse_utc("2024-01-01T00:00:00") == B
    assert parse_utc("2024-01-01T00:01:00+00:00") == B + 60
    assert unit_seconds("1s") == 1 and unit_seconds("15m") == 900 and unit_seconds("1d") == 86400
    with pytest.raises(StorageError):
        unit_seconds("1M")
    with pytest.raises(StorageError):
        parse_utc("yesterday")


def test_upsert_is_idempotent_and_last_wins(db: DbContext) -> None:
    rows = [_row(m) for m in range(10)]
    assert db.run(upsert_candles, rows) == 10
    assert db.run(upsert_candles, rows) == 10
    assert db.run(load_candles, "KRW-BTC", "1m", B, B + 3600) == rows

    # The in-progress candle of minute 3 is updated twice in one batch and once more later.
    db.run(upsert_candles, [_row(3, close=5.0), _row(3, close=6.0)])
    db.run(upsert_candles, [_row(3, close=7.0)])
    stored = db.run(load_candles, "KRW-BTC", "1m", B, B + 3600)
    assert len(stored) == 10
    assert stored[3].close == 7.0


def test_events_convert_and_store(db: DbContext) -> None:
    db.run(upsert_candles, [make_candle(minute=2, price=50.0), make_candle(minute=2, price=51.0)])
    (row,) = db.run(load_candles, "KRW-BTC", "1m", B, B + 600)
    assert (row.start, row.unit, row.close, row.high, row.volume) == (B + 120, "1m", 51.0, 52.0, 1.5)


def test_load_ranges_are_inclusive_and_per_market(db: DbContext) -> None:
    db.run(upsert_candles, [_row(m) for m in range(10)] + [_row(m, code="KRW-ETH") for m in range(3)])
    got = db.run(load_candles, "KRW-BTC", "1m", B + 120, B + 300)
    assert [r.start for r in got] == [B + 120, B + 180, B + 240, B + 300]
    latest = db.run(load_latest_candles, "KRW-BTC", "1m", 3)
    assert [r.start for r in latest] == [B + 420, B + 480, B + 540]
    assert db.run(load_candles, "KRW-BTC", "5m", B, B + 3600) == []


def test_missing_ranges_reports_gaps_aligned(db: DbContext) -> None:
    assert db.run(missing_ranges, "KRW-BTC", "1m", B, B + 540) == [(B, B + 540)]
    db.run(upsert_candles, [_row(m) for m in (0, 1, 2, 5, 9)])
    gaps = db.run(missing_ranges, "KRW-BTC", "1m", B + 10, B + 600)
    # start rounds up to B+60, end is minute 10: minutes 3-4 and 6-8 and 10 are missing.
    assert gaps == [(B + 180, B + 240), (B + 360, B + 480), (B + 600, B + 600)]
    assert db.run(missing_ranges, "KRW-BTC", "1m", B, B + 120) == []
    assert db.run(missing_ranges, "KRW-BTC", "1m", B + 1, B + 59) == []


def test_coverage_hides_intervals_without_trades(db: DbContext) -> None:
    db.run(upsert_candles, [_row(m) for m in (0, 1, 5)])
    # A REST fetch of minutes 0..6 returned no candle for 2-4 and 6 (no trades): mark it covered.
    db.run(mark_covered, "KRW-BTC", "1m", B, B + 360)
    assert db.run(missing_ranges, "KRW-BTC", "1m", B, B + 600) == [(B + 420, B + 600)]
    # Adjacent and overlapping spans merge into one row.
    db.run(mark_covered, "KRW-BTC", "1m", B + 420, B + 480)
    db.run(mark_covered, "KRW-BTC", "1m", B + 300, B + 540)
    assert db.run(missing_ranges, "KRW-BTC", "1m", B, B + 600) == [(B + 600, B + 600)]

    def spans(session: object) -> int:
        from sqlalchemy import func, select

        from upbit_monitor.storage.schema import CandleCoverage

        return int(session.scalar(select(func.count()).select_from(CandleCoverage)))  # type: ignore[attr-defined]

    assert db.run(spans) == 1


def test_prune_reopens_the_range(db: DbContext) -> None:
    db.run(upsert_candles, [_row(m) for m in range(6)])
    db.run(mark_covered, "KRW-BTC", "1m", B, B + 300)
    assert db.run(prune_candles, "KRW-BTC", "1m", B + 180) == 3
    assert db.run(missing_ranges, "KRW-BTC", "1m", B, B + 300) == [(B, B + 120)]
