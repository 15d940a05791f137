"""REST day/week/month/year candles and recent trades (protocol-2026.md, upbit-sdk 1.1.0 types).

- ``/v1/candles/days`` (``market``, ``to``, ``count`` <= 200, ``converting_price_unit``): the minute
  candle fields plus ``prev_closing_price``, ``change_price``, ``change_rate`` (and
  ``converted_trade_price`` when a conversion unit is asked for). UTC days (KST 09:00).
- ``/v1/candles/weeks|months|years``: the same fields plus ``first_day_of_period`` (``yyyy-MM-dd``);
  weeks start on Monday.
- ``/v1/trades/ticks`` (``market``, ``count`` <= 500, ``to`` = ``HHmmss``/``HH:mm:ss`` within the day,
  ``cursor`` = a ``sequential_id``, ``days_ago`` 1..7): newest first, ``sequential_id`` as dedupe key.

Days come from the market's one series (live bars from the trades, the synthetic past of
:mod:`upbit_monitor.sim.history_base` before them) and weeks/months/years aggregate days, so a day equals
its six 4-hour bars and a week its days: one series at every timeframe. Trades come from the ring the model
keeps of its live prints; trades older than the
ring are synthesised from the 1-minute bars (open, high, low and close each printed once, volumes adding
up to the bar's), so the trade list and the minute candles agree.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from upbit_monitor.sim.candles import DAY_TYPE, CandleBar
from upbit_monitor.sim.market import MarketModel, TradeTick

DAY_MS = 86_400_000
MAX_COUNT = 200
MAX_TRADES = 500


def _merge(bars: list[CandleBar], start_ms: int) -> CandleBar:
    """One bar from ``bars`` (oldest first) starting at ``start_ms``."""
    return CandleBar(start_ms, bars[0].open, max(b.high for b in bars), min(b.low for b in bars),
                     bars[-1].close, sum(b.volume for b in bars), sum(b.notional for b in bars),
                     max(b.last_ms for b in bars))


def day_bars(model: MarketModel, code: str, to_ms: int, count: int) -> list[CandleBar]:
    """Up to ``count`` UTC-day bars starting before ``to_ms``, newest first (the market's one series)."""
    return model.series(code, DAY_TYPE).before(to_ms, count)


def _period_start(day_ms: int, unit: str) -> int:
    day = datetime.fromtimestamp(day_ms / 1000, UTC)
    if unit == "weeks":
        first = day - timedelta(days=day.weekday())
    elif unit == "months":
        first = day.replace(day=1)
    else:
        first = day.replace(month=1, day=1)
    return int(first.timestamp() * 1000)


def period_bars(model: MarketModel, code: str, unit: str, to_ms: int, count: int) -> list[CandleBar]:
    """Week/month/year bars (newest first) aggregated from the day bars."""
    span_days = {"weeks": 7, "months": 31, "years": 366}[unit]
    days = day_bars(model, code, _period_end(to_ms, unit), min(count * span_days + span_days, 20_000))
    groups: dict[int, list[CandleBar]] = {}
    for bar in reversed(days):
        groups.setdefault(_period_start(bar.start_ms, unit), []).append(bar)
    out = [_merge(bars, start) for start, bars in sorted(groups.items(), reverse=True) if start < to_ms]
    return out[:count]


def _period_end(to_ms: int, unit: str) -> int:
    # Bars are selected by their start (< to_ms); fetch the days of the period containing to_ms too.
    start = _period_start(to_ms - to_ms % DAY_MS, unit)
    span = {"weeks": 7, "months": 32, "years": 367}[unit] * DAY_MS
    return max(to_ms, start + span)


def info_bars(model: MarketModel, code: str, timeframe: str, to_ms: int, count: int
              ) -> list[tuple[int, float, float]]:
    """(start, close, volume) bars for the indicator feed, oldest first."""
    if not model.has(code):
        return []
    if timeframe == "1d":
        bars = day_bars(model, code, to_ms, count)
    else:
        bars = model.series(code, f"candle.{timeframe}").before(to_ms, count)
    return [(b.start_ms, b.close, b.volume) for b in reversed(bars)]


# -- trades ------------------------------------------------------------------------------------------
def _synthetic_trades(code: str, seed: int, bar: CandleBar) -> list[TradeTick]:
    """Trades of one minute bar (oldest first): O, H, L, C each printed once, volumes add up."""
    rng = random.Random(f"ticks-{seed}-{code}-{bar.start_ms}")
    prices = [bar.open, bar.high, bar.low, bar.close] if rng.random() < 0.5 else \
        [bar.open, bar.low, bar.high, bar.close]
    weights = [rng.random() + 0.1 for _ in prices]
    total = sum(weights)
    span = max(bar.last_ms - bar.start_ms, 4)
    out = []
    for i, (price, w) in enumerate(zip(prices, weights, strict=True)):
        ts = bar.last_ms if i == 3 else bar.start_ms + span * i // 4
        side = "BID" if rng.random() < 0.5 else "ASK"
        volume = round(bar.volume * w / total, 8)
        out.append(TradeTick(code, price, volume, side, ts, ts * 10_000 + 9_000 + i))
    return out


def recent_trades(model: MarketModel, code: str, *, count: int, before_sid: int | None, day_ms: int,
                  to_ms: int | None) -> list[TradeTick]:
    """Trades of the UTC day starting at ``day_ms``, newest first, before ``to_ms``/``before_sid``."""
    end = min(day_ms + DAY_MS, to_ms if to_ms is not None else day_ms + DAY_MS)
    live = [t for t in model.recent_trades(code) if day_ms <= t.timestamp_ms < end]
    out = sorted(live, key=lambda t: t.sequential_id, reverse=True)
    if before_sid is not None:
        out = [t for t in out if t.sequential_id < before_sid]
    if len(out) >= count:
        return out[:count]
    # Older than the ring: printed from the minute bars, the way the candles say they traded.
    floor = min((t.timestamp_ms for t in live), default=end)
    cursor = min(floor, end)
    series = model.series(code, "candle.1m")
    while len(out) < count and cursor > day_ms:
        bars = series.before(cursor, 50)
        if not bars:
            break
        for bar in bars:
            if bar.start_ms < day_ms:
                cursor = day_ms
                break
            ticks = [t for t in reversed(_synthetic_trades(code, model.seed, bar))
                     if t.timestamp_ms < floor and (before_sid is None or t.sequential_id < before_sid)]
            out.extend(ticks)
            cursor = bar.start_ms
            if len(out) >= count:
                break
    return out[:count]


def trade_json(tick: TradeTick, prev_close: float) -> dict[str, object]:
    """One ``/v1/trades/ticks`` element."""
    secs = tick.timestamp_ms // 1000
    return {
        "market": tick.code,
        "trade_date_utc": time.strftime("%Y-%m-%d", time.gmtime(secs)),
        "trade_time_utc": time.strftime("%H:%M:%S", time.gmtime(secs)),
        "timestamp": tick.timestamp_ms, "trade_price": tick.price, "trade_volume": tick.volume,
        "prev_closing_price": prev_close, "change_price": round(tick.price - prev_close, 8),
        "ask_bid": tick.side, "sequential_id": tick.sequential_id,
    }


def parse_time_of_day(text: str) -> int:
    """``HHmmss`` or ``HH:mm:ss`` -> ms since midnight; ValueError otherwise."""
    digits = text.replace(":", "")
    if len(digits) != 6 or not digits.isdigit():
        raise ValueError(text)
    h, m, s = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    if h > 23 or m > 59 or s > 59:
        raise ValueError(text)
    return ((h * 60 + m) * 60 + s) * 1000


class BadParam(ValueError):
    """400 Invalid parameter."""


def _count(q: dict[str, str], limit: int) -> int:
    try:
        count = int(q.get("count", "1") or 1)
    except ValueError:
        raise BadParam("count") from None
    if not 1 <= count <= limit:
        raise BadParam("count")
    return count


def _market(model: MarketModel, q: dict[str, str]) -> str:
    """The ``market`` parameter: BadParam when missing, KeyError when the model has no such market."""
    market = q.get("market", "")
    if not market:
        raise BadParam("market")
    if not model.has(market):
        raise KeyError(market)
    return market


def route(model: MarketModel, path: str, q: dict[str, str], parse_to: object) -> object | None:
    """Answer the endpoints of this module (None = not one of them). KeyError = unknown market."""
    unit = path.removeprefix("/v1/candles/")
    if unit in ("days", "weeks", "months", "years"):
        market = _market(model, q)
        count = _count(q, MAX_COUNT)
        to_ms = parse_to(q["to"]) if q.get("to") else int(time.time() * 1000) + 1  # type: ignore[operator]
        if unit == "days":
            bars = day_bars(model, market, to_ms, count + 1)  # one more: the first bar's previous close
            return [_day_json(market, bar, bars[i + 1].close if i + 1 < len(bars) else bar.open,
                              q.get("converting_price_unit"), model)
                    for i, bar in enumerate(bars[:count])]
        return [_period_json(market, bar) for bar in period_bars(model, market, unit, to_ms, count)]
    if path == "/v1/trades/ticks":
        market = _market(model, q)
        count = _count(q, MAX_TRADES)
        try:
            days_ago = int(q.get("days_ago") or 0)
            cursor = int(q["cursor"]) if q.get("cursor") else None
            tod = parse_time_of_day(q["to"]) if q.get("to") else None
        except ValueError:
            raise BadParam("days_ago/cursor/to") from None
        if not 0 <= days_ago <= 7:
            raise BadParam("days_ago")
        now = int(time.time() * 1000)
        day = now - now % DAY_MS - days_ago * DAY_MS
        ticks = recent_trades(model, market, count=count, before_sid=cursor, day_ms=day,
                              to_ms=None if tod is None else day + tod)
        prev = model.state(market).prev_close
        return [trade_json(t, prev) for t in ticks]
    return None


def _base_json(market: str, bar: CandleBar) -> dict[str, object]:
    fmt = "%Y-%m-%dT%H:%M:%S"
    return {
        "market": market,
        "candle_date_time_utc": time.strftime(fmt, time.gmtime(bar.start_ms // 1000)),
        "candle_date_time_kst": time.strftime(fmt, time.gmtime(bar.start_ms // 1000 + 9 * 3600)),
        "opening_price": bar.open, "high_price": bar.high, "low_price": bar.low, "trade_price": bar.close,
        "timestamp": bar.last_ms, "candle_acc_trade_price": round(bar.notional, 8),
        "candle_acc_trade_volume": round(bar.volume, 8),
    }


def _day_json(market: str, bar: CandleBar, prev_close: float, convert: str | None,
              model: MarketModel) -> dict[str, object]:
    item = _base_json(market, bar)
    item["prev_closing_price"] = prev_close
    item["change_price"] = round(bar.close - prev_close, 8)
    item["change_rate"] = round((bar.close - prev_close) / prev_close, 10) if prev_close else 0.0
    if convert:
        # The close in another quote currency (KRW for BTC/USDT markets); null when not convertible.
        quote = market.partition("-")[0]
        rate = 1.0 if quote == convert else (model.price(f"{convert}-{quote}")
                                             if model.has(f"{convert}-{quote}") else None)
        item["converted_trade_price"] = None if rate is None else round(bar.close * rate, 8)
    return item


def _period_json(market: str, bar: CandleBar) -> dict[str, object]:
    item = _base_json(market, bar)
    item["first_day_of_period"] = time.strftime("%Y-%m-%d", time.gmtime(bar.start_ms // 1000))
    return item
