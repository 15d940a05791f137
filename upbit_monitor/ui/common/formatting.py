"""Number and time formatting the way Upbit traders read it.

Pure functions (no Qt) so they are trivially testable. Prices follow the precision of Upbit's KRW
tick-size table (protocol/ticks.py, the simulator's grid too: integers from 100 KRW up, more
decimals for cheap coins); BTC-quoted markets show 8 decimals (satoshi), USDT-quoted markets 3.
Differences of prices (a day's change, a spread) take the decimals of the price they belong to,
so "+700" on a 95,000,000 KRW coin never reads "700.0". Traded value uses Korean units (만/억/조) or
English ones (K/M/B) depending on the user's choice.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

# Market-code helpers live with MarketInfo; re-exported for the views that format by quote.
from upbit_monitor.models import base_of as base_of
from upbit_monitor.models import display_code as display_code
from upbit_monitor.models import quote_of as quote_of
from upbit_monitor.protocol.ticks import decimals as tick_decimals
from upbit_monitor.protocol.ticks import krw_tick

KST = timezone(timedelta(hours=9), "KST")

def price_decimals(price: float, quote: str = "KRW", code: str = "") -> int:
    """How many decimals a price of this size shows on this quote market (its tick's decimals)."""
    if quote == "BTC":
        return 8
    if quote == "USDT":
        return 3 if abs(price) < 1000 else 2
    return tick_decimals(krw_tick(abs(price), code))


def format_price(price: float | None, quote: str = "KRW") -> str:
    """Format a price with thousands separators and the market's precision."""
    if price is None or math.isnan(price):
        return "-"
    return f"{price:,.{price_decimals(price, quote)}f}"


def format_price_delta(delta: float | None, reference: float | None, quote: str = "KRW") -> str:
    """A signed price difference with the decimals of ``reference`` (the price it belongs to).

    ``(700.0, 95_000_000)`` -> ``"+700"``, ``(-0.012, 12.34)`` -> ``"-0.01"``. Two prices on one
    tick grid differ by a multiple of the tick, so the reference's decimals lose nothing; a
    difference that prints as zero carries no sign ("+0" would read as a move).
    """
    if delta is None or math.isnan(delta):
        return "-"
    ref = delta if reference is None or math.isnan(reference) else reference
    text = f"{abs(delta):,.{price_decimals(ref, quote)}f}"
    if text.strip("0.,") == "":
        return text  # rounds to zero: no sign ("+0" and "-0" both read as a move)
    return f"{'+' if delta > 0 else '-'}{text}"


def format_spread(spread: float | None, reference: float | None, quote: str = "KRW") -> str:
    """An unsigned gap between two prices (the spread) with the decimals of ``reference``."""
    if spread is None or math.isnan(spread):
        return "-"
    ref = spread if reference is None or math.isnan(reference) else reference
    return f"{abs(spread):,.{price_decimals(ref, quote)}f}"


def format_change_rate(rate: float | None) -> str:
    """Signed percent from a rate (``0.0126`` -> ``"+1.26%"``)."""
    if rate is None or math.isnan(rate):
        return "-"
    if rate == 0:
        return "0.00%"
    return f"{rate * 100:+.2f}%"


def format_strength(value: float | None) -> str:
    """체결강도 (buy/sell volume x 100) as Upbit prints it: ``"112.45%"``; ``"-"`` when unknown."""
    if value is None or math.isnan(value):
        return "-"
    return f"{value:,.2f}%"


def format_size(size: float | None) -> str:
    """Order/trade size: up to 8 significant decimals, at most 3 for big sizes."""
    if size is None or math.isnan(size):
        return "-"
    a = abs(size)
    if a >= 1000:
        return f"{size:,.2f}"
    if a >= 1:
        return f"{size:,.3f}"
    return f"{size:.8f}".rstrip("0").rstrip(".") if size else "0"


def format_size_compact(size: float | None, significant: int = 4) -> str:
    """Ladder size: like :func:`format_size`, but sizes below 1 keep ``significant`` digits.

    ``0.01339491`` -> ``0.01339``: a ladder column is narrow, and four significant digits are
    what a trader compares between levels.
    """
    if size is None or math.isnan(size):
        return "-"
    a = abs(size)
    if a >= 1 or a == 0:
        return format_size(size)
    decimals = min(8, significant - math.floor(math.log10(a)) - 1)
    return f"{size:.{decimals}f}".rstrip("0").rstrip(".")


def format_value_korean(value: float) -> str:
    """Traded value in Korean units: ``1.23조``, ``4,567억``, ``8,901만``."""
    a = abs(value)
    if a >= 1e12:
        return f"{value / 1e12:,.2f}조"
    if a >= 1e8:
        return f"{value / 1e8:,.0f}억"
    if a >= 1e4:
        return f"{value / 1e4:,.0f}만"
    return f"{value:,.0f}"


def format_value_english(value: float) -> str:
    """Traded value in English units: ``1.23T``, ``4.57B``, ``890.1M``, ``12.3K``."""
    a = abs(value)
    for bound, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= bound:
            return f"{value / bound:,.2f}{suffix}"
    return f"{value:,.0f}"


def format_traded_value(value: float | None, quote: str = "KRW", korean_units: bool = True) -> str:
    """24 h traded value in readable units for the market's quote currency."""
    if value is None or math.isnan(value):
        return "-"
    if quote == "KRW":
        return format_value_korean(value) if korean_units else format_value_english(value)
    if quote == "BTC":
        return f"{value:,.3f} BTC"
    return format_value_english(value)


def format_time_kst(timestamp_ms: int) -> str:
    """``HH:MM:SS`` in Korea time (Upbit shows KST everywhere) from epoch milliseconds."""
    return datetime.fromtimestamp(timestamp_ms / 1000.0, tz=UTC).astimezone(KST).strftime("%H:%M:%S")


def format_duration(seconds: float | None) -> str:
    """Compact duration: ``42s``, ``3m05s``, ``2h07m``, ``3d04h``."""
    if seconds is None or math.isnan(seconds) or seconds < 0:
        return "-"
    s = int(seconds)
    if s < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d{(s % 86400) // 3600:02d}h"


def format_bytes_rate(bps: float) -> str:
    """Bytes per second as ``B/s``, ``KB/s`` or ``MB/s``."""
    if bps >= 1e6:
        return f"{bps / 1e6:.2f} MB/s"
    if bps >= 1e3:
        return f"{bps / 1e3:.1f} KB/s"
    return f"{bps:.0f} B/s"
