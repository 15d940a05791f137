"""A Binance-shaped public spot stream on 127.0.0.1, driven by the shared market model.

Prices come from :class:`~upbit_monitor.sim.foreign_prices.ForeignPricer` (a target premium over the
model's Upbit prices); the connection handling shared with Bybit is
:class:`~upbit_monitor.sim.foreign_stream.ForeignStreamServer`.

Binance behaviour reproduced: ``/stream`` (combined, wrapped ``{"stream","data"}``) and ``/ws`` (raw)
paths with an optional ``?streams=a/b`` list; SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS with the
documented replies and error objects; ``@ticker`` (24hrTicker) and ``@bookTicker`` payloads; lowercase
stream names only; more than 5 incoming messages in a second closes the connection (1008); server
PINGs every 20 s; connections end after ``max_connection_s`` (Binance: 24 h); and
:meth:`BinanceSim.announce_shutdown` sends the ``serverShutdown`` event.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import orjson
from websockets.exceptions import ConnectionClosed

from upbit_monitor.sim.foreign_prices import ForeignTick, fmt
from upbit_monitor.sim.foreign_stream import ConnState, ForeignStreamServer

log = logging.getLogger(__name__)


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
