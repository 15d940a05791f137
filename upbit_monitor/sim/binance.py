"""A Binance-shaped public spot stream on 127.0.0.1, driven by the shared :class:`MarketModel`.

Foreign prices are derived from the Upbit KRW prices of the same model and a configurable kimchi
premium, so the app's premium column shows exactly what was configured (up to tick rounding)::

    usdt_price = upbit_krw_price / (upbit KRW-USDT price * (1 + premium(t)))

``premium(t)`` is ``premium`` plus an optional slow sine ``wobble`` (so the premium chart moves) and a
per-venue offset. The model is only *read*; the Upbit simulator (or a test) advances it.

This module also holds the venue-neutral pieces the Bybit simulator reuses (:class:`ForeignPricer`,
:class:`ForeignStreamServer`); they live here because the exchanges engineer owns only
``sim/binance.py`` and ``sim/bybit.py``.

Binance behaviour reproduced: ``/stream`` (combined, wrapped ``{"stream","data"}``) and ``/ws`` (raw)
paths with an optional ``?streams=a/b`` list; SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS with the
documented replies and error objects; ``@ticker`` (24hrTicker) and ``@bookTicker`` payloads; lowercase
stream names only; more than 5 incoming messages in a second closes the connection (1008); server
PINGs every 20 s; connections end after ``max_connection_s`` (Binance: 24 h); and
:meth:`BinanceSim.announce_shutdown` sends the ``serverShutdown`` event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Self

import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from upbit_monitor.errors import ConfigError
from upbit_monitor.protocol.ticks import snap, usdt_tick
from upbit_monitor.sim.market import MarketModel

log = logging.getLogger(__name__)

USDT_KRW = "KRW-USDT"


@dataclass(frozen=True, slots=True)
class ForeignSimConfig:
    """Knobs of a foreign-venue simulator. Durations in seconds."""

    premium: float = 0.025  # the kimchi premium the app should display (fraction)
    wobble: float = 0.0  # amplitude of a slow sine on top of ``premium`` (0 = constant)
    wobble_period_s: float = 300.0
    venue_offset: float = 0.0  # added to the premium for this venue only
    # Each coin's own premium (issue 18: every coin showed the same +2.77 %): a seeded offset per coin
    # (standard deviation ``coin_spread``) that wanders by up to ``coin_wander`` over minutes. Shared by
    # both venues (the premium is a Korean-market effect). 0 = every coin exactly at ``premium``.
    coin_spread: float = 0.0
    coin_wander: float = 0.0
    push_interval_s: float = 1.0  # Binance @ticker: 1000 ms
    max_requests_per_s: int = 5  # incoming JSON messages per connection per second; 0 = off
    max_connection_s: float = 86_400.0  # Binance closes every connection after 24 h
    heartbeat_timeout_s: float | None = None  # close if the client sends nothing for this long
    ping_interval_s: float | None = 20.0  # server protocol PINGs

    def __post_init__(self) -> None:
        if not -0.5 < self.premium < 1.0 or self.push_interval_s <= 0 or self.wobble_period_s <= 0:
            raise ConfigError("ForeignSimConfig: premium in (-0.5, 1), positive intervals required")


class ForeignTick(NamedTuple):
    """One venue-neutral snapshot of a foreign USDT market."""

    symbol: str
    price: float
    bid: float
    ask: float
    volume_24h: float
    turnover_24h: float
    prev_price_24h: float
    high_24h: float
    low_24h: float


class ForeignPricer:
    """Maps the model's KRW markets to USDT symbols priced at a target premium over Upbit."""

    def __init__(self, model: MarketModel, config: ForeignSimConfig, clock: Callable[[], float] = time.time):
        self.model = model
        self.config = config
        self._clock = clock
        self._t0 = clock()
        self._coins: dict[str, tuple[float, float, float, float, float]] = {}
        self._symbols = {
            m.base + "USDT": m.code for m in model.markets if m.quote == "KRW" and m.code != USDT_KRW
        }

    def symbols(self) -> list[str]:
        """Every USDT symbol this venue lists (the model's KRW coins except USDT itself)."""
        return sorted(self._symbols)

    def has(self, symbol: str) -> bool:
        """Whether ``symbol`` (uppercase, e.g. ``BTCUSDT``) is listed."""
        return symbol in self._symbols

    def premium_now(self, symbol: str | None = None) -> float:
        """The premium this venue's prices embody right now (fraction); ``symbol`` adds that coin's own."""
        cfg = self.config
        elapsed = self._clock() - self._t0
        phase = 2 * math.pi * elapsed / cfg.wobble_period_s
        premium = cfg.premium + cfg.venue_offset + cfg.wobble * math.sin(phase)
        if symbol is not None and (cfg.coin_spread or cfg.coin_wander):
            premium += self._coin_offset(symbol, elapsed)
        return premium

    def _coin_offset(self, symbol: str, elapsed: float) -> float:
        params = self._coins.get(symbol)
        if params is None:
            # Seeded by the model and the coin only, so Binance and Bybit agree on a coin's premium.
            rng = random.Random(f"premium-{self.model.seed}-{symbol}")
            params = self._coins[symbol] = (rng.gauss(0.0, 1.0), rng.uniform(0.4, 1.0), rng.uniform(180, 900),
                                            rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi))
        base, amp, period, phase_a, phase_b = params
        cfg = self.config
        # Two incommensurate sines: a slow, irregular-looking wander.
        wander = math.sin(2 * math.pi * elapsed / period + phase_a) + 0.5 * math.sin(
            2 * math.pi * elapsed / (period * 2.63) + phase_b)
        return cfg.coin_spread * base + cfg.coin_wander * amp * wander / 1.5

    def _usdt(self, krw: float, rate: float, factor: float) -> float:
        value = krw / (rate * factor)
        return snap(value, usdt_tick(value))

    def tick(self, symbol: str, now_ms: int) -> ForeignTick | None:
        """The current snapshot of ``symbol``, None if unlisted or the USDT rate is unknown."""
        code = self._symbols.get(symbol)
        if code is None or not self.model.has(USDT_KRW):
            return None
        rate = self.model.price(USDT_KRW)
        if rate <= 0:
            return None
        factor = 1.0 + self.premium_now(symbol)
        st = self.model.state(code)
        price = self._usdt(st.price, rate, factor)
        bid = self._usdt(st.book.best_bid, rate, factor) if st.book.best_bid > 0 else price
        ask = self._usdt(st.book.best_ask, rate, factor)
        if ask <= bid:  # tick rounding can merge the two sides; keep a one-tick spread
            ask = bid + usdt_tick(bid)
        volume = st.volume_24h(now_ms)
        return ForeignTick(
            symbol,
            price,
            bid,
            ask,
            volume,
            volume * price,
            self._usdt(st.prev_close, rate, factor),
            self._usdt(st.high, rate, factor),
            self._usdt(st.low, rate, factor),
        )


