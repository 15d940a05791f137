"""The market feed: drives the model on a timer and fans events out to subscribed connections.

An index ``(type, code) -> sessions`` means an event is built only when someone subscribes to it,
and it is encoded at most once per key style (DEFAULT/SIMPLE) per orderbook variant, however many
connections share it: each connection just queues the same ``bytes``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Iterable

from upbit_monitor.protocol.bithumb_v2 import to_v2
from upbit_monitor.protocol.encoder import dumps, encode
from upbit_monitor.protocol.events import REALTIME, SNAPSHOT, Event, MyAsset, MyOrder
from upbit_monitor.protocol.trade_candles import bar_candle
from upbit_monitor.sim.announcements import Notice, encode_event, event_dict
from upbit_monitor.sim.announcements import Subscription as AnnouncementSub
from upbit_monitor.sim.builders import orderbook_event, ticker_event, trade_event
from upbit_monitor.sim.candles import CANDLE_UNITS
from upbit_monitor.sim.config import SimConfig
from upbit_monitor.sim.info_feed import InfoFeed
from upbit_monitor.sim.market import TRADE, MarketModel
from upbit_monitor.sim.requests import ANNOUNCEMENT, INFO_TYPES, TypeRequest
from upbit_monitor.sim.session import Session

Key = tuple[str, str]
log = logging.getLogger(__name__)


def encode_obj(event: Event, simple: bool) -> bytes:
    """One event as JSON bytes with DEFAULT or SIMPLE keys."""
    return dumps(encode(event, "SIMPLE" if simple else "DEFAULT"))


class Feed:
    """Subscription index + the timer loop generating market activity."""

    def __init__(self, model: MarketModel, config: SimConfig, info: InfoFeed | None = None) -> None:
        self.model = model
        self.config = config
        # indicator / indicator_signal subscribers of /websocket/v1/info (set by the Simulator).
        self.info = info if info is not None else InfoFeed(lambda _c, _t, _to, _n: [])
        self.index: dict[Key, set[Session]] = {}
        self.speed = 1.0  # fault injection: < 1 slows the feed
        self.paused = False
        self.events_generated = 0
        self.frames_queued = 0
        self._rng = random.Random(f"feed-{config.seed}")
        self._burst_until = 0.0
        self._burst_factor = 1.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._last = 0.0
        self._next_candles = 0.0
        self._carry = 0.0
        # Another venue's feed over the same model (Bithumb beside Upbit): every change dispatched
        # here is dispatched there too, so both venues trade the same moves.
        self.mirrors: list[Feed] = []
        # Applied to every market event before encoding (Bithumb: prices off Upbit's by a spread).
        self.transform: Callable[[Event], Event] | None = None

    def encode(self, event: Event, simple: bool) -> bytes:
        """``event`` on this venue's wire: transformed (if set), then DEFAULT or SIMPLE keys."""
        if self.transform is not None:
            event = self.transform(event)
        if self.config.private_fields == "v2" and isinstance(event, MyOrder):
            return dumps(to_v2(event))  # UNCONFIRMED: v2 SIMPLE names; DEFAULT names always
        return encode_obj(event, simple)

    # -- subscriptions ---------------------------------------------------------------------------
    def register(self, session: Session, types: Iterable[TypeRequest]) -> None:
        """Replace ``session``'s realtime subscriptions (Upbit: each request replaces the set)."""
        self.unregister(session)
        types = tuple(types)
        info = tuple(t for t in types if t.type in INFO_TYPES)
        if info:
            self.info.register(session, info)
        keys: set[Key] = set()
        variants: dict[str, dict[float, int]] = {}
        private_codes: set[str] = set()
        private_all = False
        for req in types:
            if req.type == ANNOUNCEMENT:
                session.announcement_sub = AnnouncementSub(req.categories, req.include_body)
                keys.add((ANNOUNCEMENT, "*"))
                continue
            if req.type in INFO_TYPES:
                continue
            if req.only_snapshot:
                continue  # with both flags set, "snapshot"/"nothing" modes give no stream either
            if req.type == "myOrder":
                private_all = private_all or not req.codes
                private_codes.update(req.codes)
            for code, depth in zip(req.codes, req.depths, strict=True):
                if req.type in ("myOrder", "myAsset"):
                    continue
                if not self.model.has(code):
                    continue  # unknown/lowercase code: accepted, never any data
                keys.add((req.type, code))
                if req.type == "orderbook":
                    per_level = variants.setdefault(code, {})
                    per_level[req.level] = max(per_level.get(req.level, 0), depth)
            if req.type in ("myOrder", "myAsset"):
                keys.add((req.type, "*"))
        session.rt_keys = keys
        session.ob_variants = {
            code: tuple((d, lv) for lv, d in sorted(per.items())) for code, per in variants.items()
        }
        session.private_codes = None if private_all else frozenset(private_codes)
        for key in keys:
            self.index.setdefault(key, set()).add(session)

    def unregister(self, session: Session) -> None:
        """Remove every realtime subscription of ``session``."""
        for key in session.rt_keys:
            subs = self.index.get(key)
            if subs is not None:
                subs.discard(session)
                if not subs:
                    del self.index[key]
        session.rt_keys = set()
        session.ob_variants = {}
        session.announcement_sub = None
        self.info.register(session, ())

    # -- snapshots -------------------------------------------------------------------------------
    def snapshot(self, session: Session, types: Iterable[TypeRequest], now_ms: int) -> None:
        """Queue one SNAPSHOT per (type, code) of the request, in request order."""
        model = self.model
        for req in types:
            if req.only_realtime and not (req.only_snapshot and self.config.both_flags == "snapshot"):
                continue
            if req.only_snapshot and req.only_realtime and self.config.both_flags == "nothing":
                continue
            if req.type in ("myOrder", "myAsset", ANNOUNCEMENT) or req.type in INFO_TYPES:
                continue  # private and info streams are realtime only
            for code, depth in zip(req.codes, req.depths, strict=True):
                if not model.has(code):
                    continue
                st = model.state(code)
                event: Event | None
                if req.type == "ticker":
                    event = ticker_event(st, SNAPSHOT, now_ms)
                elif req.type == "trade":
                    event = trade_event(st, SNAPSHOT, now_ms)
                elif req.type == "orderbook":
                    event = orderbook_event(st, depth, req.level, SNAPSHOT, now_ms)
                else:
                    bar = model.series(code, req.type).latest(now_ms)
                    event = bar_candle(req.type, code, bar, now_ms, SNAPSHOT) if bar else None
                if event is not None:
                    session.push(self.encode(event, session.simple))

    # -- realtime --------------------------------------------------------------------------------
    def send(self, subs: Iterable[Session], event: Event) -> None:
        """Queue ``event`` to every session in ``subs``, encoding once per key style."""
        cache: dict[bool, bytes] = {}
        n = 0
        for s in subs:
            data = cache.get(s.simple)
            if data is None:
                data = cache[s.simple] = self.encode(event, s.simple)
            s.push(data)
            n += 1
        self.frames_queued += n

    def dispatch(self, kind: int, code: str, now_ms: int) -> None:
        """Send the realtime messages caused by one model change."""
        index = self.index
        st = self.model.state(code)
        if kind == TRADE:
            subs = index.get(("trade", code))
            if subs:
                self.send(tuple(subs), trade_event(st, REALTIME, now_ms))
            subs = index.get(("ticker", code))
            if subs:
                self.send(tuple(subs), ticker_event(st, REALTIME, now_ms))
        subs = index.get(("orderbook", code))
        if subs:
            cache: dict[tuple[int, float, bool], bytes | None] = {}
            for s in tuple(subs):
                for depth, level in s.ob_variants.get(code, ()):
                    key = (depth, level, s.simple)
                    if key not in cache:
                        ev = orderbook_event(st, depth, level, REALTIME, now_ms)
                        cache[key] = None if ev is None else self.encode(ev, s.simple)
                    data = cache[key]
                    if data is not None:
                        s.push(data)
                        self.frames_queued += 1
        for mirror in self.mirrors:
            mirror.dispatch(kind, code, now_ms)

    def send_private(self, event: MyOrder | MyAsset) -> None:
        """Deliver an account event to the private connections subscribed to its type."""
        subs = self.index.get((event.type, "*"))
        if not subs:
            return
        if isinstance(event, MyOrder):
            subs = {s for s in subs if s.private_codes is None or event.code in s.private_codes}
        self.send(tuple(subs), event)

    def send_announcement(self, notice: Notice, event_type: str, now_ms: int) -> None:
        """Deliver a notice board event to each subscribed private connection that wants it."""
        subs = self.index.get((ANNOUNCEMENT, "*"))
        if not subs:
            return
        cache: dict[tuple[bool, bool], bytes] = {}
        for s in tuple(subs):
            sub = s.announcement_sub
            if sub is None or not sub.wants(notice):
                continue
            key = (sub.include_body, s.simple)
            data = cache.get(key)
            if data is None:
                event = event_dict(notice, event_type, now_ms, include_body=sub.include_body,
                                   max_body_chars=self.config.announcement_max_body_chars)
                data = cache[key] = encode_event(event, s.simple)
            s.push(data)
            self.frames_queued += 1

    def push_candles(self, now_ms: int) -> None:
        """The 1 s candle push: one message per (candle type, code) that traded since the last push."""
        model = self.model
        for code in model.take_traded_codes():
            for ctype in CANDLE_UNITS:
                subs = self.index.get((ctype, code))
                if subs:
                    bar = model.series(code, ctype).current
                    if bar is not None:
                        self.send(tuple(subs), bar_candle(ctype, code, bar, now_ms, REALTIME))

    def step(self, n_events: int, now_ms: int) -> int:
        """Generate about ``n_events`` market events now, dispatching each; returns events used."""
        used = 0
        for kind, code in self.model.advance(now_ms, n_events):
            self.dispatch(kind, code, now_ms)
            used += 3 if kind == TRADE else 1
        self.events_generated += used
        return used

    def _rate_factor(self, now: float) -> float:
        if not self.config.bursty:
            return 1.0
        rng = self._rng
        if now >= self._burst_until:
            # Mostly calm (0.7x) with bursts of 2-5x lasting ~1 s: averages close to 1x.
            if rng.random() < 0.12:
                self._burst_factor = rng.uniform(2.0, 5.0)
                self._burst_until = now + rng.expovariate(1.0)
            else:
                self._burst_factor = 0.7
                self._burst_until = now + rng.expovariate(2.0)
        return self._burst_factor

    # The loop is a call_later chain, not a task sleeping in a while loop: under qasync, Qt may run
    # timer callbacks while asyncio is not "running" (pytest-qt processes events between test
    # phases), and a coroutine resumed there fails in get_running_loop(); a plain callback does not.
    def start(self) -> None:
        """Start generating market data on the running loop."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._last = loop.time()
        self._next_candles = self._last + 1.0
        self._carry = 0.0
        self._handle = loop.call_later(self.config.tick_s, self._tick)

    def stop(self) -> None:
        """Stop the timer (idempotent)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _tick(self) -> None:
        loop = self._loop
        assert loop is not None
        try:
            now = loop.time()
            dt = min(now - self._last, 1.0)
            self._last = now
            if not self.paused:
                self._carry += self.config.msg_rate * self.speed * self._rate_factor(now) * dt
                n = int(self._carry)
                now_ms = int(time.time() * 1000)
                if n > 0:
                    self._carry -= self.step(n, now_ms)  # may go negative: a debt paid next ticks
                if now >= self._next_candles:
                    self._next_candles = max(self._next_candles + 1.0, now)
                    self.push_candles(now_ms)
                    self.info.tick(now_ms)
        except Exception:
            log.exception("sim feed tick failed")
        finally:
            if self._handle is not None:
                self._handle = loop.call_later(self.config.tick_s, self._tick)
