"""Async client for Upbit's public quotation REST endpoints (upbit-protocol.md section 9).

Built on the standard library: each request is a blocking ``urllib`` call run in
``asyncio.to_thread``, so the qasync/GUI loop never blocks and no HTTP dependency is added. The
monitor makes a handful of quotation calls (market list at start, a few candle pages per chart
switch), so a keep-alive pool would buy little.

Rate limits: Upbit reports the remaining calls of the current second per group in the
``Remaining-Req`` header (``group=candle; min=1800; sec=29``). Calls of one group are serialised and
wait for the next second once ``sec`` reaches 0. A 429 is retried with backoff (``Retry-After`` when
given); a 418 means the IP is blocked, so the client refuses further calls until the block ends
instead of making it longer.
"""

from __future__ import annotations

import asyncio
import gzip
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import Message
from typing import Any, NamedTuple

import orjson

from upbit_monitor.config import UPBIT_REST
from upbit_monitor.connection.proxy import proxy_for
from upbit_monitor.connection.rest_models import (
    RestTicker,
    parse_candle,
    parse_market,
    parse_orderbook,
    parse_ticker,
    parse_trade_tick,
)
from upbit_monitor.errors import RestError
from upbit_monitor.models import MarketInfo
from upbit_monitor.protocol.events import AssetBalance, Candle, Orderbook, Trade

__all__ = [
    "CANDLE_UNITS",
    "MINUTE_UNITS",
    "PERIOD_UNITS",
    "RemainingReq",
    "RestClient",
    "RestTicker",
    "parse_remaining_req",
]

MINUTE_UNITS: tuple[int, ...] = (1, 3, 5, 10, 15, 30, 60, 240)
PERIOD_UNITS: dict[int, str] = {1440: "days", 10080: "weeks", 43200: "months"}
"""Day+ timeframes in nominal minutes (a month counts as 30 days) -> ``/v1/candles/{path}``.

Their candles start at 00:00 UTC (09:00 KST): days every day, weeks on Mondays, months on the 1st."""
CANDLE_UNITS: tuple[int, ...] = (*MINUTE_UNITS, *PERIOD_UNITS)
MAX_CANDLES_PER_CALL = 200
# Upbit's quotation error bodies are small; a larger error body is not worth keeping.
_ERROR_BODY_LIMIT = 2_000
# Retry delays for 429 when the server does not say how long to wait.
_BACKOFF_429 = (0.25, 0.5, 1.0, 2.0)
_DEFAULT_BLOCK_S = 30.0
# Extra wait after an exhausted second, so clock granularity cannot land us in the same window.
_PACING_MARGIN_S = 0.02
_GROUP_BY_PREFIX = (
    ("/v1/market", "market"),
    ("/v1/candles", "candle"),
    ("/v1/ticker", "ticker"),
    ("/v1/orderbook", "orderbook"),
    ("/v1/trades", "trade"),
)


class RemainingReq(NamedTuple):
    """A parsed ``Remaining-Req`` header; ``min`` is deprecated upstream and ignored."""

    group: str
    sec: int


def parse_remaining_req(value: str | None) -> RemainingReq | None:
    """Parse ``group=candle; min=1800; sec=29``; None when absent or malformed."""
    if not value:
        return None
    fields: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, val = part.strip().partition("=")
        if sep:
            fields[key.strip().lower()] = val.strip()
    try:
        return RemainingReq(fields["group"], int(fields["sec"]))
    except (KeyError, ValueError):
        return None


@dataclass(slots=True)
class _GroupBudget:
    """What the server last said about one rate-limit group."""

    lock: asyncio.Lock
    sec_left: int | None = None
    stamp: float = 0.0  # monotonic time of the response that reported sec_left


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    headers: Message
    body: bytes


def _utc_iso(moment: datetime) -> str:
    """Format for Upbit's ``to`` parameter: ``2025-06-24T04:56:53Z`` (urlencode escapes the colons)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware (UTC) datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def candle_start(candle: Candle) -> datetime:
    """The candle's start as an aware UTC datetime."""
    return datetime.fromisoformat(candle.candle_date_time_utc).replace(tzinfo=UTC)


