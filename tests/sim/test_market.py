"""The market model: determinism, tick grid, book/candle consistency, public API for other venues."""

from __future__ import annotations

from upbit_monitor.protocol.ticks import krw_tick, snap, tick_for
from upbit_monitor.sim.builders import ticker_event
from upbit_monitor.sim.catalog import build_catalog
from upbit_monitor.sim.market import BOOK, TRADE, MarketModel, TradeTick

NOW = 1_751_371_200_000  # 2025-07-01T12:00:00Z


def test_tick_table() -> None:
    assert krw_tick(142_350_000) == 1000
    assert krw_tick(750_000) == 500
    assert krw_tick(231_500) == 100
    assert krw_tick(60_000) == 50
    assert krw_tick(27_450) == 10
    assert krw_tick(5_980) == 5
    assert krw_tick(3_120) == 1
    assert krw_tick(318) == 1
    assert krw_tick(58.4) == 0.01
    assert krw_tick(1_391, "KRW-USDT") == 0.5
    assert tick_for("BTC-ETH", 0.036) == 0.00000001


def test_catalog_is_deterministic_and_complete() -> None:
    a, b = build_catalog(1), build_catalog(1)
    assert a == b
    krw = [m for m in a if m.quote == "KRW"]
    assert len(krw) == 200 and len({m.code for m in a}) == len(a)
    assert "KRW-USDT" in {m.code for m in krw}
    assert any(m.quote == "BTC" for m in a) and any(m.quote == "USDT" for m in a)
    assert all(m.korean_name and m.english_name and m.code == m.code.upper() for m in a)
    assert build_catalog(2) != a  # generated coins differ by seed


def test_same_seed_same_trades() -> None:
    def run(seed: int) -> list[TradeTick]:
        model = MarketModel(seed, now_ms=NOW)
        ticks: list[TradeTick] = []
        model.add_trade_listener(ticks.append)
        for i in range(20):
            list(model.advance(NOW + i * 50, 100))
        return ticks

    first = run(9)
    assert first == run(9) and len(first) > 100
    assert first != run(10)


def test_prices_stay_on_grid_and_book_stays_consistent() -> None:
    model = MarketModel(4, now_ms=NOW)
    for i in range(50):
        for kind, code in model.advance(NOW + i * 20, 300):
            st = model.state(code)
            book = st.book
            assert kind in (TRADE, BOOK)
            assert book.best_bid < book.best_ask
            asks, bids = book.prices()
            assert asks == sorted(asks) and [b for b in bids if b > 0] == sorted(
                [b for b in bids if b > 0], reverse=True)
            if kind == TRADE:
                assert book.best_bid <= st.price <= book.best_ask
                assert snap(st.price, tick_for(code, st.price)) == st.price
                assert st.low <= st.price <= st.high


def test_candles_and_stats_follow_trades() -> None:
    model = MarketModel(5, now_ms=NOW)
    ticks: list[TradeTick] = []
    model.add_trade_listener(lambda t: ticks.append(t) if t.code == "KRW-BTC" else None)
    before = model.state("KRW-BTC").acc_volume
    for i in range(100):
        list(model.advance(NOW + i * 100, 200))  # 10 s of activity
    bar = model.series("KRW-BTC", "candle.1m").current
    assert bar is not None
    in_bar = [t for t in ticks if t.timestamp_ms >= bar.start_ms]
    assert bar.open == in_bar[0].price and bar.close == in_bar[-1].price
    assert bar.high == max(t.price for t in in_bar) and bar.low == min(t.price for t in in_bar)
    assert round(bar.volume, 8) == round(sum(t.volume for t in in_bar), 8)
    st = model.state("KRW-BTC")
    assert round(st.acc_volume - before, 6) == round(sum(t.volume for t in ticks), 6)
    t = ticker_event(st, "REALTIME", NOW + 10_000)
    assert t.acc_trade_volume_24h >= t.acc_trade_volume
    assert t.trade_price == ticks[-1].price and t.ask_bid == ticks[-1].side
    assert t.change == ("RISE" if t.trade_price > t.prev_closing_price else
                        "FALL" if t.trade_price < t.prev_closing_price else "EVEN")


def test_public_api_for_other_venues() -> None:
    model = MarketModel(6, n_krw=20, now_ms=NOW)
    assert model.codes("KRW")[0] == "KRW-BTC" and len(model.codes("KRW")) == 20
    assert model.price("KRW-BTC") > 0
    seen: list[TradeTick] = []
    remove = model.add_trade_listener(seen.append)
    list(model.advance(NOW, 60))
    assert seen
    remove()
    n = len(seen)
    list(model.advance(NOW + 10, 60))
    assert len(seen) == n
    tick = model.print_trade("KRW-ETH", "BID", 0.5, NOW + 20)
    assert tick.price == model.price("KRW-ETH") and tick.side == "BID"


def test_trickle_budget_still_trades() -> None:
    model = MarketModel(8, now_ms=NOW)
    kinds = [k for i in range(200) for k, _ in model.advance(NOW + i, 1)]
    assert TRADE in kinds and BOOK in kinds


def test_synthetic_history_volume_matches_the_live_stream() -> None:
    # A chart shows REST history (synthetic past) next to live candles: their volumes must be on the
    # same scale, or the live bar dwarfs the history (seen in the demo before the fix).
    model = MarketModel(5, n_krw=20, now_ms=NOW, event_rate=2000.0)
    minute = 60_000
    start = NOW - NOW % minute + minute
    series = model.series("KRW-BTC", "candle.1m")
    for i in range(10 * 600):  # 10 minutes at 2,000 events/s, 100 ms steps
        list(model.advance(start + i * 100, 200))
    now = start + 10 * minute
    live = [b for b in series.before(now, 10) if b.start_ms >= start]
    past = [b for b in series.before(start, 100)]
    assert len(live) >= 8 and len(past) >= 50
    live_mean = sum(b.volume for b in live) / len(live)
    past_mean = sum(b.volume for b in past) / len(past)
    assert 0.5 < past_mean / live_mean < 2.0
    assert 0.5 < live_mean / (model.expected_volume_per_s("KRW-BTC") * 60) < 2.0


def test_candles_are_the_same_whether_asked_for_at_every_print_or_later() -> None:
    # Trades reach a market's candle series when a series is asked for (issue 18: a first print no
    # longer cuts the synthetic past before the demo's first paint); what the series hold must not
    # depend on when that is, also for an interval that began before the simulator started.
    start = NOW + 30_000
    eager, lazy = MarketModel(7, now_ms=start), MarketModel(7, now_ms=start)
    types = ("candle.1s", "candle.1m", "candle.5m", "candle.1d")
    for i in range(300):
        now = start + i * 100
        list(eager.advance(now, 200))
        list(lazy.advance(now, 200))
        for ctype in types:
            eager.series("KRW-BTC", ctype)
    for ctype in types:
        a, b = eager.series("KRW-BTC", ctype), lazy.series("KRW-BTC", ctype)
        assert a.current == b.current and list(a.history) == list(b.history), ctype
        assert a.before(start + 30_000, 5) == b.before(start + 30_000, 5), ctype
