"""Binance spot public streams: a normaliser, SUBSCRIBE/UNSUBSCRIBE builders and the connector.

Wire facts (Binance "WebSocket Streams" spot docs):

* Combined-stream endpoint ``wss://stream.binance.com:9443/stream``; every event arrives wrapped as
  ``{"stream": "<name>", "data": <payload>}``. Stream names use lowercase symbols.
* Live (un)subscription: ``{"method": "SUBSCRIBE", "params": ["btcusdt@ticker"], "id": 1}``; the
  reply is ``{"result": null, "id": 1}``. ``LIST_SUBSCRIPTIONS`` replies ``{"result": [...], "id": N}``.
  Errors: ``{"code": 2, "msg": "Invalid request: ...", "id": N}``.
* ``<symbol>@ticker`` (1000 ms): ``{"e": "24hrTicker", "E": 1672515782136, "s": "BNBBTC",
  "P": "250.00", "c": "0.0025", "b": "0.0024", "a": "0.0026", "v": "10000", ...}`` - ``c`` last
  price, ``b``/``a`` best bid/ask, ``v`` 24 h base volume, ``P`` 24 h change in **percent**, ``E``
  event time (ms).
* ``<symbol>@bookTicker`` (real time): ``{"u": 400900217, "s": "BNBUSDT", "b": "25.35190000",
  "B": "31.21", "a": "25.36520000", "A": "40.66"}`` - no event type and no time field.
* ``{"e": "serverShutdown", "E": ...}`` (stream ``!serverShutdown``) announces a disconnect.
* The server sends a protocol PING every 20 s and drops us if no PONG comes within a minute
  (``websockets`` answers automatically); a connection lives at most 24 h. At most **5 incoming
  messages per second** per connection, counting our PINGs, PONGs and JSON requests.

Subscriptions use Upbit-style codes on this connection: ``SubscriptionSpec("ticker", ("USDT-BTC",))``
-> ``btcusdt@ticker``; ``SubscriptionSpec("orderbook", ("USDT-BTC",))`` -> ``btcusdt@bookTicker``
(the top of the book). Other types have no Binance counterpart here and are ignored.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson

from upbit_monitor.exchanges.base import Connector, KeepalivePolicy, RateLimit
from upbit_monitor.exchanges.descriptor import premium_reference
from upbit_monitor.exchanges.quotes import (
    ACK_TYPE,
    ControlAck,
    PriceQuote,
    decode_json,
    make_quote,
    to_float,
    unknown_message,
    wanted_symbols,
)
from upbit_monitor.protocol.events import ServerError, UnknownMessage
from upbit_monitor.protocol.policy import Disposition
from upbit_monitor.protocol.subscriptions import MergedSubscriptions

EXCHANGE = "binance"
CONNECTION = "binance-public"
SERVER_SHUTDOWN = "serverShutdown"
"""``ServerError.name`` of Binance's shutdown notice; the connector reconnects on it."""

# Subscription type -> stream suffix.
STREAM_SUFFIX: dict[str, str] = {"ticker": "@ticker", "orderbook": "@bookTicker"}

# Our own requests must leave room in the 5 msgs/s budget for the PONGs (and our protocol PINGs)
# that websockets sends outside the connection's pacing.
BINANCE_RATE_LIMIT = RateLimit(per_second=3, per_minute=0)
# Binance has no application ping; LIST_SUBSCRIPTIONS is a cheap request whose reply proves the
# stream alive when nothing is subscribed (no data would otherwise arrive).
LIST_SUBSCRIPTIONS_PING = '{"method":"LIST_SUBSCRIPTIONS","id":0}'

ClockMs = Callable[[], int]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def streams_for(merged: MergedSubscriptions) -> tuple[str, ...]:
    """The Binance stream names for a merged subscription set, sorted.

    ``ticker``/``orderbook`` entries with ``USDT-BASE`` codes become ``base+usdt@ticker`` /
    ``@bookTicker``; other types and codes are skipped.
    """
    wanted = wanted_symbols(merged, STREAM_SUFFIX)
    return tuple(sorted({symbol.lower() + STREAM_SUFFIX[kind] for kind, symbol in wanted}))


