"""Async client for Upbit's public quotation REST endpoints (upbit-protocol.md section 9).

The endpoints and their parsing live here; the HTTP layer (threads, proxy, per-group pacing by
``Remaining-Req``, 429 retries, the 418 block) is :class:`~upbit_monitor.connection.rest_http.PacedHttp`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from upbit_monitor.config import UPBIT_REST
from upbit_monitor.connection.rest_http import BACKOFF_429, PacedHttp
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
from upbit_monitor.protocol.rest_limits import RemainingReq, parse_remaining_req

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
PERIOD_UNITS: dict[int, str] = {1440: "days", 10080: "weeks", 43200: "months", 525600: "years"}
"""Day+ timeframes in nominal minutes (a month counts as 30 days, a year 365) -> ``/v1/candles/{path}``.

Their candles start at 00:00 UTC (09:00 KST): days every day, weeks on Mondays, months on the 1st,
years on January 1st."""
CANDLE_UNITS: tuple[int, ...] = (*MINUTE_UNITS, *PERIOD_UNITS)
MAX_CANDLES_PER_CALL = 200


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
        max_retries: int = len(BACKOFF_429),
        details_param: str = "is_details",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # The market list's detail switch: Upbit ``is_details``, Bithumb ``isDetails``.
        self.details_param = details_param
        self._http = PacedHttp(self.base_url, timeout_s=timeout_s, max_retries=max_retries)

    @property
    def requests(self) -> int:
        """HTTP requests made (retries included)."""
        return self._http.requests

    @property
    def throttled(self) -> int:
        """429 answers received."""
        return self._http.throttled

    @property
    def blocked(self) -> int:
        """418 answers received."""
        return self._http.blocked

    @property
    def proxy(self) -> str | None:
        """The proxy the calls go through (None: direct)."""
        return self._http.proxy

    async def _get_items(
        self, path: str, params: dict[str, str], headers: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """``GET path``: the JSON array of objects every endpoint here answers with."""
        return _as_list(await self._http.get_json(path, params, headers))

    # ---- endpoints -------------------------------------------------------------------------
    async def market_all(self, is_details: bool = True) -> list[MarketInfo]:
        """``GET /v1/market/all``: every listed market with names and warning flags."""
        items = await self._get_items("/v1/market/all", {self.details_param: str(is_details).lower()})
        return [parse_market(item) for item in items]

    async def tickers(self, markets: Sequence[str]) -> list[RestTicker]:
        """``GET /v1/ticker``: current ticker of each market (chunked 100 per call)."""
        out: list[RestTicker] = []
        for chunk in _chunks(markets, 100):
            items = await self._get_items("/v1/ticker", {"markets": ",".join(chunk)})
            out.extend(parse_ticker(item) for item in items)
        return out

    async def orderbook(self, markets: Sequence[str], count: int | None = None) -> list[Orderbook]:
        """``GET /v1/orderbook``: a full snapshot per market (``count`` levels, server default 30)."""
        items = await self._get_items("/v1/orderbook", _query(markets=",".join(markets), count=count))
        return [parse_orderbook(item) for item in items]

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
        params = _query(market=market, count=count, cursor=cursor, days_ago=days_ago or None)
        return [parse_trade_tick(item) for item in await self._get_items("/v1/trades/ticks", params)]

    async def candles(
        self, market: str, unit: int, to: datetime | None = None, count: int = MAX_CANDLES_PER_CALL
    ) -> list[Candle]:
        """One page of candles of any timeframe in :data:`CANDLE_UNITS` (minutes or day/week/month).

        Day+ candles come from ``/v1/candles/days|weeks|months|years`` with the same ``market``/``to``/
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
        params = _query(market=market, count=count, to=None if to is None else _utc_iso(to))
        candles = [parse_candle(item, unit) for item in await self._get_items(path, params)]
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

    # ---- exchange API ----------------------------------------------------------------------
    async def accounts(self, authorization: str) -> list[AssetBalance]:
        """``GET /v1/accounts`` (exchange API): every balance of the account behind the JWT.

        ``authorization`` is the full header value (``"Bearer <jwt>"``, a fresh token per call: no
        query, so no ``query_hash``). Added for the private feed's initial balances (myAsset only
        reports changes). The header never appears in errors or logs.
        """
        items = await self._get_items("/v1/accounts", {}, headers={"Authorization": authorization})
        try:
            return [
                AssetBalance(
                    str(item["currency"]), Decimal(str(item["balance"])), Decimal(str(item["locked"]))
                )
                for item in items
            ]
        except (KeyError, TypeError, ArithmeticError) as exc:
            raise RestError(f"REST /v1/accounts: unexpected item shape ({type(exc).__name__})") from exc


def _query(**values: object) -> dict[str, str]:
    """Query parameters as text, in the order given; None means "not sent"."""
    return {key: str(value) for key, value in values.items() if value is not None}


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
