"""Bybit v5 public spot stream: a normaliser, subscribe/unsubscribe builders and the connector.

Wire facts (Bybit v5 WebSocket docs, "Connect" and "Ticker"):

* Endpoint ``wss://stream.bybit.com/v5/public/spot``.
* ``{"op": "subscribe", "args": ["tickers.BTCUSDT"], "req_id": "1"}`` (``req_id`` optional; spot
  takes at most **10 args per request**); ``"unsubscribe"`` likewise. Reply (public spot):
  ``{"success": true, "ret_msg": "subscribe", "conn_id": "...", "req_id": "1", "op": "subscribe"}``;
  a refusal has ``"success": false`` and the reason in ``ret_msg``.
* Heartbeat: send ``{"op": "ping"}`` every 20 s; spot answers
  ``{"success": true, "ret_msg": "pong", "conn_id": "...", "op": "ping"}``.
* ``tickers.{symbol}`` (spot: snapshots only, 50-100 ms)::

      {"topic": "tickers.BTCUSDT", "ts": 1672305380595, "type": "snapshot", "cs": 496622841,
       "data": {"symbol": "BTCUSDT", "lastPrice": "16363.78", "highPrice24h": "16566.64",
                "lowPrice24h": "16009.19", "prevPrice24h": "16443.66", "volume24h": "5865.470182",
                "turnover24h": "95949815.680875", "price24hPcnt": "-0.0049"}}

  ``price24hPcnt`` is already a **fraction** (-0.0049 = -0.49 %), unlike Binance's percent. The spot
  ticker carries no bid/ask, so those stay None.

Subscriptions use Upbit-style codes: ``SubscriptionSpec("ticker", ("USDT-BTC",))`` ->
``tickers.BTCUSDT``. Other types are ignored on this connection.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from upbit_monitor.exchanges.base import Connector, KeepalivePolicy, RateLimit
from upbit_monitor.exchanges.descriptor import premium_reference
from upbit_monitor.exchanges.quotes import (
    ACK_TYPE,
    ControlAck,
    decode_json,
    make_quote,
    to_float,
    unknown_message,
    wanted_symbols,
)
from upbit_monitor.protocol.events import ServerError, UnknownMessage
from upbit_monitor.protocol.subscriptions import MergedSubscriptions

EXCHANGE = "bybit"
CONNECTION = "bybit-public"
TICKER_TOPIC = "tickers."
MAX_ARGS_PER_REQUEST = 10  # spot limit per subscribe request
PING_TEXT = '{"op":"ping"}'
HEARTBEAT_S = 20.0
# Bybit documents no per-connection send limit for public streams; pace requests anyway so a burst
# of coin switches cannot look like abuse.
BYBIT_RATE_LIMIT = RateLimit(per_second=5, per_minute=0)


def topics_for(merged: MergedSubscriptions) -> tuple[str, ...]:
    """The Bybit topics for a merged subscription set, sorted (``ticker`` + ``USDT-BASE`` codes only)."""
    return tuple(sorted({TICKER_TOPIC + symbol for _, symbol in wanted_symbols(merged, ("ticker",))}))


def op_message(op: str, args: Iterable[str], req_id: str) -> str:
    """One exact request text: ``{"op":"subscribe","args":["tickers.BTCUSDT"],"req_id":"1"}``."""
    if op not in ("subscribe", "unsubscribe"):
        raise ValueError(f"unsupported op {op!r}")
    return orjson.dumps({"op": op, "args": list(args), "req_id": req_id}).decode()


class BybitNormalizer:
    """Turns Bybit spot frames into :class:`PriceQuote`, :class:`ControlAck` and error events."""

    def __init__(self) -> None:
        self.unknown_messages = 0

    def parse(self, data: bytes | str, epoch: int = 0) -> list[Any]:
        """Decode one frame. Raises ``ParseError`` only for invalid JSON; unknown shapes are returned."""
        event = self._one(decode_json(data), epoch)
        if isinstance(event, UnknownMessage):
            self.unknown_messages += 1
        return [event]

    def _one(self, obj: object, epoch: int) -> Any:
        if not isinstance(obj, dict):
            return unknown_message("not an object", obj, epoch)
        if "success" in obj:  # reply to one of our ops (subscribe, unsubscribe, ping)
            op = str(obj.get("op", ""))
            req_id = obj.get("req_id")
            message = str(obj.get("ret_msg", ""))
            if obj["success"] is True:
                request_id = None if req_id in (None, "") else str(req_id)
                return ControlAck(ACK_TYPE, EXCHANGE, op, request_id, (), epoch)
            return ServerError("error", f"bybit:{op or 'request'}", message, epoch)
        if obj.get("op") == "pong":  # the private-channel pong shape; harmless to accept here
            return ControlAck(ACK_TYPE, EXCHANGE, "ping", None, (), epoch)
        topic = obj.get("topic")
        if isinstance(topic, str) and topic.startswith(TICKER_TOPIC):
            return self._ticker(obj, epoch)
        return unknown_message(f"unknown topic {topic!r}", obj, epoch)

    def _ticker(self, obj: dict[str, Any], epoch: int) -> Any:
        data = obj.get("data")
        if isinstance(data, list) and len(data) == 1:  # tolerate the array form some channels use
            data = data[0]
        if not isinstance(data, dict):
            return unknown_message("ticker without data object", obj, epoch)
        symbol = data.get("symbol")
        price = to_float(data.get("lastPrice"))
        ts = obj.get("ts")
        if not isinstance(symbol, str) or not symbol or price is None or not isinstance(ts, int):
            return unknown_message("ticker without symbol, lastPrice or ts", obj, epoch)
        return make_quote(
            EXCHANGE,
            symbol.upper(),
            price,
            bid=to_float(data.get("bid1Price")),  # present on linear tickers, absent on spot
            ask=to_float(data.get("ask1Price")),
            volume=to_float(data.get("volume24h")),
            change_24h=to_float(data.get("price24hPcnt")),
            timestamp=ts,
            epoch=epoch,
        )


class BybitConnector(Connector):
    """The ``bybit-public`` connection: v5 spot tickers, op subscribe/unsubscribe, 20 s JSON ping."""

    clear_by_reconnect = False

    def __init__(self, url: str, *, name: str = CONNECTION) -> None:
        self.name = name
        self.url = url
        # Bybit wants an application ping every 20 s whatever the traffic (a busy stream is not
        # proof to the server that WE are alive), hence text_ping_always.
        self.keepalive = KeepalivePolicy(
            ping_interval_s=None,
            ping_timeout_s=None,
            text_ping=PING_TEXT,
            text_ping_after_s=HEARTBEAT_S,
            text_ping_always=True,
        )
        self.rate_limit = BYBIT_RATE_LIMIT
        self.normalizer = BybitNormalizer()
        self._ids = itertools.count(1)

    @property
    def unknown_messages(self) -> int:
        """Frames of a shape we do not know (also returned as ``UnknownMessage`` events)."""
        return self.normalizer.unknown_messages

    def build_requests(self, previous: MergedSubscriptions | None, current: MergedSubscriptions) -> list[str]:
        """subscribe new topics, unsubscribe dropped ones, at most 10 args per message."""
        before = set(topics_for(previous)) if previous is not None else set()
        after = set(topics_for(current))
        requests: list[str] = []
        for op, topics in (("subscribe", sorted(after - before)), ("unsubscribe", sorted(before - after))):
            for i in range(0, len(topics), MAX_ARGS_PER_REQUEST):
                requests.append(op_message(op, topics[i : i + MAX_ARGS_PER_REQUEST], str(next(self._ids))))
        return requests

    def parse(self, data: bytes | str, epoch: int) -> Sequence[Any]:
        """Decode one frame into quotes, acks, errors and unknown-message events."""
        return self.normalizer.parse(data, epoch)


DESCRIPTOR = premium_reference(EXCHANGE, "Bybit", CONNECTION, BybitConnector, "bybit_ws_url")
"""Bybit as the registry lists it: a foreign USDT reference for the kimchi premium."""