def subscribe_message(method: str, streams: Iterable[str], request_id: int) -> str:
    """One exact request text: ``{"method":"SUBSCRIBE","params":["btcusdt@ticker"],"id":1}``."""
    if method not in ("SUBSCRIBE", "UNSUBSCRIBE"):
        raise ValueError(f"unsupported method {method!r}")
    return orjson.dumps({"method": method, "params": list(streams), "id": request_id}).decode()


class BinanceNormalizer:
    """Turns Binance frames into :class:`PriceQuote`, :class:`ControlAck` and error events.

    Keeps the latest quote per symbol so a ``@bookTicker`` update (bid/ask only) is merged with the
    last ``@ticker`` (price, volume, change). Before any ticker arrives, a book update yields a
    quote priced at the mid of bid and ask. State is dropped when the epoch changes (reconnect).
    """

    def __init__(self, clock_ms: ClockMs = _now_ms) -> None:
        self._clock_ms = clock_ms
        self._last: dict[str, PriceQuote] = {}
        self._epoch = -1
        self.unknown_messages = 0

    def parse(self, data: bytes | str, epoch: int = 0) -> list[Any]:
        """Decode one frame. Raises ``ParseError`` only for invalid JSON; unknown shapes are returned."""
        obj = decode_json(data)
        if epoch != self._epoch:
            self._last.clear()
            self._epoch = epoch
        items = obj if isinstance(obj, list) else [obj]
        out: list[Any] = []
        for item in items:
            event = self._one(item, epoch)
            if isinstance(event, UnknownMessage):
                self.unknown_messages += 1
            out.append(event)
        return out

    def _one(self, obj: object, epoch: int) -> Any:
        if not isinstance(obj, dict):
            return unknown_message("not an object", obj, epoch)
        if "stream" in obj and "data" in obj:
            payload = obj["data"]
            if isinstance(payload, list):  # !ticker@arr style: never subscribed, but do not crash
                return unknown_message("array stream payload", obj, epoch)
            return self._payload(payload, epoch)
        if "id" in obj and "result" in obj:
            result = obj["result"]
            # A list result answers LIST_SUBSCRIPTIONS; null answers (UN)SUBSCRIBE / SET_PROPERTY.
            is_list = isinstance(result, list)
            streams = tuple(str(s) for s in result) if isinstance(result, list) else ()
            request_id = None if obj["id"] is None else str(obj["id"])
            return ControlAck(ACK_TYPE, EXCHANGE, "list" if is_list else "", request_id, streams, epoch)
        if "code" in obj and "msg" in obj:
            return ServerError("error", f"binance:{obj['code']}", str(obj["msg"]), epoch)
        error = obj.get("error")
        if isinstance(error, dict) and "code" in error:  # newer API error envelope
            return ServerError("error", f"binance:{error['code']}", str(error.get("msg", "")), epoch)
        return self._payload(obj, epoch)  # a raw (non-combined) stream payload

    def _payload(self, payload: object, epoch: int) -> Any:
        if not isinstance(payload, dict):
            return unknown_message("payload is not an object", payload, epoch)
        kind = payload.get("e")
        if kind == "24hrTicker":
            return self._ticker(payload, epoch)
        if kind == SERVER_SHUTDOWN:
            return ServerError("error", SERVER_SHUTDOWN, "Binance announced a server shutdown", epoch)
        if kind is None and "u" in payload and "b" in payload and "a" in payload:
            return self._book_ticker(payload, epoch)
        return unknown_message(f"unknown event {kind!r}", payload, epoch)

    def _ticker(self, p: dict[str, Any], epoch: int) -> Any:
        symbol = p.get("s")
        price = to_float(p.get("c"))
        if not isinstance(symbol, str) or not symbol or price is None:
            return unknown_message("ticker without symbol or price", p, epoch)
        change_pct = to_float(p.get("P"))
        timestamp = p.get("E")
        quote = make_quote(
            EXCHANGE,
            symbol.upper(),
            price,
            bid=to_float(p.get("b")),
            ask=to_float(p.get("a")),
            volume=to_float(p.get("v")),
            change_24h=None if change_pct is None else change_pct / 100.0,
            timestamp=timestamp if isinstance(timestamp, int) else self._clock_ms(),
            epoch=epoch,
        )
        self._last[quote.symbol] = quote
        return quote

    def _book_ticker(self, p: dict[str, Any], epoch: int) -> Any:
        symbol = p.get("s")
        bid, ask = to_float(p.get("b")), to_float(p.get("a"))
        if not isinstance(symbol, str) or not symbol or bid is None or ask is None:
            return unknown_message("bookTicker without symbol, bid or ask", p, epoch)
        symbol = symbol.upper()
        now = self._clock_ms()  # bookTicker carries no time: stamp it on receipt
        last = self._last.get(symbol)
        if last is None:
            mid = (bid + ask) / 2.0
            quote = make_quote(EXCHANGE, symbol, mid, bid=bid, ask=ask, timestamp=now, epoch=epoch)
        else:
            quote = last._replace(bid=bid, ask=ask, timestamp=now, epoch=epoch)
        self._last[symbol] = quote
        return quote


