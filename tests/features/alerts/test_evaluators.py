"""Each evaluator on scripted events: fires once, hysteresis, re-arm distance, cooldown, windows."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from tests.features.alerts.events import T0, book, fill, tick
from upbit_monitor.features.alerts import AlertRule, RuleKind, validate_rule
from upbit_monitor.features.alerts.evaluators import (
    Change24h,
    Imbalance,
    Move,
    Premium,
    PriceCross,
    VolumeSpike,
    Whale,
)
from upbit_monitor.features.alerts.windows import WindowExtremes

K = RuleKind
S = 1000  # ms


def rule(kind: RuleKind, market: str = "KRW-BTC", cooldown_s: float = 0.0, rearm: float = 0.0,
         **params: float | str) -> AlertRule:
    return validate_rule(AlertRule(kind, market, params, cooldown_s=cooldown_s, rearm=rearm))


def fired(ev_feed, events) -> list[int]:  # type: ignore[no-untyped-def]
    """Indexes of the events that fired."""
    return [i for i, ev in enumerate(events) if ev_feed(ev) is not None]


def test_price_cross_fires_once_while_hovering_then_rearms() -> None:
    e = PriceCross(rule(K.PRICE, level=100, direction="above"), "KRW-BTC")
    prices = [99, 100, 101, 100, 102, 99, 100]
    assert fired(e.feed, [tick(p, T0 + i * S) for i, p in enumerate(prices)]) == [1, 6]


def test_price_cross_needs_a_crossing_not_a_price_already_beyond() -> None:
    e = PriceCross(rule(K.PRICE, level=100, direction="below"), "KRW-BTC")
    assert fired(e.feed, [tick(p, T0 + i * S) for i, p in enumerate([90, 80, 120, 95])]) == [3]


def test_rearm_distance_is_the_hysteresis_band() -> None:
    e = PriceCross(rule(K.PRICE, level=100, rearm=5), "KRW-BTC")
    # 98 is not 5 below the level: no re-arm, so 101 does not fire again; 94 re-arms.
    prices = [90, 101, 98, 101, 94, 100]
    assert fired(e.feed, [tick(p, T0 + i * S) for i, p in enumerate(prices)]) == [1, 5]


def test_cooldown_holds_a_second_crossing_until_it_is_over() -> None:
    e = PriceCross(rule(K.PRICE, level=100, cooldown_s=60), "KRW-BTC")
    events = [tick(99, T0), tick(100, T0 + S), tick(99, T0 + 2 * S), tick(101, T0 + 3 * S),
              tick(101, T0 + 61 * S), tick(102, T0 + 62 * S)]
    # The re-cross at 3 s is inside the cooldown; the rule stays armed and fires at 61 s.
    assert fired(e.feed, events) == [1, 4]


def test_move_within_window_rise_and_fall() -> None:
    up = Move(rule(K.MOVE, pct=3, window_s=300), "KRW-BTC")
    rise = [tick(100, T0), tick(101, T0 + 60 * S), tick(103, T0 + 120 * S), tick(103.5, T0 + 130 * S),
            tick(106.1, T0 + 140 * S)]
    # +3 % from the low fires; the window restarts at 103, so the next trigger needs 106.09.
    assert fired(up.feed, rise) == [2, 4]
    slow = Move(rule(K.MOVE, pct=3, window_s=60), "KRW-BTC")
    # The same +3 % over 2 minutes is outside a 1-minute window.
    assert fired(slow.feed, [tick(100, T0), tick(101.5, T0 + 61 * S), tick(103, T0 + 122 * S)]) == []
    down = Move(rule(K.MOVE, pct=-5, window_s=60), "KRW-BTC")
    assert fired(down.feed, [tick(100, T0), tick(97, T0 + 10 * S), tick(94.9, T0 + 20 * S)]) == [2]


def test_move_rules_sharing_a_window_keep_their_own_restart_point() -> None:
    window = WindowExtremes(300 * S)
    a = Move(rule(K.MOVE, pct=3, window_s=300), "KRW-BTC", window=window)
    b = Move(rule(K.MOVE, pct=5, window_s=300), "KRW-BTC", window=window)
    prices = [100, 103, 104, 105.2, 106.2]
    events = [tick(p, T0 + i * S) for i, p in enumerate(prices)]
    out = [(a.feed(ev) is not None, b.feed(ev) is not None) for ev in events]
    # a fires at 103 and measures from there (106.2 is +3.1 % from 103); b is unaffected by a.
    assert out == [(False, False), (True, False), (False, False), (False, True), (True, False)]
    assert len(window) >= 1


def test_change_24h_past_threshold_fires_once_per_excursion() -> None:
    e = Change24h(rule(K.CHANGE_24H, pct=10, rearm=1), "KRW-BTC")
    rates = [0.05, 0.101, 0.12, 0.095, 0.11, 0.089, 0.10]
    assert fired(e.feed, [tick(1, T0 + i * S, change_rate=r) for i, r in enumerate(rates)]) == [1, 6]


def test_volume_spike_needs_a_baseline_then_fires_once_per_minute() -> None:
    e = VolumeSpike(rule(K.VOLUME_SPIKE, factor=5, minutes=3), "KRW-BTC")
    events = [fill(100, 10, T0 + m * 60 * S) for m in range(3)]  # 1,000 KRW per minute
    events += [fill(100, 30, T0 + 3 * 60 * S), fill(100, 30, T0 + 3 * 60 * S + S),  # 6,000: 6x
               fill(100, 30, T0 + 3 * 60 * S + 2 * S),  # still the same spike minute: no second fire
               fill(100, 1, T0 + 4 * 60 * S)]  # next minute: quiet, re-armed
    assert fired(e.feed, events) == [4]
    early = VolumeSpike(rule(K.VOLUME_SPIKE, factor=2, minutes=10), "KRW-BTC")
    assert fired(early.feed, [fill(100, 1, T0), fill(100, 1000, T0 + 60 * S)]) == []


def test_whale_fires_per_big_trade_with_side_filter_and_conversion() -> None:
    e = Whale(rule(K.WHALE, krw=1e8, side="BID"), "KRW-BTC")
    events = [fill(1e8, 0.5, T0), fill(1e8, 1.0, T0 + S), fill(1e8, 2.0, T0 + 2 * S, side="ASK"),
              fill(1e8, 1.5, T0 + 3 * S)]
    assert fired(e.feed, events) == [1, 3]
    btc = Whale(rule(K.WHALE, "BTC-ETH", krw=1e8), "BTC-ETH", rate=lambda q: 1.5e8 if q == "BTC" else None)
    eth = [fill(0.05, 10, T0, code="BTC-ETH"), fill(0.05, 20, T0 + S, code="BTC-ETH")]
    assert fired(btc.feed, eth) == [1]  # 0.05 x 20 BTC x 150,000,000 KRW = 150,000,000 KRW
    cooled = Whale(rule(K.WHALE, krw=1e8, cooldown_s=10), "KRW-BTC")
    assert fired(cooled.feed, [fill(1e8, 2, T0 + i * S) for i in (0, 5, 11)]) == [0, 2]


def test_imbalance_must_hold_for_n_seconds() -> None:
    e = Imbalance(rule(K.IMBALANCE, ratio=3, side="bid", hold_s=5), "KRW-BTC")
    events = [book(30, 10, T0), book(31, 10, T0 + 3 * S), book(10, 10, T0 + 4 * S),  # broken: restart
              book(40, 10, T0 + 5 * S), book(40, 10, T0 + 9 * S), book(40, 10, T0 + 10 * S),
              book(40, 10, T0 + 30 * S)]
    assert fired(e.feed, events) == [5]
    ask = Imbalance(rule(K.IMBALANCE, ratio=2, side="ask", hold_s=0), "KRW-BTC")
    assert fired(ask.feed, [book(10, 15, T0), book(10, 25, T0 + S), book(0, 25, T0 + 2 * S)]) == [1]


def test_premium_reads_the_input_and_waits_without_a_quote() -> None:
    values: dict[str, float | None] = {"binance": None}

    class Input:
        def premium(self, code: str, exchange: str | None = None, *,
                    venue: str | None = None) -> SimpleNamespace | None:
            key = exchange or "binance"
            v = values.get(key) if venue in (None, "upbit") else values.get(f"{venue}:{key}")
            return None if v is None else SimpleNamespace(premium=v)

    src = Input()
    e = Premium(rule(K.PREMIUM, pct=3, direction="above"), "KRW-BTC", source=lambda: src)
    out = []
    for i, v in enumerate([None, 0.01, 0.031, 0.035, 0.02, 0.04]):
        values["binance"] = v
        out.append(e.feed(tick(1, T0 + i * S)) is not None)
    assert out == [False, False, True, False, False, True]
    spread = Premium(rule(K.PREMIUM, pct=-1, direction="below", against="bithumb"), "KRW-BTC",
                     source=lambda: src)
    values["bithumb"] = -0.02
    assert spread.feed(tick(1, T0)) is not None
    # A rule on Bithumb reads the premium of Bithumb's price, not Upbit's.
    on_bithumb = Premium(replace(rule(K.PREMIUM, pct=3, direction="above"), venue="bithumb"), "KRW-BTC",
                         source=lambda: src)
    values["binance"], values["bithumb:binance"] = 0.05, 0.01
    assert on_bithumb.feed(tick(1, T0)) is None
    values["bithumb:binance"] = 0.04
    assert on_bithumb.feed(tick(1, T0 + S)) is not None
