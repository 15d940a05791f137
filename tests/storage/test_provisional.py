"""Issue 14 item 3 (storage side): a candle saved before its interval closed is provisional, is
reported missing so the chart refetches it, and never overwrites a complete candle."""

from __future__ import annotations

import time

import pytest

from upbit_monitor.storage import (
    CandleRow,
    DbContext,
    StreamWriter,
    load_candles,
    mark_covered,
    mark_for_refetch,
    missing_ranges,
    upsert_candles,
)

from .factories import CANDLE_BASE as B
from .factories import make_candle


def _row(minute: int, volume: float, *, provisional: bool = False) -> CandleRow:
    return CandleRow("KRW-BTC", "1m", B + 60 * minute, 1.0, 2.0, 0.5, 1.5, volume, volume * 1.5,
                     (B + 60 * minute) * 1000 + 25_000, provisional=provisional)


def _load(db: DbContext) -> dict[int, tuple[float, bool]]:
    rows = db.run(load_candles, "KRW-BTC", "1m", B, B + 3600)
    return {(r.start - B) // 60: (r.volume, r.provisional) for r in rows}


@pytest.mark.asyncio
async def test_the_writer_stores_live_candles_provisional(db: DbContext) -> None:
    writer = StreamWriter(db, interval=0.02)
    await writer.start()
    try:
        writer.on_event(make_candle(minute=3, price=10.0))
        assert await writer.flush(wait_s=20)
    finally:
        assert await writer.stop()
    assert _load(db) == {3: (1.5, True)}
    # ...so a chart loading this minute refetches it.
    assert db.run(missing_ranges, "KRW-BTC", "1m", B + 180, B + 180) == [(B + 180, B + 180)]


def test_rest_candles_are_provisional_until_their_interval_closed(db: DbContext) -> None:
    # The answer came 25 s into minute 2: minutes 0 and 1 are closed, minute 2 is not.
    rows = [_row(0, 10.0), _row(1, 11.0), _row(2, 5.79)]
    db.run(lambda s: upsert_candles(s, rows, closed_by=B + 145))
    assert _load(db) == {0: (10.0, False), 1: (11.0, False), 2: (5.79, True)}
    assert db.run(missing_ranges, "KRW-BTC", "1m", B, B + 120) == [(B + 120, B + 120)]


def test_a_complete_candle_replaces_a_provisional_one_never_the_reverse(db: DbContext) -> None:
    db.run(upsert_candles, [_row(5, 5.79, provisional=True)])  # saved 25 s into the minute
    db.run(upsert_candles, [_row(5, 15.33)])  # refetched after the close
    assert _load(db) == {5: (15.33, False)}
    db.run(upsert_candles, [_row(5, 7.0, provisional=True)])  # a late live update: ignored
    assert _load(db) == {5: (15.33, False)}
    db.run(upsert_candles, [_row(5, 15.34)])  # a newer complete answer still wins
    assert _load(db) == {5: (15.34, False)}


def test_provisional_candles_are_missing_inside_a_covered_span(db: DbContext) -> None:
    db.run(upsert_candles, [_row(m, 1.0) for m in range(10)])
    db.run(mark_covered, "KRW-BTC", "1m", B, B + 9 * 60)
    assert db.run(missing_ranges, "KRW-BTC", "1m", B, B + 9 * 60) == []
    # Two minutes were saved live after the span was covered (e.g. a REST page that ended early).
    db.run(upsert_candles, [_row(m, 1.0, provisional=True) for m in (4, 5, 9)])
    db.run(upsert_candles, [_row(12, 1.0, provisional=True)])
    # (minutes 4 and 5 were complete already: provisional writes do not downgrade them)
    assert db.run(missing_ranges, "KRW-BTC", "1m", B, B + 12 * 60) == [(B + 600, B + 720)]


def test_provisional_rows_cut_coverage_spans(db: DbContext) -> None:
    db.run(mark_covered, "KRW-BTC", "1m", B, B + 9 * 60)  # covered, nothing stored (no trades)
    db.run(upsert_candles, [_row(m, 1.0, provisional=True) for m in (0, 4, 5, 9)])
    assert db.run(missing_ranges, "KRW-BTC", "1m", B, B + 9 * 60) == [
        (B, B), (B + 240, B + 300), (B + 540, B + 540)]


def test_by_default_the_interval_must_have_closed_by_now(db: DbContext) -> None:
    now = int(time.time())
    minute = now - now % 60
    closed, open_ = minute - 3600, minute + 3600  # an hour ago; still to come (a skewed clock)
    rows = [CandleRow("KRW-BTC", "1m", t, 1, 1, 1, 1, 1, 1, 0) for t in (closed, open_)]
    db.run(upsert_candles, rows)  # no closed_by: "now"
    stored = db.run(load_candles, "KRW-BTC", "1m", closed, open_)
    assert [(r.start, r.provisional) for r in stored] == [(closed, False), (open_, True)]


def test_a_gap_marks_touched_candles_and_coverage_for_refetch(db: DbContext) -> None:
    db.run(upsert_candles, [_row(m, 1.0) for m in range(10)])
    db.run(mark_covered, "KRW-BTC", "1m", B, B + 9 * 60)
    # An outage from 3:30 to 5:10 (minutes 3, 4 and 5 may have missed trades).
    marked = db.run(mark_for_refetch, "KRW-BTC", B + 210, B + 310)
    assert marked == 3
    assert db.run(missing_ranges, "KRW-BTC", "1m", B, B + 9 * 60) == [(B + 180, B + 300)]
    assert {m for m, (_, p) in _load(db).items() if p} == {3, 4, 5}
    db.run(upsert_candles, [_row(m, 2.0) for m in (3, 4, 5)])  # the chart refetched them
    assert db.run(missing_ranges, "KRW-BTC", "1m", B, B + 9 * 60) == []
