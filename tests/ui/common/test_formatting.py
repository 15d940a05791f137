"""Upbit-style number formatting."""

from __future__ import annotations

from upbit_monitor.ui.common.formatting import (
    display_code,
    format_change_rate,
    format_duration,
    format_price,
    format_price_delta,
    format_size,
    format_size_compact,
    format_spread,
    format_time_kst,
    format_traded_value,
)


def test_prices_follow_tick_precision():
    assert format_price(95_123_000) == "95,123,000"
    assert format_price(1_234) == "1,234"
    assert format_price(812.0) == "812"  # tick 1 from 100 KRW up (protocol/ticks.py): no ".0"
    assert format_price(99.5) == "99.50"
    assert format_price(12.34) == "12.34"
    assert format_price(1.234) == "1.234"
    assert format_price(0.01234) == "0.01234"
    assert format_price(0.00001234, "BTC") == "0.00001234"
    assert format_price(1.234, "USDT") == "1.234"
    assert format_price(None) == "-"


def test_change_and_value_units():
    assert format_change_rate(0.0126) == "+1.26%"
    assert format_change_rate(-0.05) == "-5.00%"
    assert format_change_rate(0.0) == "0.00%"
    assert format_traded_value(1.234e12) == "1.23조"
    assert format_traded_value(4.567e11) == "4,567억"
    assert format_traded_value(8.9e7) == "8,900만"
    assert format_traded_value(4.567e11, korean_units=False) == "456.70B"
    assert format_traded_value(12.3456, "BTC") == "12.346 BTC"
    assert format_traded_value(2.5e6, "USDT") == "2.50M"


def test_sizes_times_codes_durations():
    assert format_size(0.01234) == "0.01234"
    assert format_size(12.3456) == "12.346"
    assert format_size(0) == "0"
    assert display_code("KRW-BTC") == "BTC/KRW"
    assert format_time_kst(0) == "09:00:00"  # epoch 0 UTC is 09:00 in Korea
    assert format_duration(5) == "5.0s"
    assert format_duration(185) == "3m05s"
    assert format_duration(7620) == "2h07m"


def test_compact_ladder_sizes():
    assert format_size_compact(0.01339491) == "0.01339"
    assert format_size_compact(0.00093621) == "0.0009362"
    assert format_size_compact(0.5) == "0.5"
    assert format_size_compact(12.3456) == "12.346"
    assert format_size_compact(0) == "0"


def test_price_differences_take_the_decimals_and_sign_of_their_market():
    # The header's day change: signed, with the tick decimals of the price it belongs to.
    assert format_price_delta(700.0, 95_123_000) == "+700"
    assert format_price_delta(-360.0, 4_612_000) == "-360"
    assert format_price_delta(-1_234_000.0, 95_123_000) == "-1,234,000"
    assert format_price_delta(0.012, 12.34) == "+0.01"
    assert format_price_delta(-0.00000123, 0.0234, "BTC") == "-0.00000123"
    assert format_price_delta(0.0, 95_123_000) == "0"
    assert format_price_delta(None, 1.0) == "-"
    # The spread: unsigned, per tick size ("Spread 100.0" and "10.00" were seen).
    assert format_spread(1000.0, 95_123_500) == "1,000"
    assert format_spread(100.0, 512_350) == "100"
    assert format_spread(10.0, 40_005) == "10"
    assert format_spread(0.01, 23.455) == "0.01"
    assert format_spread(None, 1.0) == "-"
