"""Test doubles and demo data for the chart tests (owner: chart)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from upbit_monitor.errors import RestError, StorageUnavailable
from upbit_monitor.features.history.loader import Span
from upbit_monitor.protocol.events import REALTIME, Candle
from upbit_monitor.protocol.subscriptions import SubscriptionSpec

KST_OFFSET = timedelta(hours=9)


def make_candle(
    code: str,
    unit: int,
    start: datetime,
    o: float,
    h: float,
    low: float,
    c: float,
    v: float,
    stream_type: str = REALTIME,
) -> Candle:
    """A candle starting at ``start`` (aware UTC)."""
    return Candle(
        type=f"candle.{unit}m",
        code=code,
        candle_date_time_utc=start.strftime("%Y-%m-%dT%H:%M:%S"),
        candle_date_time_kst=(start + KST_OFFSET).strftime("%Y-%m-%dT%H:%M:%S"),
        opening_price=o,
        high_price=h,
        low_price=low,
        trade_price=c,
        candle_acc_trade_volume=v,
        candle_acc_trade_price=v * c,
        timestamp=int(start.timestamp() * 1000),
        stream_type=stream_type,
    )


def demo_candles(
    code: str = "KRW-BTC",
    unit: int = 1,
    count: int = 300,
    *,
    end: datetime = datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
    price: float = 145_000_000.0,
    tick: float = 1000.0,
    seed: int = 7,
) -> list[Candle]:
    """A plausible random-walk series ending at ``end`` (exclusive), oldest first."""
    rng = random.Random(seed)
    out: list[Candle] = []
    step = timedelta(minutes=unit)
    start = end - step * count
    drift = 0.0
    for i in range(count):
        drift = 0.9 * drift + rng.gauss(0, 0.0004)
        o = price
        c = max(tick, price * (1 + drift + rng.gauss(0, 0.0012 * unit**0.5)))
        h = max(o, c) * (1 + abs(rng.gauss(0, 0.0006 * unit**0.5)))
        low = min(o, c) * (1 - abs(rng.gauss(0, 0.0006 * unit**0.5)))
        o, h, low, c = (round(x / tick) * tick for x in (o, h, low, c))
        v = rng.lognormvariate(0.5, 0.8) * unit
        out.append(make_candle(code, unit, start + step * i, o, h, low, c, round(v, 4)))
        price = c
    return out


class FakeManager:
    """Records registrations and serves candles through the pull API, like the real manager."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object, tuple[SubscriptionSpec, ...]]] = []
        self.candles: dict[tuple[str, str], Candle] = {}
        self.versions: dict[tuple[str, str], int] = {}
        self.tickers: dict[str, Any] = {}
        self.reads = 0
        self._known: set[int] = set()

    def register(self, component: object, specs: Sequence[SubscriptionSpec]) -> None:
        self.calls.append(("register", component, tuple(specs)))

    def update(self, component: object, specs: Sequence[SubscriptionSpec]) -> None:
        self.calls.append(("update", component, tuple(specs)))

    def want(self, component: object, specs: Sequence[SubscriptionSpec]) -> None:
        if id(component) in self._known:
            self.update(component, specs)
        else:
            self._known.add(id(component))
            self.register(component, specs)

    def unregister(self, component: object) -> None:
        self.calls.append(("unregister", component, ()))

    def push(self, candle: Candle) -> None:
        key = (candle.type, candle.code)
        self.candles[key] = candle
        self.versions[key] = self.versions.get(key, 0) + 1

    def latest_candle(self, code: str, type: str) -> Candle | None:
        self.reads += 1
        return self.candles.get((type, code))

    def version(self, type: str, code: str) -> int:
        return self.versions.get((type, code), 0)

    def push_ticker(self, ticker: Any) -> None:
        self.tickers[ticker.code] = ticker
        key = ("ticker", ticker.code)
        self.versions[key] = self.versions.get(key, 0) + 1

    def latest_ticker(self, code: str) -> Any:
        return self.tickers.get(code)


class FakeRest:
    """A CandleSource over a fixed candle list; counts calls and requested spans."""

    def __init__(self, candles: Sequence[Candle], fail: bool = False) -> None:
        self.candles = list(candles)
        self.fail = fail
        self.calls: list[Span] = []

    async def candles_range(self, market: str, unit: int, start: datetime, end: datetime) -> list[Candle]:
        self.calls.append((start, end))
        if self.fail:
            raise RestError("REST /v1/candles -> HTTP 500: boom", status=500)
        out = []
        for c in self.candles:
            t = datetime.fromisoformat(c.candle_date_time_utc).replace(tzinfo=UTC)
            if c.code == market and c.type == f"candle.{unit}m" and start <= t < end:
                out.append(c)
        return out


class FakeStore:
    """An in-memory CandleStore with coverage spans, and a switch to simulate a dead database."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, int, str], Candle] = {}
        self.covered: dict[tuple[str, int], list[Span]] = {}
        self.down = False
        self.saves = 0

    def _check(self) -> None:
        if self.down:
            raise StorageUnavailable("database is locked")

    async def load_candles(self, code: str, unit: int, start: datetime, end: datetime) -> list[Candle]:
        self._check()
        out = []
        for (c_code, c_unit, key), candle in sorted(self.rows.items()):
            t = datetime.fromisoformat(key).replace(tzinfo=UTC)
            if c_code == code and c_unit == unit and start <= t < end:
                out.append(candle)
        return out

    async def missing_ranges(self, code: str, unit: int, start: datetime, end: datetime) -> list[Span]:
        self._check()
        gaps: list[Span] = []
        cursor = start
        for a, b in sorted(self.covered.get((code, unit), [])):
            if b <= cursor or a >= end:
                continue
            if a > cursor:
                gaps.append((cursor, a))
            # coverage is inclusive of candle starts: the next candle after b is uncovered
            cursor = max(cursor, b + timedelta(minutes=unit))
        if cursor < end:
            gaps.append((cursor, end))
        return gaps

    async def save_candles(
        self, code: str, unit: int, candles: Sequence[Candle], covered: Sequence[Span]
    ) -> None:
        self._check()
        self.saves += 1
        for c in candles:
            self.rows[(code, unit, c.candle_date_time_utc)] = c
        # covered spans are [start, end) in the loader; store them as inclusive last starts
        for a, b in covered:
            self.covered.setdefault((code, unit), []).append((a, b - timedelta(minutes=unit)))
