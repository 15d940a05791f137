"""The Bithumb profile of the simulator: the same market engine, Bithumb's endpoints, limits and fields.

    async with Simulator(seed=1) as upbit:
        async with BithumbSimulator(beside=upbit) as bithumb:
            bithumb.ws_url          # ws://127.0.0.1:PORT/websocket/v1
            bithumb.ws_private_url  # ws://127.0.0.1:PORT/websocket/v2/private (JWT with timestamp)
            bithumb.rest_url        # /v1/market/all, /v1/ticker, /v1/orderbook, minute..month candles
            bithumb.spread.value("KRW-BTC")  # Bithumb's price = Upbit's x (1 + this), tick-rounded

Beside an Upbit simulator it serves the SAME market model (every trade and book move of Upbit's feed is
dispatched here too, see ``Feed.mirrors``) with every price moved by a small wandering spread
(:class:`WanderingSpread`), so the domestic spread the app shows is the one configured. Alone it drives
its own model like the Upbit simulator does.

Bithumb facts (protocol-2026.md): ticker/trade/orderbook only (no candle type; a candle request is
refused), v2 private path and myOrder field names, a ``timestamp`` JWT claim, 10 connects/s per IP
and a 10-minute block on persistent excess. Every UNCONFIRMED fact keeps Upbit's behaviour as its
default and is a :class:`SimConfig` field: ``simple_format``, ``depth_suffix``, ``answer_text_ping``,
``status_up_interval_s``, ``idle_timeout_s``/``idle_close_code``, ``candle_error_name``,
``rate_limit_error_name``, ``msg_rate_per_s``/``msg_rate_per_min``.
"""

from __future__ import annotations

import dataclasses
import math
import time
import zlib
from collections.abc import Callable
from typing import Any, Final

from msgspec.structs import replace

from upbit_monitor.protocol.events import Event, Orderbook, OrderbookUnit, Ticker, Trade
from upbit_monitor.protocol.ticks import snap, tick_for
from upbit_monitor.sim.catalog import SimMarket
from upbit_monitor.sim.config import SimConfig
from upbit_monitor.sim.http_server import HttpError
from upbit_monitor.sim.rest import RestServer
from upbit_monitor.sim.server import Simulator

BITHUMB_ACCESS_KEY: Final = "sim-bithumb-access-key-000000"
BITHUMB_SECRET_KEY: Final = "sim-bithumb-secret-key-" + "0" * 41


def bithumb_config(base: SimConfig | None = None, **overrides: Any) -> SimConfig:
    """``base`` (default: a fresh :class:`SimConfig`) with Bithumb's documented facts applied."""
    profile: dict[str, Any] = {
        "venue": "bithumb",
        "public_path": "/websocket/v1",
        "private_path": "/websocket/v2/private",
        "info_path": "",  # no indicator endpoint
        "candle_types": False,
        "private_fields": "v2",
        "jwt_timestamp_required": True,
        "connect_rate_per_s": 10,
        "connect_block_after": 20,
        "connect_block_s": 600.0,
        "access_key": BITHUMB_ACCESS_KEY,
        "secret_key": BITHUMB_SECRET_KEY,
    }
    profile.update(overrides)
    return dataclasses.replace(base or SimConfig(), **profile)


class WanderingSpread:
    """Bithumb's price over Upbit's, minus one: ``base + amplitude * sin(phase(t) + code offset)``.

    Each code gets its own offset (from a CRC of the code), so coins do not all move together; time
    comes from ``clock`` (seconds), injectable for tests.
    """

    def __init__(self, base: float = 0.001, amplitude: float = 0.004, period_s: float = 240.0,
                 clock: Callable[[], float] = time.time) -> None:
        if not -0.2 < base < 0.2 or not 0 <= amplitude < 0.2 or period_s <= 0:
            raise ValueError("WanderingSpread: |base| < 0.2, 0 <= amplitude < 0.2, period_s > 0")
        self.base, self.amplitude, self.period_s = base, amplitude, period_s
        self._clock = clock
        self._t0 = clock()

    def value(self, code: str) -> float:
        """The spread of ``code`` now, as a fraction (0.003 = Bithumb 0.3 % above Upbit)."""
        offset = zlib.crc32(code.encode()) / 0xFFFFFFFF * 2 * math.pi
        phase = 2 * math.pi * (self._clock() - self._t0) / self.period_s + offset
        return self.base + self.amplitude * math.sin(phase)

    def factor(self, code: str) -> float:
        """``1 + value(code)``."""
        return 1.0 + self.value(code)


def _scale(code: str, price: float, factor: float) -> float:
    if not price:
        return price
    moved = price * factor
    return snap(moved, tick_for(code, moved))


_TICKER_PRICES: Final = ("opening_price", "high_price", "low_price", "trade_price", "prev_closing_price",
                         "highest_52_week_price", "lowest_52_week_price")
