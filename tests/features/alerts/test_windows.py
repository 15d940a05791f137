"""O(1) windows agree with brute force."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from upbit_monitor.features.alerts.windows import MinuteSums, WindowExtremes


@given(st.lists(st.tuples(st.integers(0, 5_000), st.floats(1, 1e6)), min_size=1, max_size=200),
       st.integers(1, 20_000))
def test_window_extremes_match_brute_force(steps: list[tuple[int, float]], span: int) -> None:
    w = WindowExtremes(span)
    t = 0
    seen: list[tuple[int, float]] = []
    for dt, value in steps:
        t += dt
        w.push(t, value)
        seen.append((t, value))
        inside = [v for ts, v in seen if ts >= t - span]
        assert w.low == min(inside)
        assert w.high == max(inside)


def test_window_memory_stays_bounded_for_a_monotonic_series() -> None:
    w = WindowExtremes(1000)
    for i in range(10_000):
        w.push(i * 10, float(i))  # rising: the min deque holds only what is inside the window
    assert len(w) <= 101


def test_minute_sums_average_counts_quiet_minutes_as_zero() -> None:
    m = MinuteSums(3)
    m.add(0, 30.0)
    m.add(60_000, 60.0)
    assert not m.full and m.average == 30.0
    m.add(4 * 60_000, 5.0)  # minutes 2 and 3 had no trades
    assert m.full
    assert m.average == (60.0 + 0.0 + 0.0) / 3
    assert m.current == 5.0
    m.add(100 * 60_000, 1.0)  # a long gap fills the ring with zeros, not 96 iterations
    assert m.average == 0.0
