"""The quotation REST API a monitor needs (upbit-protocol.md sections 6 and 9), on plain asyncio.

Endpoints: ``/v1/market/all`` (``is_details``), ``/v1/ticker`` (``markets``), ``/v1/ticker/all``
(``quote_currencies``), ``/v1/candles/minutes/{unit}`` and ``/v1/candles/seconds`` (``market``,
``to`` exclusive, ``count`` <= 200, newest first), ``/v1/orderbook`` (``markets``, ``level``,
``count``) and ``/v1/orderbook/instruments``; plus ``/v1/accounts`` (JWT) for the simulated
account. Every response carries ``Remaining-Req: group=<group>; min=1800; sec=<left>``; past
10 requests per second in a group the answer is 429, and a client that keeps going after many
429s is blocked with 418 for a while.
Errors use numeric names: ``{"error":{"name":404,"message":"Code not found"}}``.
HTTP/1.1 keep-alive and gzip (``Accept-Encoding: gzip``) are supported.
"""

from __future__ import annotations

import asyncio
import gzip
import math
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec
import orjson

from upbit_monitor.protocol.ticks import tick_for
from upbit_monitor.sim import rest_candles
from upbit_monitor.sim.account import Account
from upbit_monitor.sim.builders import KST_OFFSET_MS, ticker_event
from upbit_monitor.sim.candles import REST_MINUTE_UNITS, CandleBar
from upbit_monitor.sim.config import SimConfig
from upbit_monitor.sim.jwt_check import JwtVerifier
from upbit_monitor.sim.market import MarketModel

MAX_COUNT = 200
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
            418: "I'm a teapot", 429: "Too Many Requests"}
_INVALID = "Invalid parameter. Check the given value!"


class HttpError(Exception):
    """An error response (status + Upbit-style numeric error body)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(slots=True)
class RestRecord:
    """One REST request as received (tests inspect these)."""

    method: str
    path: str
    query: str
    status: int
    group: str
    at: float


def _retry_headers(extra: dict[str, str], wait_s: float) -> None:
    # Retry-After is whole seconds (RFC 9110), rounded up so a client never comes back early;
    # retry-after-ms carries the precise wait.
    extra["Retry-After"] = str(max(1, math.ceil(wait_s)))
    extra["retry-after-ms"] = str(max(1, math.ceil(wait_s * 1000)))


def plain_decimal(value: float) -> str:
    """``value`` as a decimal string without exponent or trailing zeros (``1e6`` -> ``"1000000"``)."""
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _gm(ts_ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts_ms // 1000))


def parse_to(value: str) -> int:
    """Parse Upbit's ``to``: ISO 8601 with Z/offset, or naive (UTC), ``T`` or space. Returns ms."""
    text = value.strip().replace(" ", "T")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise HttpError(400, _INVALID) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