_TRADE_PRICES: Final = ("trade_price", "prev_closing_price", "best_ask_price", "best_bid_price")


def spread_transform(spread: WanderingSpread) -> Callable[[Event], Event]:
    """Move every price of a market event by ``spread`` (tick-rounded); other events pass."""

    def transform(event: Event) -> Event:
        if isinstance(event, Ticker):
            f = spread.factor(event.code)
            moved: dict[str, Any] = {k: _scale(event.code, getattr(event, k), f) for k in _TICKER_PRICES}
            change = moved["trade_price"] - moved["prev_closing_price"]
            prev = moved["prev_closing_price"]
            rate = round(change / prev, 10) if prev else 0.0
            return replace(event, **moved, change_price=abs(change), signed_change_price=change,
                                  change_rate=abs(rate), signed_change_rate=rate)
        if isinstance(event, Trade):
            f = spread.factor(event.code)
            fields: dict[str, Any] = {k: _scale(event.code, getattr(event, k), f) for k in _TRADE_PRICES}
            return replace(event, **fields,
                                  change_price=abs(fields["trade_price"] - fields["prev_closing_price"]))
        if isinstance(event, Orderbook):
            f = spread.factor(event.code)
            code = event.code
            units = tuple(OrderbookUnit(_scale(code, u.ask_price, f), _scale(code, u.bid_price, f),
                                        u.ask_size, u.bid_size) for u in event.orderbook_units)
            return replace(event, orderbook_units=units)
        return event

    return transform


_REST_PRICES: Final = frozenset({*_TICKER_PRICES, "ask_price", "bid_price", "change_price",
                                 "signed_change_price"})


def _scale_json(obj: Any, code: str, factor: float) -> Any:
    if isinstance(obj, list):
        return [_scale_json(x, code, factor) for x in obj]
    if isinstance(obj, dict):
        code = str(obj.get("market", code))
        return {k: (_scale(code, v, factor)
                    if k in _REST_PRICES and isinstance(v, int | float) and not isinstance(v, bool)
                    else _scale_json(v, code, factor)) for k, v in obj.items()}
    return obj


class BithumbRest(RestServer):
    """Bithumb's quotation REST: Upbit's paths and answers with prices moved by the spread; the market
    list takes ``isDetails`` and flags warnings flat; no seconds or year candles."""

    def __init__(self, *args: Any, spread: WanderingSpread, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spread = spread

    def _route(self, path: str, q: dict[str, str]) -> object:
        if path in ("/v1/candles/seconds", "/v1/candles/years"):
            raise HttpError(404, "Not Found")  # Bithumb offers minute, day, week and month candles
        if path == "/v1/market/all":
            return self._market_all(q.get("isDetails", q.get("is_details", "false")).lower() == "true")
        return self._scaled(super()._route(path, q))

    @staticmethod
    def _market_details(m: SimMarket) -> dict[str, object]:
        # Bithumb: ``isDetails`` (camelCase) adds a flat ``market_warning`` (NONE / CAUTION).
        return {"market_warning": "CAUTION" if m.warning else "NONE"}

    def _scaled(self, data: object) -> object:
        if not isinstance(data, list):
            return data
        out = []
        for item in data:
            code = item.get("market") if isinstance(item, dict) else None
            out.append(_scale_json(item, code, self.spread.factor(code)) if isinstance(code, str) else item)
        return out


class BithumbSimulator(Simulator):
    """A local Bithumb: :func:`bithumb_config` + a spread over ``beside``'s market (if given)."""

    def __init__(self, *, beside: Simulator | None = None, spread: WanderingSpread | None = None,
                 config: SimConfig | None = None, port: int = 0, rest_port: int = 0,
                 **overrides: Any) -> None:
        cfg = bithumb_config(config, **overrides)
        super().__init__(config=cfg, port=port, rest_port=rest_port,
                         model=beside.model if beside is not None else None)
        self.beside = beside
        self.spread = spread if spread is not None else WanderingSpread(
            amplitude=0.004 if beside is not None else 0.0, base=0.001 if beside is not None else 0.0)
        self.feed.transform = spread_transform(self.spread)
        self.rest = BithumbRest(self.model, self.config, verifier=self.verifier, account=self.account,
                                spread=self.spread)

    async def start(self) -> Simulator:
        """Start serving; beside Upbit, receive every change of Upbit's feed from now on."""
        await super().start()
        if self.beside is not None and self.feed not in self.beside.feed.mirrors:
            self.beside.feed.mirrors.append(self.feed)
        return self

    async def stop(self) -> None:
        """Stop serving and leave Upbit's feed."""
        if self.beside is not None and self.feed in self.beside.feed.mirrors:
            self.beside.feed.mirrors.remove(self.feed)
        await super().stop()
