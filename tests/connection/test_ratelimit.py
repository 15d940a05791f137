from __future__ import annotations

from upbit_monitor.connection.ratelimit import RateLimiter
from upbit_monitor.connection.stats import RateWindow
from upbit_monitor.exchanges.base import RateLimit


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_five_per_second() -> None:
    clock = Clock()
    lim = RateLimiter(RateLimit(per_second=5, per_minute=100), clock, margin_s=0.0)
    for _ in range(5):
        assert lim.delay() == 0.0
        lim.record()
        clock.t += 0.01
    assert lim.remaining() == (0, 95)
    # The first send was at t=1000.00; the sixth may go once it left the 1 s window.
    assert abs(lim.delay() - (1000.0 + 1.0 - clock.t)) < 1e-9
    clock.t = 1001.0001
    assert lim.delay() == 0.0


def test_hundred_per_minute() -> None:
    clock = Clock()
    lim = RateLimiter(RateLimit(per_second=5, per_minute=100), clock, margin_s=0.0)
    for _ in range(100):
        clock.t += lim.delay()
        lim.record()
    assert lim.remaining()[1] == 0
    first_of_minute = 1000.0
    wait = lim.delay()
    assert wait > 0 and abs(clock.t + wait - (first_of_minute + 60.0)) < 1e-6
    clock.t += wait + 1e-6
    assert lim.delay() == 0.0


def test_margin_pads_both_windows() -> None:
    """The server counts arrival times: a frame delayed in a buffer must not make the next one early."""
    clock = Clock()
    lim = RateLimiter(RateLimit(per_second=5, per_minute=100), clock, margin_s=0.2)
    for _ in range(5):
        lim.record()
    assert abs(lim.delay() - 1.2) < 1e-9  # not 1.0
    per_min = RateLimiter(RateLimit(per_minute=3), clock, margin_s=0.2)
    for _ in range(3):
        per_min.record()
    assert abs(per_min.delay() - 60.8) < 1e-9  # not 60.0


def test_hold_after_a_rejection() -> None:
    clock = Clock()
    lim = RateLimiter(RateLimit(per_second=5, per_minute=100), clock)
    assert lim.delay() == 0.0
    lim.hold(2.5)
    assert abs(lim.delay() - 2.5) < 1e-9
    clock.t += 2.5
    assert lim.delay() == 0.0


def test_unlimited() -> None:
    lim = RateLimiter(RateLimit(), Clock())
    for _ in range(1000):
        lim.record()
    assert lim.delay() == 0.0 and lim.remaining() == (-1, -1)


def test_rate_window() -> None:
    w = RateWindow(window_s=5)
    t = 100.0
    for i in range(500):  # 100 msgs/s of 10 bytes for 5 s
        w.add(10, t + i * 0.01)
    msgs, nbytes = w.rates(105.0)
    assert 95 <= msgs <= 105 and 950 <= nbytes <= 1050
    # A stream that started 1 s ago is not diluted over the whole window.
    w2 = RateWindow(window_s=5)
    for i in range(100):
        w2.add(1, 200.0 + i * 0.01)
    msgs2, _ = w2.rates(201.0, since=200.0)
    assert 95 <= msgs2 <= 105
    assert w.rates(500.0) == (0.0, 0.0)  # long silence: buckets fall out of the window