class RestClient:
    """Upbit quotation REST client. Safe to share; calls of one rate-limit group are serialised.

    ``base_url`` is ``settings.rest_url`` (the simulator serves the same paths on 127.0.0.1).
    Counters ``requests``, ``throttled`` (429 answers) and ``blocked`` (418 answers) are public for
    the status panel and tests.
    """

    def __init__(
        self,
        base_url: str = UPBIT_REST,
        *,
        timeout_s: float = 10.0,
        max_retries: int = len(_BACKOFF_429),
        details_param: str = "is_details",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # The market list's detail switch: Upbit ``is_details``, Bithumb ``isDetails``.
        self.details_param = details_param
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.requests = 0
        self.throttled = 0
        self.blocked = 0
        self._budgets: dict[str, _GroupBudget] = {}
        self._blocked_until = 0.0  # monotonic
        # Explicit opener with an explicit proxy: the rule WebSockets follow too (system proxy
        # settings, never for loopback), decided once for the base URL; no global state touched.
        self.proxy = proxy_for(self.base_url)
        proxies = {"http": self.proxy, "https": self.proxy} if self.proxy else {}
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler(proxies))

    # ---- endpoints -------------------------------------------------------------------------
    async def market_all(self, is_details: bool = True) -> list[MarketInfo]:
        """``GET /v1/market/all``: every listed market with names and warning flags."""
        data = await self._get_json("/v1/market/all", {self.details_param: str(is_details).lower()})
        return [parse_market(item) for item in _as_list(data)]

    async def tickers(self, markets: Sequence[str]) -> list[RestTicker]:
        """``GET /v1/ticker``: current ticker of each market (chunked 100 per call)."""
        out: list[RestTicker] = []
        for chunk in _chunks(markets, 100):
            data = await self._get_json("/v1/ticker", {"markets": ",".join(chunk)})
            out.extend(parse_ticker(item) for item in _as_list(data))
        return out

    async def orderbook(self, markets: Sequence[str], count: int | None = None) -> list[Orderbook]:
        """``GET /v1/orderbook``: a full snapshot per market (``count`` levels, server default 30)."""
        params = {"markets": ",".join(markets)}
        if count is not None:
            params["count"] = str(count)
        data = await self._get_json("/v1/orderbook", params)
        return [parse_orderbook(item) for item in _as_list(data)]

    async def candles_minutes(
        self, market: str, unit: int, to: datetime | None = None, count: int = MAX_CANDLES_PER_CALL
    ) -> list[Candle]:
        """``GET /v1/candles/minutes/{unit}``: up to ``count`` candles starting before ``to``.

        Returned oldest first (the wire order is newest first). ``to`` is exclusive and must be
        timezone-aware; None means "up to now".
        """
        if unit not in MINUTE_UNITS:
            raise ValueError(f"unit must be one of {MINUTE_UNITS}, got {unit}")
        return await self.candles(market, unit, to, count)

    async def trades_ticks(
        self, market: str, count: int = 500, cursor: int | None = None, days_ago: int = 0
    ) -> list[Trade]:
        """``GET /v1/trades/ticks``: one page of recent trades, newest first (``cursor``: the
        ``sequential_id`` to continue below; ``days_ago`` 0..7 selects the UTC day)."""
        params = {"market": market, "count": str(count)}
        if cursor is not None:
            params["cursor"] = str(cursor)
        if days_ago:
            params["days_ago"] = str(days_ago)
        data = await self._get_json("/v1/trades/ticks", params)
        return [parse_trade_tick(item) for item in _as_list(data)]

    async def candles(
        self, market: str, unit: int, to: datetime | None = None, count: int = MAX_CANDLES_PER_CALL
    ) -> list[Candle]:
        """One page of candles of any timeframe in :data:`CANDLE_UNITS` (minutes or day/week/month).

        Day+ candles come from ``/v1/candles/days|weeks|months`` with the same ``market``/``to``/
        ``count`` parameters; they are returned as :class:`Candle` of type ``candle.{unit}m``.
        """
        if unit in PERIOD_UNITS:
            path = f"/v1/candles/{PERIOD_UNITS[unit]}"
        elif unit in MINUTE_UNITS:
            path = f"/v1/candles/minutes/{unit}"
        else:
            raise ValueError(f"unit must be one of {CANDLE_UNITS}, got {unit}")
        if not 1 <= count <= MAX_CANDLES_PER_CALL:
            raise ValueError(f"count must be 1..{MAX_CANDLES_PER_CALL}, got {count}")
        params = {"market": market, "count": str(count)}
        if to is not None:
            params["to"] = _utc_iso(to)
        data = await self._get_json(path, params)
        candles = [parse_candle(item, unit) for item in _as_list(data)]
        candles.sort(key=lambda c: c.candle_date_time_utc)
        return candles

    async def candles_range(
        self, market: str, unit: int, start: datetime, end: datetime, *, max_pages: int = 100
    ) -> list[Candle]:
        """Every candle with ``start <= candle start < end``, oldest first.

        Walks back from ``end`` 200 candles per call, using the oldest start received as the next
        exclusive ``to``. Stops at ``start``, at a short page (no older history) or after
        ``max_pages`` calls (a guard against a server that ignores ``to``).
        """
        found: dict[str, Candle] = {}
        to = end
        for _ in range(max_pages):
            page = await self.candles(market, unit, to=to)
            if not page:
                break
            for candle in page:
                if start <= candle_start(candle) < end:
                    found[candle.candle_date_time_utc] = candle
            oldest = candle_start(page[0])
            if oldest <= start or len(page) < MAX_CANDLES_PER_CALL or oldest >= to:
                break
            to = oldest
        return [found[key] for key in sorted(found)]

    # ---- transport -------------------------------------------------------------------------
    async def accounts(self, authorization: str) -> list[AssetBalance]:
        """``GET /v1/accounts`` (exchange API): every balance of the account behind the JWT.

        ``authorization`` is the full header value (``"Bearer <jwt>"``, a fresh token per call: no
        query, so no ``query_hash``). Added for the private feed's initial balances (myAsset only
        reports changes). The header never appears in errors or logs.
        """
        data = await self._get_json("/v1/accounts", {}, headers={"Authorization": authorization})
        try:
            return [
                AssetBalance(
                    str(item["currency"]), Decimal(str(item["balance"])), Decimal(str(item["locked"]))
                )
                for item in _as_list(data)
            ]
        except (KeyError, TypeError, ArithmeticError) as exc:
            raise RestError(f"REST /v1/accounts: unexpected item shape ({type(exc).__name__})") from exc

    async def _get_json(
        self, path: str, params: dict[str, str], headers: dict[str, str] | None = None
    ) -> Any:
        group = _group_of(path)
        budget = self._budgets.setdefault(group, _GroupBudget(asyncio.Lock()))
        query = urllib.parse.urlencode(params)
        url = f"{self.base_url}{path}?{query}" if query else f"{self.base_url}{path}"
        async with budget.lock:
            for attempt in range(self.max_retries + 1):
                self._check_blocked()
                await self._wait_for_budget(budget)
                response = await asyncio.to_thread(self._fetch, url, headers)
                self.requests += 1
                self._note_budget(response, budget)
                if response.status == 200:
                    return _decode(response.body)
                if response.status == 429 and attempt < self.max_retries:
                    self.throttled += 1
                    delay = _retry_after(response.headers)
                    await asyncio.sleep(
                        delay if delay is not None else _BACKOFF_429[min(attempt, len(_BACKOFF_429) - 1)]
                    )
                    continue
                if response.status == 418:
                    self.blocked += 1
                    block = _retry_after(response.headers) or _DEFAULT_BLOCK_S
                    self._blocked_until = time.monotonic() + block
                raise _error_from(response, path)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _check_blocked(self) -> None:
        left = self._blocked_until - time.monotonic()
        if left > 0:
            raise RestError(f"REST blocked by the exchange (418) for {left:.0f} more s", status=418)

    async def _wait_for_budget(self, budget: _GroupBudget) -> None:
        # sec_left counts calls left in the server's current second; 0 means wait for the next one.
        if budget.sec_left is not None and budget.sec_left <= 0:
            target = budget.stamp + 1.0 + _PACING_MARGIN_S
            # Loop: qasync sleeps on coarse Qt timers (ms-truncated, may fire a little early).
            for _ in range(5):
                wait = target - time.monotonic()
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            budget.sec_left = None

    def _note_budget(self, response: _Response, budget: _GroupBudget) -> None:
        parsed = parse_remaining_req(response.headers.get("Remaining-Req"))
        if parsed is not None:
            budget.sec_left = parsed.sec
            budget.stamp = time.monotonic()

    def _fetch(self, url: str, extra_headers: dict[str, str] | None = None) -> _Response:
        """Blocking GET (runs on a worker thread). HTTP errors are returned, network errors raised."""
        request = urllib.request.Request(
            url,
            headers={
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
                "User-Agent": "upbit-monitor/0.1",
                **(extra_headers or {}),
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout_s) as resp:
                return _Response(resp.status, resp.headers, _read_body(resp.headers, resp.read()))
        except urllib.error.HTTPError as exc:
            body = exc.read()[:_ERROR_BODY_LIMIT] if exc.fp is not None else b""
            exc.close()
            return _Response(exc.code, exc.headers, _read_body(exc.headers, body))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RestError(f"REST request failed: {reason}") from exc


def _read_body(headers: Message, body: bytes) -> bytes:
    if headers.get("Content-Encoding", "").lower() == "gzip":
        try:
            return gzip.decompress(body)
        except (OSError, EOFError) as exc:
            raise RestError("REST response: corrupt gzip body") from exc
    return body


def _decode(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RestError(f"REST response is not JSON: {body[:80]!r}") from exc


def _error_from(response: _Response, path: str) -> RestError:
    """Map an HTTP error answer to RestError, keeping Upbit's ``error.name``/``message``."""
    name: str | None = None
    message = ""
    try:
        payload = orjson.loads(response.body)
        error = payload.get("error") if isinstance(payload, dict) else None
        if isinstance(error, dict):
            name = None if error.get("name") is None else str(error.get("name"))
            message = str(error.get("message") or "")
    except orjson.JSONDecodeError:
        message = response.body[:120].decode("utf-8", "replace")
    text = f"REST {path} -> HTTP {response.status}"
    if message:
        text += f": {message}"
    return RestError(text, status=response.status, name=name)


def _retry_after(headers: Message) -> float | None:
    """The wait a 429/418 asks for: ``retry-after-ms`` (precise) else ``Retry-After`` (seconds)."""
    for name, scale in (("retry-after-ms", 0.001), ("Retry-After", 1.0)):
        raw = headers.get(name)
        try:
            if raw:
                return max(0.0, float(raw) * scale)
        except ValueError:
            continue  # an HTTP-date or junk: try the other header, else the client's own backoff
    return None


def _group_of(path: str) -> str:
    for prefix, group in _GROUP_BY_PREFIX:
        if path.startswith(prefix):
            return group
    return "default"


def _as_list(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise RestError(f"REST response: expected a JSON array of objects, got {type(data).__name__}")
    return data


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def floor_time(moment: datetime, unit: int) -> datetime:
    """Floor an aware datetime to the start of its ``unit``-minute candle (UTC-aligned, like Upbit)."""
    epoch = int(moment.timestamp())
    step = unit * 60
    return datetime.fromtimestamp(epoch - epoch % step, UTC)


def range_for_count(unit: int, count: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    """``[start, end)`` covering the last ``count`` candles including the in-progress one."""
    end = floor_time(now or datetime.now(UTC), unit) + timedelta(minutes=unit)
    return end - timedelta(minutes=unit * count), end
