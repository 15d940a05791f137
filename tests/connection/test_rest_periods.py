"""Day/week/month candles: RestClient paths and paging, and the history loader's REST-only path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest
import pytest_asyncio

from tests.connection.test_rest import FakeUpbit, Reply
from tests.ui.chart.support import make_candle
from upbit_monitor.connection.rest import RestClient
from upbit_monitor.features.history.loader import HistoryLoader

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _days(count: int) -> list:
    first = datetime(2026, 11, 23, tzinfo=UTC) - timedelta(days=count - 1)
    return [make_candle("KRW-BTC", 1440, first + timedelta(days=i), 100 + i, 110 + i, 90 + i, 105 + i, 5.0)
            for i in range(count)]


class FakePeriods(FakeUpbit):
    """Serves /v1/candles/days|weeks|months from one series (paged like Upbit: newest first)."""

    def __init__(self) -> None:
        super().__init__()
        self.days = _days(450)

    def _route(self, path: str, q: dict[str, str]) -> Reply:
        if path in ("/v1/candles/days", "/v1/candles/weeks", "/v1/candles/months", "/v1/candles/years"):
            to = datetime.fromisoformat(q["to"].replace("Z", "+00:00")) if "to" in q else NOW
            older = [c for c in self.days if c.candle_date_time_utc < to.strftime("%Y-%m-%dT%H:%M:%S")]
            page = older[-int(q.get("count", "1")):][::-1]
            return 200, {}, orjson.dumps([
                {"market": c.code, "candle_date_time_utc": c.candle_date_time_utc,
                 "candle_date_time_kst": c.candle_date_time_kst, "opening_price": c.opening_price,
                 "high_price": c.high_price, "low_price": c.low_price, "trade_price": c.trade_price,
                 "timestamp": c.timestamp, "candle_acc_trade_price": c.candle_acc_trade_price,
                 "candle_acc_trade_volume": c.candle_acc_trade_volume, "prev_closing_price": 1.0,
                 "change_price": 1.0, "change_rate": 0.01}
                for c in page
            ])
        return super()._route(path, q)


@pytest_asyncio.fixture
async def periods():
    server = FakePeriods()
    await server.start()
    yield server
    await server.stop()


@pytest.mark.asyncio
@pytest.mark.parametrize(("unit", "path"), [(1440, "days"), (10080, "weeks"), (43200, "months"),
                                            (525600, "years")])
async def test_each_period_has_its_own_path(periods, unit, path):
    client = RestClient(periods.url, timeout_s=5)
    page = await client.candles("KRW-BTC", unit, count=3)
    assert [p for _, p, _ in periods.requests] == [f"/v1/candles/{path}"]
    assert [c.candle_date_time_utc for c in page] == [c.candle_date_time_utc for c in periods.days[-3:]]
    assert page[0].type == f"candle.{unit}m"


@pytest.mark.asyncio
async def test_day_candles_page_back_over_rest(periods):
    client = RestClient(periods.url, timeout_s=5)
    got = await client.candles_range("KRW-BTC", 1440, NOW - timedelta(days=300), NOW)
    assert len(got) == 300 and got[-1].candle_date_time_utc == "2026-11-23T00:00:00"
    assert len([p for _, p, _ in periods.requests]) == 2  # 200 + 100


@pytest.mark.asyncio
async def test_history_of_day_candles_skips_the_database(periods):
    class ExplodingStore:
        async def load_candles(self, *a):
            raise AssertionError("day candles must not be read from the store")

        missing_ranges = save_candles = load_candles

    loader = HistoryLoader(RestClient(periods.url, timeout_s=5), ExplodingStore(), clock=lambda: NOW)
    result = await loader.load("KRW-BTC", 1440, 120)
    assert result.rest_error is None and result.db_error is None
    assert len(result.candles) == 120 and result.fetched == 120


@pytest.mark.asyncio
async def test_an_unknown_unit_is_refused(periods):
    with pytest.raises(ValueError, match="unit must be one of"):
        await RestClient(periods.url, timeout_s=5).candles("KRW-BTC", 7)
