"""Property test: ``missing_ranges`` equals a brute-force walk over every candle start."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.orm import Session

from upbit_monitor.storage import CandleRow, DbContext, mark_covered, missing_ranges, upsert_candles
from upbit_monitor.storage.schema import CandleCoverage, CandleRecord

B = 1_704_067_200
STEP = 60


def _brute(stored: set[int], covered: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    first = -(-start // STEP) * STEP
    gaps: list[tuple[int, int]] = []
    t = first
    while t <= end:
        present = t in stored or any(a <= t <= b for a, b in covered)
        if not present:
            if gaps and gaps[-1][1] == t - STEP:
                gaps[-1] = (gaps[-1][0], t)
            else:
                gaps.append((t, t))
        t += STEP
    return gaps


def _clear(session: Session) -> None:
    session.execute(delete(CandleRecord))
    session.execute(delete(CandleCoverage))


def test_missing_ranges_matches_brute_force(tmp_path: Path) -> None:
    db = DbContext.open(f"sqlite:///{tmp_path / 'prop.db'}")

    @settings(max_examples=60, deadline=None)
    @given(
        minutes=st.sets(st.integers(0, 60), max_size=30),
        spans=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 8)), max_size=4),
        window=st.tuples(st.integers(-5 * STEP, 70 * STEP), st.integers(0, 70 * STEP)),
    )
    def check(minutes: set[int], spans: list[tuple[int, int]], window: tuple[int, int]) -> None:
        db.run(_clear)
        db.run(upsert_candles, [CandleRow("X", "1m", B + m * STEP, 1, 1, 1, 1, 1, 1, 0) for m in minutes])
        covered = [(B + a * STEP, B + (a + n) * STEP) for a, n in spans]
        for a, b in covered:
            db.run(mark_covered, "X", "1m", a, b)
        start, length = B + window[0], window[1]
        expected = _brute({B + m * STEP for m in minutes}, covered, start, start + length)
        assert db.run(missing_ranges, "X", "1m", start, start + length) == expected

    try:
        check()
    finally:
        db.close()