class BinanceConnector(Connector):
    """The ``binance-public`` connection: combined streams with live SUBSCRIBE/UNSUBSCRIBE."""

    clear_by_reconnect = False  # UNSUBSCRIBE can empty the set on a live socket

    def __init__(self, url: str, *, name: str = CONNECTION, clock_ms: ClockMs = _now_ms) -> None:
        self.name = name
        self.url = url
        # Server PINGs every 20 s keep the socket alive; our own protocol PING (every 30 s) only
        # detects a dead peer and stays far inside the 5 msgs/s budget. On a quiet connection
        # (nothing subscribed), LIST_SUBSCRIPTIONS stands in for an application ping.
        self.keepalive = KeepalivePolicy(
            ping_interval_s=30.0,
            ping_timeout_s=20.0,
            text_ping=LIST_SUBSCRIPTIONS_PING,
            text_ping_after_s=30.0,
        )
        self.rate_limit = BINANCE_RATE_LIMIT
        self.normalizer = BinanceNormalizer(clock_ms)
        self._ids = itertools.count(1)

    @property
    def unknown_messages(self) -> int:
        """Frames of a shape we do not know (also returned as ``UnknownMessage`` events)."""
        return self.normalizer.unknown_messages

    def build_requests(self, previous: MergedSubscriptions | None, current: MergedSubscriptions) -> list[str]:
        """SUBSCRIBE the streams that are new and UNSUBSCRIBE those no longer wanted (ids increase).

        After a (re)connect (``previous`` None) the server has nothing, so everything is subscribed.
        """
        before = set(streams_for(previous)) if previous is not None else set()
        after = set(streams_for(current))
        requests: list[str] = []
        added = sorted(after - before)
        removed = sorted(before - after)
        # New streams first: on a coin switch the new coin's data should not wait for the unsubscribe.
        if added:
            requests.append(subscribe_message("SUBSCRIBE", added, next(self._ids)))
        if removed:
            requests.append(subscribe_message("UNSUBSCRIBE", removed, next(self._ids)))
        return requests

    def parse(self, data: bytes | str, epoch: int) -> Sequence[Any]:
        """Decode one frame into quotes, acks, errors and unknown-message events."""
        return self.normalizer.parse(data, epoch)

    def classify_server_error(self, name: str) -> Disposition:
        """Reconnect at once on ``serverShutdown``; request errors are reported, not fatal."""
        return Disposition.RETRY if name == SERVER_SHUTDOWN else Disposition.IGNORE


DESCRIPTOR = premium_reference(EXCHANGE, "Binance", CONNECTION, BinanceConnector, "binance_ws_url")
"""Binance as the registry lists it: a foreign USDT reference for the kimchi premium."""
