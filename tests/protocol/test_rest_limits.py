"""The REST rate-limit groups shared by the client's HTTP layer and the simulator."""

from __future__ import annotations

import pytest

from upbit_monitor.protocol.rest_limits import rest_group


@pytest.mark.parametrize(
    ("path", "group"),
    [
        ("/v1/market/all", "market"),
        ("/v1/candles/minutes/1", "candle"),
        ("/v1/candles/days", "candle"),
        ("/v1/ticker", "ticker"),
        ("/v1/orderbook", "orderbook"),
        ("/v1/trades/ticks", "trade"),
        ("/v1/accounts", "default"),
        ("/v1/orders", "default"),
    ],
)
def test_rest_group_follows_upbit_grouping(path: str, group: str) -> None:
    assert rest_group(path) == group
