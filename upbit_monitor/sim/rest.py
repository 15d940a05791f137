"""The quotation REST API a monitor needs (upbit-protocol.md sections 6 and 9), on plain asyncio.

Endpoints: ``/v1/market/all`` (``is_details``), ``/v1/ticker`` (``markets``), ``/v1/ticker/all``
(``quote_currencies``), ``/v1/candles/minutes/{unit}`` and ``/v1/candles/seconds`` (``market``,
``to`` exclusive, ``count`` <= 200, newest first), ``/v1/orderbook`` (``markets``, ``level``,
``count``) and ``/v1/orderbook/instruments``; plus ``/v1/accounts`` (JWT) for the simulated
account. Every response carries ``Remaining-Req``; past the per-group rate the answer is 429, and a
client that keeps going after many 429s is blocked with 418 for a while (``rest_limits``).
Errors use numeric names: ``{"error":{"name":404,"message":"Code not found"}}``.
HTTP/1.1 keep-alive and gzip (``Accept-Encoding: gzip``) come from ``http_server``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec
import orjson

from upbit_monitor.protocol.rest_limits import rest_group
from upbit_monitor.protocol.ticks import tick_for
from upbit_monitor.protocol.trade_candles import KST_OFFSET_MS
from upbit_monitor.sim import rest_candles
from upbit_monitor.sim.account import Account
from upbit_monitor.sim.builders import ticker_event
from upbit_monitor.sim.candles import REST_MINUTE_UNITS, CandleBar
from upbit_monitor.sim.catalog import SimMarket
from upbit_monitor.sim.config import SimConfig
from upbit_monitor.sim.http_server import HttpError, JsonHttpServer
from upbit_monitor.sim.jwt_check import JwtVerifier
from upbit_monitor.sim.market import MarketModel
from upbit_monitor.sim.rest_limits import RestLimits

MAX_COUNT = 200
_INVALID = "Invalid parameter. Check the given value!"


@dataclass(slots=True)
class RestRecord:
    """One REST request as received (tests inspect these)."""

    method: str
    path: str
    query: str
    status: int
    group: str
    at: float


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


class RestServer(JsonHttpServer):
    """Serves the REST endpoints from the shared market model."""

    def __init__(
        self, model: MarketModel, config: SimConfig, *, verifier: JwtVerifier | None = None,
        account: Account | None = None,
    ) -> None:
        super().__init__(config)
        self.model = model
        self.verifier = verifier
        self.account = account
        self.records: list[RestRecord] = []
        self.limits = RestLimits(config)

    def handle(self, method: str, target: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Answer one request: (status, extra headers, body)."""
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        group = "origin" if "origin" in headers else rest_group(path)
        now = time.monotonic()
        extra: dict[str, str] = {}
        try:
            if method != "GET":
                raise HttpError(405, "Method Not Allowed")
            self.limits.admit(group, now, extra)
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
                item.update(self._market_details(m))
            out.append(item)
        return out

    @staticmethod
    def _market_details(m: SimMarket) -> dict[str, object]:
        """What ``is_details=true`` adds to a market (Upbit: a nested ``market_event``)."""
        return {
            "market_event": {
                "warning": m.warning,
                "caution": {
                    "PRICE_FLUCTUATIONS": False, "TRADING_VOLUME_SOARING": False,
                    "DEPOSIT_AMOUNT_SOARING": False, "GLOBAL_PRICE_DIFFERENCES": False,
                    "CONCENTRATION_OF_SMALL_ACCOUNTS": False,
                },
            },
        }

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