class RestServer:
    """Serves the REST endpoints from the shared market model."""

    def __init__(
        self, model: MarketModel, config: SimConfig, *, verifier: JwtVerifier | None = None,
        account: Account | None = None,
    ) -> None:
        self.model = model
        self.config = config
        self.verifier = verifier
        self.account = account
        self.records: list[RestRecord] = []
        self._windows: dict[str, deque[float]] = {}
        self._429s: deque[float] = deque()
        self._banned_until = 0.0
        self._ban_s = config.rest_ban_s
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self, port: int = 0) -> int:
        """Listen on ``config.host:port``; returns the bound port."""
        self._server = await asyncio.start_server(self._serve, self.config.host, port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Stop listening and drop open keep-alive connections; returns once their sockets are closed.

        ``writer.close()`` would wait for the client to read what is buffered, and the socket is only
        closed on a later loop iteration: a loop stopped right after ``stop()`` (a test, app exit)
        then leaks the server-side socket (ResourceWarning) and a pending ``_serve`` task. So the
        transports are aborted and their handlers awaited here.
        """
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            tasks = list(self._tasks)
            if tasks:
                _, pending = await asyncio.wait(tasks, timeout=1.0)
                for task in pending:  # cannot happen after abort(); never leave one behind anyway
                    task.cancel()
                if pending:
                    await asyncio.wait(pending)
            await self._server.wait_closed()
            self._server = None

    # -- HTTP ------------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, version = [*lines[0].split(" "), "", "", ""][:3]
                headers = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(length)
                status, extra, body = self.handle(method, target, headers)
                if "gzip" in headers.get("accept-encoding", "") and len(body) > 256:
                    body = gzip.compress(body, compresslevel=5)
                    extra["Content-Encoding"] = "gzip"
                keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
                out = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
                       "Content-Type: application/json; charset=utf-8",
                       f"Content-Length: {len(body)}",
                       f"Connection: {'keep-alive' if keep else 'close'}"]
                out.extend(f"{k}: {v}" for k, v in extra.items())
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
                await writer.drain()
                if not keep:
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    def handle(self, method: str, target: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Answer one request: (status, extra headers, body)."""
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        group = self._group(path)
        if "origin" in headers:
            group = "origin"
        now = time.monotonic()
        extra: dict[str, str] = {}
        try:
            if method != "GET":
                raise HttpError(405, "Method Not Allowed")
            if now < self._banned_until:
                _retry_headers(extra, self._banned_until - now)
                raise HttpError(418, f"Blocked for {self._banned_until - now:.1f}s after repeated 429s")
            left = self._take(group, now)
            extra["Remaining-Req"] = f"group={group}; min=1800; sec={max(left, 0)}"
            if left < 0:
                self._note_429(now)
                # protocol-2026.md [SDK]: 429 carries Retry-After (and retry-after-ms).
                _retry_headers(extra, self._window_wait(group, now))
                raise HttpError(429, "Too many API requests.")
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            if path == "/v1/accounts":
                status, payload = self._accounts(headers.get("authorization"))
            else:
                status, payload = 200, self._route(path, query)
        except HttpError as exc:
            status = exc.status
            payload = {"error": {"name": exc.status, "message": exc.message}}
        self.records.append(RestRecord(method, path, parts.query, status, group, now))
        return status, extra, orjson.dumps(payload)

    # -- rate limits -----------------------------------------------------------------------------
    @staticmethod
    def _group(path: str) -> str:
        if path.startswith("/v1/market"):
            return "market"
        if path.startswith("/v1/candles"):
            return "candle"
        if path.startswith("/v1/orderbook"):
            return "orderbook"
        if path.startswith("/v1/trades"):
            return "trade"
        if path.startswith("/v1/ticker"):
            return "ticker"
        if path.startswith("/v1/accounts"):
            return "default"
        return "default"

    def _take(self, group: str, now: float) -> int:
        """Count one request in ``group``; returns calls left this second (-1 = over the limit)."""
        limit = 1 if group == "origin" else self.config.rest_rate_per_s
        if group == "default" and limit:
            limit = 30  # exchange API default group: 30/s
        span = 10.0 if group == "origin" else 1.0
        if not limit:
            return 9
        window = self._windows.setdefault(group, deque())
        while window and now - window[0] >= span:
            window.popleft()
        if len(window) >= limit:
            return -1
        window.append(now)
        return limit - len(window)

    def _window_wait(self, group: str, now: float) -> float:
        """Seconds until the oldest call of ``group``'s window leaves it (a slot frees up)."""
        window = self._windows.get(group)
        span = 10.0 if group == "origin" else 1.0
        return max(window[0] + span - now, 0.0) if window else 0.0

    def _note_429(self, now: float) -> None:
        window = self._429s
        window.append(now)
        while window and now - window[0] >= 10.0:
            window.popleft()
        if len(window) >= self.config.rest_ban_after:
            # Repeat offences get longer blocks, like Upbit's escalating 418.
            self._banned_until = now + self._ban_s
            self._ban_s *= 2
            window.clear()

    # -- endpoints -------------------------------------------------------------------------------
    def _accounts(self, authorization: str | None) -> tuple[int, object]:
        """``GET /v1/accounts`` (exchange API, JWT): the simulated account's balances."""
        if self.verifier is None or self.account is None:
            raise HttpError(404, "Not Found")
        auth = self.verifier.verify(authorization)
        if not auth.ok:
            # Exchange API errors use string names, unlike quotation errors.
            return 401, {"error": {"name": "jwt_verification", "message": "잘못된 엑세스 키입니다."}}
        return 200, [
            {"currency": cur, "balance": format(bal, "f"), "locked": format(locked, "f"),
             "avg_buy_price": "0", "avg_buy_price_modified": False, "unit_currency": "KRW"}
            for cur, (bal, locked) in self.account.balances().items()
        ]

    def _route(self, path: str, q: dict[str, str]) -> object:
        if path == "/v1/market/all":
            return self._market_all(q.get("is_details", "false").lower() == "true")
        if path == "/v1/ticker":
            return [self._ticker(c) for c in self._markets(q.get("markets"))]
        if path == "/v1/ticker/all":
            quotes = [s.strip() for s in q.get("quote_currencies", "").split(",") if s.strip()]
            if not quotes:
                raise HttpError(400, _INVALID)
            return [self._ticker(c) for quote in quotes for c in self.model.codes(quote)]
        if path == "/v1/orderbook":
            return self._orderbooks(q)
        if path == "/v1/orderbook/instruments":
            return [self._instrument(c) for c in self._markets(q.get("markets"))]
        try:
            extra = rest_candles.route(self.model, path, q, parse_to)
        except rest_candles.BadParam:
            raise HttpError(400, _INVALID) from None
        except KeyError:
            raise HttpError(404, "Code not found") from None
        if extra is not None:
            return extra
        if path == "/v1/candles/seconds":
            return self._candles(q, "candle.1s", None)
        prefix = "/v1/candles/minutes/"
        if path.startswith(prefix):
            unit_text = unquote(path[len(prefix):])
            if not unit_text.isdigit() or int(unit_text) not in REST_MINUTE_UNITS:
                raise HttpError(400, _INVALID)
            unit = int(unit_text)
            return self._candles(q, f"candle.{unit}m", unit)
        raise HttpError(404, "Not Found")

    def _markets(self, raw: str | None) -> list[str]:
        codes = [c.strip() for c in (raw or "").split(",") if c.strip()]
        if not codes:
            raise HttpError(400, _INVALID)
        if not all(self.model.has(c) for c in codes):
            raise HttpError(404, "Code not found")
        return codes

    def _market_all(self, details: bool) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for m in self.model.markets:
            item: dict[str, object] = {"market": m.code, "korean_name": m.korean_name,
                                       "english_name": m.english_name}
            if details:
                item["market_event"] = {
                    "warning": m.warning,
                    "caution": {
                        "PRICE_FLUCTUATIONS": False, "TRADING_VOLUME_SOARING": False,
                        "DEPOSIT_AMOUNT_SOARING": False, "GLOBAL_PRICE_DIFFERENCES": False,
                        "CONCENTRATION_OF_SMALL_ACCOUNTS": False,
                    },
                }
            out.append(item)
        return out

    def _ticker(self, code: str) -> dict[str, object]:
        now_ms = int(time.time() * 1000)
        t = ticker_event(self.model.state(code), "SNAPSHOT", now_ms)
        kst = time.gmtime((t.trade_timestamp + KST_OFFSET_MS) // 1000)
        return {
            "market": code, "trade_date": t.trade_date, "trade_time": t.trade_time,
            "trade_date_kst": time.strftime("%Y%m%d", kst), "trade_time_kst": time.strftime("%H%M%S", kst),
            "trade_timestamp": t.trade_timestamp, "opening_price": t.opening_price,
            "high_price": t.high_price, "low_price": t.low_price, "trade_price": t.trade_price,
            "prev_closing_price": t.prev_closing_price, "change": t.change, "change_price": t.change_price,
            "change_rate": t.change_rate, "signed_change_price": t.signed_change_price,
            "signed_change_rate": t.signed_change_rate, "trade_volume": t.trade_volume,
            "acc_trade_price": t.acc_trade_price, "acc_trade_price_24h": t.acc_trade_price_24h,
            "acc_trade_volume": t.acc_trade_volume, "acc_trade_volume_24h": t.acc_trade_volume_24h,
            "highest_52_week_price": t.highest_52_week_price, "highest_52_week_date": t.highest_52_week_date,
            "lowest_52_week_price": t.lowest_52_week_price, "lowest_52_week_date": t.lowest_52_week_date,
            "timestamp": now_ms,
        }

    def _orderbooks(self, q: dict[str, str]) -> list[dict[str, object]]:
        codes = self._markets(q.get("markets"))
        try:
            level = float(q.get("level", "0") or 0)
            count = int(q.get("count", "30") or 30)
        except ValueError:
            raise HttpError(400, _INVALID) from None
        if level < 0 or not 1 <= count <= 30:
            raise HttpError(400, _INVALID)
        now_ms = int(time.time() * 1000)
        out: list[dict[str, object]] = []
        for code in codes:
            book = self.model.state(code).book
            if level and level not in book.supported_levels():
                continue  # unsupported level: that market is simply absent (empty array)
            units = book.aggregated(level, count) if level else book.units(count)
            out.append({
                "market": code, "timestamp": now_ms,
                "total_ask_size": round(sum(u.ask_size for u in units), 8),
                "total_bid_size": round(sum(u.bid_size for u in units), 8),
                "orderbook_units": [msgspec.structs.asdict(u) for u in units],
                "level": int(level) if level == int(level) else level,
            })
        return out

    def _instrument(self, code: str) -> dict[str, object]:
        book = self.model.state(code).book
        tick = tick_for(code, book.best_bid)
        # Plain decimal strings ("1000000", "0.001"): ``:g`` gave "1e+06" (protocol-2026.md).
        return {"market": code, "quote_currency": code.partition("-")[0], "tick_size": plain_decimal(tick),
                "supported_levels": [plain_decimal(lv) for lv in book.supported_levels()]}

    def _candles(self, q: dict[str, str], ctype: str, unit: int | None) -> list[dict[str, object]]:
        market = q.get("market", "")
        if not market:
            raise HttpError(400, _INVALID)
        if not self.model.has(market):
            raise HttpError(404, "Code not found")
        try:
            count = int(q.get("count", "1") or 1)
        except ValueError:
            raise HttpError(400, _INVALID) from None
        if not 1 <= count <= MAX_COUNT:
            raise HttpError(400, _INVALID)
        to_ms = parse_to(q["to"]) if q.get("to") else int(time.time() * 1000) + 1
        bars = self.model.series(market, ctype).before(to_ms, count)
        return [self._candle_json(market, bar, unit) for bar in bars]

    @staticmethod
    def _candle_json(market: str, bar: CandleBar, unit: int | None) -> dict[str, object]:
        item: dict[str, object] = {
            "market": market,
            "candle_date_time_utc": _gm(bar.start_ms),
            "candle_date_time_kst": _gm(bar.start_ms + KST_OFFSET_MS),
            "opening_price": bar.open, "high_price": bar.high, "low_price": bar.low,
            "trade_price": bar.close, "timestamp": bar.last_ms,
            "candle_acc_trade_price": round(bar.notional, 8),
            "candle_acc_trade_volume": round(bar.volume, 8),
        }
        if unit is not None:
            item["unit"] = unit
        return item
