"""The :class:`Simulator`: market model + feed + WebSocket server + faults, in one object.

    async with Simulator(seed=1, port=0, msg_rate=200) as sim:
        sim.ws_url            # ws://127.0.0.1:PORT/websocket/v1
        sim.ws_private_url    # ws://127.0.0.1:PORT/websocket/v1/private
        sim.ws_info_url       # ws://127.0.0.1:PORT/websocket/v1/info (indicators, JWT)
        sim.announce("...", category="trade")   # -> announcement CREATED
        sim.close_indicator_candle("5m")        # -> indicator / indicator_signal now
        sim.rest_url          # http://127.0.0.1:PORT2 (quotation REST)
        sim.faults.drop_all()
        sim.account.place_order("KRW-BTC", "bid", "price", price=10_000)  # -> myOrder/myAsset
        await sim.restart()   # same port
        await sim.wait_for_request(lambda r: r.parsed is not None)
        sim.connections       # ConnectionRecord per connection, with the exact requests received

Any :class:`~upbit_monitor.sim.config.SimConfig` field can be passed as a keyword argument.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from upbit_monitor.sim.account import Account
from upbit_monitor.sim.announcements import AnnouncementBoard, Notice
from upbit_monitor.sim.config import SimConfig
from upbit_monitor.sim.demo_notices import DemoNotices
from upbit_monitor.sim.faults import Faults
from upbit_monitor.sim.feed import Feed
from upbit_monitor.sim.info_feed import InfoFeed
from upbit_monitor.sim.jwt_check import JwtVerifier
from upbit_monitor.sim.market import TRADE, MarketModel
from upbit_monitor.sim.rest import RestServer
from upbit_monitor.sim.rest_candles import info_bars
from upbit_monitor.sim.session import ConnectionRecord, RequestRecord
from upbit_monitor.sim.ws_server import WsServer


class Simulator:
    """A local Upbit exchange. Use as ``async with`` or call :meth:`start` / :meth:`stop`."""

    def __init__(
        self, *, config: SimConfig | None = None, port: int = 0, rest_port: int = 0,
        model: MarketModel | None = None, **overrides: Any
    ) -> None:
        base = config or SimConfig()
        self.config = dataclasses.replace(base, **overrides) if overrides else base
        # A given model belongs to another simulator that drives it (a second venue over the same
        # markets, sim/bithumb.py): this one then only serves it and never advances it.
        self.drives_model = model is None
        if model is None:
            model = MarketModel(self.config.seed, self.config.n_krw_markets,
                                event_rate=float(self.config.msg_rate))
        self.model = model
        self.info = InfoFeed(lambda code, tf, to_ms, n: info_bars(self.model, code, tf, to_ms, n))
        self.feed = Feed(self.model, self.config, self.info)
        self.announcements = AnnouncementBoard(self.config)
        self.announcements.deliver = self.feed.send_announcement
        self.verifier = JwtVerifier(self.config.access_key, self.config.secret_key,
                                    reject_reused_nonce=self.config.reject_reused_nonce,
                                    require_timestamp=self.config.jwt_timestamp_required)
        self.ws = WsServer(self.config, self.feed, self.verifier)
        self.faults = Faults(self.ws, self.feed)
        self.account = Account(self.model)
        self.rest = RestServer(self.model, self.config, verifier=self.verifier, account=self.account)
        self.account.add_listener(self.feed.send_private)
        # Taker fills print public trades: send their trade/ticker/orderbook messages too.
        self.account.on_public_trade = lambda tick: self.feed.dispatch(TRADE, tick.code, tick.timestamp_ms)
        self._requested_port = port
        self._demo_handle: asyncio.TimerHandle | None = None
        self.demo_notices = DemoNotices(self.model, self.announcements, self.config)
        self.demo_notices.on_trade = lambda tick: self.feed.dispatch(TRADE, tick.code, tick.timestamp_ms)
        self._requested_rest_port = rest_port
        self.rest_port = 0
        self.port = 0

    def __repr__(self) -> str:
        return f"Simulator(ws={self.ws_url!r}, seed={self.config.seed})"

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> Simulator:
        """Start listening and generating market data."""
        self.port = await self.ws.start(self._requested_port)
        self.rest_port = await self.rest.start(self._requested_rest_port)
        if self.drives_model:
            self.feed.start()
        if self.config.demo_orders_every_s > 0:
            self._schedule_demo(asyncio.get_running_loop(), random.Random(f"demo-{self.config.seed}"))
        if self.config.demo_announcements_every_s > 0:
            self.demo_notices.start(asyncio.get_running_loop())
        return self

    def _schedule_demo(self, loop: asyncio.AbstractEventLoop, rng: random.Random) -> None:
        # A call_later chain (qasync-safe, see Feed.start) driving the account's demo activity.
        def step() -> None:
            self.account.demo_step(rng, int(time.time() * 1000))
            self._schedule_demo(loop, rng)

        self._demo_handle = loop.call_later(self.config.demo_orders_every_s, step)

    async def stop(self) -> None:
        """Stop everything; open connections are dropped."""
        self.feed.stop()
        self.demo_notices.stop()
        if self._demo_handle is not None:
            self._demo_handle.cancel()
            self._demo_handle = None
        await self.ws.shutdown()
        await self.rest.stop()

    async def restart(self, downtime_s: float = 0.0, *, graceful: bool = False) -> None:
        """Go down (connections dropped, or closed 1001 if ``graceful``) and come back on the same port."""
        self.faults.history.append((asyncio.get_running_loop().time(), f"restart({downtime_s})"))
        await self.ws.stop(graceful=graceful)
        if downtime_s > 0:
            await asyncio.sleep(downtime_s)
        await self.ws.start(self.port)

    async def __aenter__(self) -> Simulator:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- addresses -------------------------------------------------------------------------------
    @property
    def ws_url(self) -> str:
        """Public WebSocket URL."""
        return f"ws://{self.config.host}:{self.port}{self.config.public_path}"

    @property
    def ws_private_url(self) -> str:
        """Private WebSocket URL (needs a JWT)."""
        return f"ws://{self.config.host}:{self.port}{self.config.private_path}"

    @property
    def ws_info_url(self) -> str:
        """Indicator WebSocket URL (``indicator`` / ``indicator_signal``; needs a JWT)."""
        return f"ws://{self.config.host}:{self.port}{self.config.info_path}"

    # -- scripting -------------------------------------------------------------------------------
    def announce(self, title: str, category: str = "notice", *, body: str | None = None,
                 uuid: str | None = None) -> Notice:
        """Post a notice (``announcement`` CREATED) to the subscribed private connections."""
        return self.announcements.announce(title, category, body=body, uuid=uuid)

    def close_indicator_candle(self, timeframe: str | None = None, *, force_signals: bool = False) -> None:
        """Send indicator values/signals as if the current ``timeframe`` candle closed now
        (``force_signals``: every subscribed signal fires at this close, whatever its condition)."""
        self.info.close_now(timeframe, force_signals=force_signals)

    @property
    def rest_url(self) -> str:
        """REST base URL (``/v1/...`` paths go after it)."""
        return f"http://{self.config.host}:{self.rest_port}"

    # -- inspection ------------------------------------------------------------------------------
    @property
    def connections(self) -> list[ConnectionRecord]:
        """Every connection so far (open and closed), oldest first."""
        return list(self.ws.records)

    def open_connections(self, *, private: bool | None = None) -> list[ConnectionRecord]:
        """Connections still open."""
        return [r for r in self.ws.records
                if r.is_open and (private is None or r.private == private)]

    @property
    def requests(self) -> list[RequestRecord]:
        """Every text message received on any connection, in arrival order."""
        return sorted((r for c in self.ws.records for r in c.requests), key=lambda r: r.at)

    @property
    def stats(self) -> dict[str, int]:
        """Counters: handshakes, accepted, rejected_429, requests, request_errors, rate_limited, ..."""
        out = dict(self.ws.stats)
        out["events_generated"] = self.feed.events_generated
        out["frames_queued"] = self.feed.frames_queued
        out["frames_sent"] = sum(r.frames_sent for r in self.ws.records)
        return out

    async def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
        """Wait until ``predicate()`` is true; checked on every connect, close and request."""
        await self.ws.wait_for(predicate, timeout_s)

    async def wait_for_request(
        self, predicate: Callable[[RequestRecord], bool] | None = None, *, timeout_s: float = 5.0,
        after: int = 0,
    ) -> RequestRecord:
        """The first request (index >= ``after`` in :attr:`requests`) matching ``predicate``."""
        found: list[RequestRecord] = []

        def check() -> bool:
            for r in self.requests[after:]:
                if predicate is None or predicate(r):
                    found.append(r)
                    return True
            return False

        await self.wait_for(check, timeout_s)
        return found[0]

    async def wait_for_connections(self, n: int, *, timeout_s: float = 5.0,
                                   private: bool | None = None) -> list[ConnectionRecord]:
        """Wait until at least ``n`` connections are open."""
        await self.wait_for(lambda: len(self.open_connections(private=private)) >= n, timeout_s)
        return self.open_connections(private=private)
