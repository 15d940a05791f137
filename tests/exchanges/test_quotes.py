"""PriceQuote construction, symbol mapping, premium arithmetic and the TTL/size-bounded cache."""

from __future__ import annotations

import math

import pytest

from upbit_monitor.errors import ParseError
from upbit_monitor.exchanges.quotes import (
    PriceQuote,
    QuoteCache,
    decode_json,
    foreign_price_krw,
    foreign_symbol,
    make_quote,
    premium,
    quote_code,
    subscription_code,
    symbol_from_code,
    to_float,
    upbit_code,
)


class FakeClock:
    """A settable monotonic clock: tests move time explicitly instead of sleeping."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def q(exchange: str = "binance", symbol: str = "BTCUSDT", price: float = 100.0) -> PriceQuote:
    return make_quote(exchange, symbol, price, timestamp=1)


def test_quote_shape_type_first_epoch_last_and_routing_code() -> None:
    quote = make_quote(
        "binance", "BTCUSDT", 1.5, bid=1.4, ask=1.6, volume=10.0, change_24h=0.01, timestamp=7, epoch=3
    )
    assert quote.type == "quote"
    assert quote.code == "binance:BTCUSDT" == quote_code("binance", "BTCUSDT")
    assert PriceQuote._fields[0] == "type" and PriceQuote._fields[-1] == "epoch"
    assert quote[4:] == (1.5, 1.4, 1.6, 10.0, 0.01, 7, 3)


@pytest.mark.parametrize(
    ("code", "symbol", "sub"),
    [
        ("KRW-BTC", "BTCUSDT", "USDT-BTC"),
        ("KRW-1INCH", "1INCHUSDT", "USDT-1INCH"),
        ("USDT-ETH", "ETHUSDT", "USDT-ETH"),
        ("BTC-ETH", None, None),  # BTC-quoted market: no USDT counterpart
        ("KRW-USDT", None, None),  # the rate market itself
        ("garbage", None, None),
    ],
)
def test_symbol_mapping(code: str, symbol: str | None, sub: str | None) -> None:
    assert foreign_symbol(code) == symbol
    assert subscription_code(code) == sub
    if sub is not None:
        assert symbol_from_code(sub) == symbol


def test_reverse_mapping() -> None:
    assert upbit_code("BTCUSDT") == "KRW-BTC"
    assert upbit_code("btcusdt") == "KRW-BTC"
    assert upbit_code("ETHUSDT", quote="USDT") == "USDT-ETH"
    assert upbit_code("USDT") is None
    assert upbit_code("ETHBTC") is None
    assert symbol_from_code("KRW-BTC") is None


def test_premium_arithmetic() -> None:
    # Upbit 140,000,000 KRW; Binance 100,000 USDT; Upbit KRW-USDT 1,365 KRW -> 136.5 M KRW abroad.
    assert foreign_price_krw(100_000.0, 1365.0) == 136_500_000.0
    assert premium(140_000_000.0, 100_000.0, 1365.0) == pytest.approx(140 / 136.5 - 1)
    assert premium(140_000_000.0, 100_000.0, 1365.0) == pytest.approx(0.025641025641)
    # Parity is zero premium, a discount is negative ("reverse premium").
    assert premium(136_500_000.0, 100_000.0, 1365.0) == 0.0
    assert premium(133_770_000.0, 100_000.0, 1365.0) == pytest.approx(-0.02)


@pytest.mark.parametrize(
    ("upbit", "foreign", "rate"),
    [(0.0, 1.0, 1.0), (1.0, 0.0, 1.0), (1.0, 1.0, 0.0), (-1.0, 1.0, 1.0), (None, 1.0, 1.0),
     (1.0, None, 1.0), (1.0, 1.0, None), (math.nan, 1.0, 1.0), (1.0, math.inf, 1.0)],
)
def test_premium_refuses_meaningless_inputs(upbit, foreign, rate) -> None:
    assert premium(upbit, foreign, rate) is None


def test_cache_keeps_latest_per_exchange_and_symbol() -> None:
    cache = QuoteCache(ttl_s=10, clock=FakeClock())
    cache.put(q(price=1))
    cache.put(q(price=2))
    cache.put(q("bybit", price=3))
    assert len(cache) == 2
    assert cache.get("binance", "BTCUSDT").price == 2
    assert cache.get("bybit", "BTCUSDT").price == 3
    assert cache.get("binance", "ETHUSDT") is None


def test_cache_expires_stale_quotes_by_local_clock() -> None:
    clock = FakeClock()
    cache = QuoteCache(ttl_s=10, clock=clock)
    cache.put(q())
    clock.now += 10.0  # exactly ttl: still fresh
    assert cache.get("binance", "BTCUSDT") is not None
    assert cache.has_fresh("binance") and not cache.has_fresh("bybit")
    clock.now += 0.001
    assert cache.get("binance", "BTCUSDT") is None  # never shown as live
    assert not cache.has_fresh()
    assert cache.latest("binance", "BTCUSDT") is not None  # still there for diagnostics
    assert cache.age("binance", "BTCUSDT") == pytest.approx(10.001)
    assert list(cache.fresh()) == []
    # A new quote revives the entry.
    cache.put(q(price=5))
    assert cache.get("binance", "BTCUSDT").price == 5
    clock.now += 11
    assert cache.purge() == 1 and len(cache) == 0


def test_cache_ignores_the_venue_timestamp_for_freshness() -> None:
    clock = FakeClock()
    cache = QuoteCache(ttl_s=5, clock=clock)
    cache.put(make_quote("binance", "BTCUSDT", 1.0, timestamp=0))  # venue clock says 1970
    assert cache.get("binance", "BTCUSDT") is not None


def test_cache_size_bound_evicts_least_recently_updated() -> None:
    clock = FakeClock()
    cache = QuoteCache(ttl_s=100, max_entries=2, clock=clock)
    cache.put(q(symbol="AUSDT"))
    cache.put(q(symbol="BUSDT"))
    cache.put(q(symbol="AUSDT", price=9))  # A refreshed: B is now the oldest
    cache.put(q(symbol="CUSDT"))
    assert len(cache) == 2 and cache.evicted == 1
    assert cache.get("binance", "BUSDT") is None
    assert cache.get("binance", "AUSDT").price == 9
    assert cache.get("binance", "CUSDT") is not None


def test_cache_rejects_bad_bounds() -> None:
    with pytest.raises(ValueError):
        QuoteCache(ttl_s=0)
    with pytest.raises(ValueError):
        QuoteCache(max_entries=0)


def test_premium_for_uses_only_fresh_quotes() -> None:
    clock = FakeClock()
    cache = QuoteCache(ttl_s=10, clock=clock)
    cache.put(make_quote("binance", "BTCUSDT", 100_000.0))
    value = cache.premium_for("KRW-BTC", 140_000_000.0, 1365.0, "binance")
    assert value is not None
    assert value.symbol == "BTCUSDT" and value.foreign_price == 100_000.0
    assert value.foreign_price_krw == 136_500_000.0
    assert value.premium == pytest.approx(0.025641025641)
    assert value.quote_age_s == 0.0
    assert cache.premium_for("KRW-BTC", 140_000_000.0, None, "binance") is None  # no USDT rate yet
    assert cache.premium_for("KRW-BTC", 140_000_000.0, 1365.0, "bybit") is None
    assert cache.premium_for("BTC-ETH", 1.0, 1365.0, "binance") is None
    clock.now += 10.5
    assert cache.premium_for("KRW-BTC", 140_000_000.0, 1365.0, "binance") is None


def test_to_float_and_decode_json() -> None:
    assert to_float("16363.78") == 16363.78
    assert to_float(3) == 3.0
    assert to_float("") is None and to_float(None) is None and to_float("x") is None
    assert to_float(True) is None and to_float("nan") is None and to_float([1]) is None
    assert decode_json(b'{"a":1}') == {"a": 1}
    with pytest.raises(ParseError):
        decode_json(b"{not json")