def fmt(x: float) -> str:
    """A decimal string the way both venues send numbers (no exponent, trailing zeros trimmed)."""
    text = f"{x:.8f}".rstrip("0").rstrip(".")
    return text or "0"


class ConnState:
    """Per-connection state of a foreign simulator."""

    def __init__(self, ws: ServerConnection, conn_id: str, now: float) -> None:
        self.ws = ws
        self.conn_id = conn_id
        self.subscriptions: set[str] = set()
        self.combined = True
        self.opened = now
        self.last_received = now
        self.recent: deque[float] = deque()
        self.close_code: int | None = None
        self.close_reason = ""


class ForeignStreamServer:
    """Serve one venue's public stream; subclasses define paths, replies and pushed frames.

    ``await start()`` listens on ``host:port`` (0 = any free port) by itself; :meth:`handler` can also
    be mounted by another server (the Simulator) for requests whose path :meth:`accepts`.
    """

    venue = "foreign"
    default_path = "/"
    default_config = ForeignSimConfig()

    def __init__(
        self,
        model: MarketModel,
        config: ForeignSimConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config if config is not None else self.default_config
        self.pricer = ForeignPricer(model, self.config, clock)
        self.host, self.port = host, port
        self._clock = clock
        self._server: Server | None = None
        self.connections: set[ConnState] = set()
        self.connections_total = 0
        self.requests_received = 0
        self.frames_sent = 0

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        """Listen on ``host:port``; :attr:`url` is valid afterwards."""
        self._server = await serve(
            self.handler, self.host, self.port, ping_interval=self.config.ping_interval_s, ping_timeout=60
        )
        self.port = self._server.sockets[0].getsockname()[1] if self.port == 0 else self.port

    @property
    def url(self) -> str:
        """The endpoint URL of the venue's default path."""
        return f"ws://{self.host}:{self.port}{self.default_path}"

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop listening, close every connection and wait for their handlers to end."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    # -- venue hooks ---------------------------------------------------------------------------------
    def accepts(self, path: str) -> bool:
        """Whether a request path belongs to this venue."""
        return path.split("?", 1)[0] == self.default_path

    def on_open(self, conn: ConnState, path: str) -> None:
        """Inspect the request path (e.g. Binance's ``?streams=``)."""

    def on_message(self, conn: ConnState, message: str | bytes) -> list[str]:
        """Replies to one client message (set ``conn.close_code`` to close afterwards)."""
        raise NotImplementedError

    def push_frames(self, conn: ConnState, now_ms: int) -> list[str]:
        """Frames to push to ``conn`` on this push tick."""
        raise NotImplementedError

    # -- the connection ------------------------------------------------------------------------------
    async def handler(self, ws: ServerConnection) -> None:
        """Serve one client connection until it closes."""
        now = self._clock()
        self.connections_total += 1
        conn = ConnState(ws, f"sim-{self.venue}-{self.connections_total}", now)
        path = ws.request.path if ws.request is not None else self.default_path
        self.on_open(conn, path)
        self.connections.add(conn)
        pusher = asyncio.create_task(self._push_loop(conn))
        try:
            async for message in ws:
                conn.last_received = self._clock()
                self.requests_received += 1
                if self._over_rate(conn):
                    conn.close_code, conn.close_reason = 1008, "Too many requests"
                    break
                for reply in self.on_message(conn, message):
                    await ws.send(reply)
                    self.frames_sent += 1
                if conn.close_code is not None:
                    break
            if conn.close_code is not None:
                await ws.close(conn.close_code, conn.close_reason)
        except ConnectionClosed:
            pass
        finally:
            self.connections.discard(conn)
            pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await pusher

    def _over_rate(self, conn: ConnState) -> bool:
        limit = self.config.max_requests_per_s
        if limit <= 0:
            return False
        now = time.monotonic()
        conn.recent.append(now)
        while conn.recent and now - conn.recent[0] > 1.0:
            conn.recent.popleft()
        return len(conn.recent) > limit

    async def _push_loop(self, conn: ConnState) -> None:
        cfg = self.config
        while True:
            await asyncio.sleep(cfg.push_interval_s)
            now = self._clock()
            if now - conn.opened >= cfg.max_connection_s:
                await conn.ws.close(1000, "connection lifetime reached")
                return
            if cfg.heartbeat_timeout_s is not None and now - conn.last_received > cfg.heartbeat_timeout_s:
                await conn.ws.close(1000, "heartbeat timeout")
                return
            for frame in self.push_frames(conn, int(now * 1000)):
                await conn.ws.send(frame)
                self.frames_sent += 1


def _dumps(obj: object) -> str:
    return orjson.dumps(obj).decode()


class BinanceSim(ForeignStreamServer):
    """Binance spot public streams (combined ``/stream`` and raw ``/ws``)."""

    venue = "binance"
    default_path = "/stream"
    METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")

    def accepts(self, path: str) -> bool:
        """``/stream``, ``/stream?streams=...``, ``/ws`` and ``/ws/<stream>``."""
        base = path.split("?", 1)[0]
        return base in ("/stream", "/ws") or base.startswith("/ws/")

    def on_open(self, conn: ConnState, path: str) -> None:
        """Combined vs raw from the path; initial streams from ``?streams=`` or ``/ws/<name>``."""
        base, _, query = path.partition("?")
        conn.combined = base == "/stream"
        if base.startswith("/ws/"):
            conn.subscriptions.update(s for s in base[4:].split("/") if s)
        for part in query.split("&"):
            key, _, value = part.partition("=")
            if key == "streams":
                conn.subscriptions.update(s for s in value.split("/") if s)

    def on_message(self, conn: ConnState, message: str | bytes) -> list[str]:
        """Answer one request like Binance (result/id replies, code/msg errors)."""
        try:
            req = orjson.loads(message)
        except orjson.JSONDecodeError:
            return [_dumps({"code": 3, "msg": "Invalid JSON: expected value at line 1 column 1"})]
        if not isinstance(req, dict) or "method" not in req:
            return [_dumps({"code": 2, "msg": "Invalid request: missing field `method`"})]
        req_id = req.get("id")
        if not (req_id is None or isinstance(req_id, str) or (isinstance(req_id, int) and req_id >= 0)):
            return [_dumps({"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"})]
        method = req["method"]
        if method not in self.METHODS:
            expected = ", ".join(f"`{m}`" for m in self.METHODS)
            msg = f"Invalid request: unknown variant `{method}`, expected one of {expected}"
            return [_dumps({"code": 2, "msg": msg, "id": req_id})]
        if method == "LIST_SUBSCRIPTIONS":
            return [_dumps({"result": sorted(conn.subscriptions), "id": req_id})]
        if method == "GET_PROPERTY":
            return [_dumps({"result": conn.combined, "id": req_id})]
        params = req.get("params")
        if method == "SET_PROPERTY":
            if not (isinstance(params, list) and len(params) == 2 and params[0] == "combined"):
                return [_dumps({"code": 0, "msg": "Unknown property", "id": req_id})]
            if not isinstance(params[1], bool):
                return [_dumps({"code": 1, "msg": "Invalid value type: expected Boolean", "id": req_id})]
            conn.combined = params[1]
            return [_dumps({"result": None, "id": req_id})]
        if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
            msg = "Invalid request: params must be a list of strings"
            return [_dumps({"code": 2, "msg": msg, "id": req_id})]
        if method == "SUBSCRIBE":
            conn.subscriptions.update(params)
        else:
            conn.subscriptions.difference_update(params)
        return [_dumps({"result": None, "id": req_id})]

    def push_frames(self, conn: ConnState, now_ms: int) -> list[str]:
        """One ``@ticker`` / ``@bookTicker`` payload per subscribed stream of a listed symbol."""
        frames: list[str] = []
        for stream in sorted(conn.subscriptions):
            symbol_lower, _, kind = stream.partition("@")
            if symbol_lower != symbol_lower.lower():
                continue  # Binance stream names are lowercase; anything else never sends data
            tick = self.pricer.tick(symbol_lower.upper(), now_ms)
            if tick is None:
                continue
            if kind == "ticker":
                payload: dict[str, Any] = self._ticker(tick, now_ms)
            elif kind == "bookTicker":
                payload = {"u": now_ms, "s": tick.symbol, "b": fmt(tick.bid), "B": "1.5", "a": fmt(tick.ask),
                           "A": "2.25"}
            else:
                continue
            frames.append(_dumps({"stream": stream, "data": payload}) if conn.combined else _dumps(payload))
        return frames

    @staticmethod
    def _ticker(t: ForeignTick, now_ms: int) -> dict[str, Any]:
        change = t.price - t.prev_price_24h
        pct = change / t.prev_price_24h * 100 if t.prev_price_24h else 0.0
        return {
            "e": "24hrTicker", "E": now_ms, "s": t.symbol, "p": fmt(change), "P": f"{pct:.3f}",
            "w": fmt(t.price), "x": fmt(t.prev_price_24h), "c": fmt(t.price), "Q": "0.01", "b": fmt(t.bid),
            "B": "1.5", "a": fmt(t.ask), "A": "2.25", "o": fmt(t.prev_price_24h), "h": fmt(t.high_24h),
            "l": fmt(t.low_24h), "v": fmt(t.volume_24h), "q": fmt(t.turnover_24h), "O": now_ms - 86_400_000,
            "C": now_ms, "F": 0, "L": 0, "n": 0,
        }

    async def announce_shutdown(self) -> None:
        """Send ``serverShutdown`` to every connection (clients should reconnect on their own)."""
        now_ms = int(self._clock() * 1000)
        payload = {"e": "serverShutdown", "E": now_ms}
        for conn in list(self.connections):
            wrapped = {"stream": "!serverShutdown", "data": payload}
            frame = _dumps(wrapped if conn.combined else payload)
            with contextlib.suppress(ConnectionClosed):
                await conn.ws.send(frame)
                self.frames_sent += 1
