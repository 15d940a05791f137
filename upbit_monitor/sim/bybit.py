"""A Bybit-v5-shaped public spot stream on 127.0.0.1 (``/v5/public/spot``), driven by the shared model.

Reproduced: ``{"op": "subscribe"|"unsubscribe", "args": [...], "req_id": ...}`` with the public-spot
reply ``{"success": true, "ret_msg": "subscribe", "conn_id": ..., "req_id": ..., "op": ...}``;
refusals (more than 10 args, unknown topic, duplicate subscription) with ``"success": false``;
``{"op": "ping"}`` -> ``{"success": true, "ret_msg": "pong", "conn_id": ..., "op": "ping"}``;
``tickers.<SYMBOL>`` snapshots in the spot shape (no bid/ask, ``price24hPcnt`` a fraction); and,
when ``heartbeat_timeout_s`` is set, a connection whose client sends nothing for that long is closed.
Prices come from :class:`~upbit_monitor.sim.foreign_prices.ForeignPricer` (same model, same premium rule).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

import orjson

from upbit_monitor.sim.binance import BinanceSim
from upbit_monitor.sim.foreign_prices import ForeignSimConfig, fmt
from upbit_monitor.sim.foreign_stream import ConnState, ForeignStreamServer
from upbit_monitor.sim.market import MarketModel

MAX_ARGS = 10
TOPIC = "tickers."

BYBIT_DEFAULTS = ForeignSimConfig(push_interval_s=0.5, max_requests_per_s=0, ping_interval_s=None)
"""Bybit spot tickers push every 50-100 ms; 0.5 s keeps the demo light. Bybit documents no request rate."""


def _dumps(obj: object) -> str:
    return orjson.dumps(obj).decode()


class BybitSim(ForeignStreamServer):
    """Bybit v5 public spot."""

    venue = "bybit"
    default_path = "/v5/public/spot"
    default_config = BYBIT_DEFAULTS

    def _reply(self, conn: ConnState, op: str, success: bool, ret_msg: str, req_id: Any) -> str:
        reply: dict[str, Any] = {"success": success, "ret_msg": ret_msg, "conn_id": conn.conn_id}
        if req_id is not None:
            reply["req_id"] = req_id
        reply["op"] = op
        return _dumps(reply)

    def on_message(self, conn: ConnState, message: str | bytes) -> list[str]:
        """Answer one op like Bybit public spot."""
        try:
            req = orjson.loads(message)
        except orjson.JSONDecodeError:
            return [_dumps({"success": False, "ret_msg": "error:invalid json", "conn_id": conn.conn_id})]
        if not isinstance(req, dict):
            return [_dumps({"success": False, "ret_msg": "error:invalid request", "conn_id": conn.conn_id})]
        op = req.get("op")
        req_id = req.get("req_id")
        if op == "ping":
            return [self._reply(conn, "ping", True, "pong", req_id)]
        if op not in ("subscribe", "unsubscribe"):
            return [self._reply(conn, str(op), False, f"error:op type is not found,op:{op}", req_id)]
        args = req.get("args")
        if not isinstance(args, list) or not args or not all(isinstance(a, str) for a in args):
            return [self._reply(conn, op, False, "error:args must be a non-empty list of topics", req_id)]
        if len(args) > MAX_ARGS:
            return [self._reply(conn, op, False, f"args size >{MAX_ARGS}", req_id)]
        if op == "subscribe":
            for topic in args:
                if not (topic.startswith(TOPIC) and self.pricer.has(topic[len(TOPIC):])):
                    return [self._reply(conn, op, False, f"error:handler not found,topic:{topic}", req_id)]
                if topic in conn.subscriptions:
                    return [self._reply(conn, op, False, f"error:already subscribed,topic:{topic}", req_id)]
            conn.subscriptions.update(args)
        else:
            conn.subscriptions.difference_update(args)
        return [self._reply(conn, op, True, op, req_id)]

    def push_frames(self, conn: ConnState, now_ms: int) -> list[str]:
        """One ticker snapshot per subscribed topic."""
        frames: list[str] = []
        for topic in sorted(conn.subscriptions):
            tick = self.pricer.tick(topic[len(TOPIC):], now_ms)
            if tick is None:
                continue
            pct = (tick.price / tick.prev_price_24h - 1.0) if tick.prev_price_24h else 0.0
            frames.append(
                _dumps(
                    {
                        "topic": topic,
                        "ts": now_ms,
                        "type": "snapshot",
                        "cs": now_ms,
                        "data": {
                            "symbol": tick.symbol,
                            "lastPrice": fmt(tick.price),
                            "highPrice24h": fmt(tick.high_24h),
                            "lowPrice24h": fmt(tick.low_24h),
                            "prevPrice24h": fmt(tick.prev_price_24h),
                            "volume24h": fmt(tick.volume_24h),
                            "turnover24h": fmt(tick.turnover_24h),
                            "price24hPcnt": f"{pct:.4f}",
                        },
                    }
                )
            )
        return frames


async def start_demo_venues(
    model: MarketModel, stack: contextlib.AsyncExitStack, *, premium: float = 0.025, wobble: float = 0.004,
    coin_spread: float = 0.01, coin_wander: float = 0.004,
) -> dict[str, str]:
    """Start a Binance- and a Bybit-shaped simulator on ``model`` for ``main.py --demo``.

    Both are closed by ``stack``. The premium wobbles slowly (period 5 min) so the premium chart has
    something to show; Bybit sits 0.3 points above Binance; each coin has its own premium around that
    (``coin_spread``, about +-1 point) which wanders (``coin_wander``).
    Returns ``{"binance": url, "bybit": url}``.
    """
    binance = BinanceSim(model, ForeignSimConfig(premium=premium, wobble=wobble, coin_spread=coin_spread,
                                                 coin_wander=coin_wander))
    bybit = BybitSim(model, dataclasses.replace(
        BYBIT_DEFAULTS, premium=premium, wobble=wobble, venue_offset=0.003, coin_spread=coin_spread,
        coin_wander=coin_wander))
    await stack.enter_async_context(binance)
    await stack.enter_async_context(bybit)
    return {"binance": binance.url, "bybit": bybit.url}
