"""Bithumb v2 myOrder -> Upbit's MyOrder and the standard order states (protocol-2026.md field list)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from msgspec.structs import replace

from upbit_monitor.errors import ParseError
from upbit_monitor.exchanges.base import CredentialsProvider
from upbit_monitor.exchanges.bithumb import BithumbPrivateConnector
from upbit_monitor.exchanges.order_state import OrderState, map_upbit_state
from upbit_monitor.protocol.bithumb_v2 import V2_RENAMES, normalize_my_order, to_v2
from upbit_monitor.protocol.events import MyAsset, MyOrder, UnknownMessage

# The documented v2 names (and SIMPLE short forms) of the renamed fields, copied from the doc.
DOCUMENTED = {
    "order_id": "oid", "trade_id": "tid", "canceling_order_id": None, "side": "sd",
    "order_price": "op", "trade_price": "tp", "order_quantity": "oq", "trade_quantity": "tq",
    "remaining_quantity": None, "executed_quantity": None, "executed_amount": None,
    "order_amount": None, "trade_amount": None,
}


def wait_order(**over: object) -> dict[str, object]:
    obj: dict[str, object] = {
        "type": "myOrder", "code": "KRW-BTC", "order_id": "o-1", "side": "buy", "order_type": "limit",
        "state": "wait", "trade_id": None, "order_price": Decimal("100000000"), "trade_price": None,
        "avg_price": Decimal("0"), "order_quantity": Decimal("0.01"), "trade_quantity": None,
        "remaining_quantity": Decimal("0.01"), "executed_quantity": Decimal("0"),
        "reserved_fee": Decimal("2500"), "remaining_fee": Decimal("2500"), "paid_fee": Decimal("0"),
        "locked": Decimal("1002500"), "executed_amount": Decimal("0"), "order_amount": None,
        "trade_amount": None, "time_in_force": None, "trade_fee": None, "is_maker": None,
        "identifier": None, "trade_timestamp": None, "order_timestamp": 1_764_867_600_000,
        "timestamp": 1_764_867_600_001, "stream_type": "REALTIME",
    }
    obj.update(over)
    return obj


def test_every_documented_rename_is_read() -> None:
    for name, short in DOCUMENTED.items():
        assert V2_RENAMES[name][0] == name
        if short is not None:
            assert short in V2_RENAMES[name]


def test_resting_buy_maps_to_upbit_names_and_open_state() -> None:
    o = normalize_my_order(wait_order(), 7)
    assert isinstance(o, MyOrder)
    assert (o.uuid, o.ask_bid, o.order_type, o.state, o.code) == ("o-1", "BID", "limit", "wait", "KRW-BTC")
    assert o.price == Decimal("100000000") and o.volume == Decimal("0.01")
    assert o.remaining_volume == Decimal("0.01") and o.executed_volume == Decimal("0")
    assert o.executed_funds == Decimal("0") and o.epoch == 7 and o.timestamp == 1_764_867_600_001
    assert map_upbit_state(o.state, executed_volume=o.executed_volume,
                           remaining_volume=o.remaining_volume) is OrderState.OPEN


def test_fill_message_takes_trade_price_and_quantity() -> None:
    o = normalize_my_order(wait_order(
        state="trade", side="sell", trade_id="t-9", trade_price=Decimal("99000000"),
        trade_quantity=Decimal("0.004"), remaining_quantity=Decimal("0.006"),
        executed_quantity=Decimal("0.004"), executed_amount=Decimal("396000"), is_maker=True,
        trade_timestamp=1_764_867_601_000))
    assert (o.ask_bid, o.trade_uuid, o.price, o.volume) == ("ASK", "t-9", Decimal("99000000"),
                                                           Decimal("0.004"))
    assert o.executed_funds == Decimal("396000") and o.is_maker is True
    assert map_upbit_state(o.state, executed_volume=o.executed_volume,
                           remaining_volume=o.remaining_volume) is OrderState.PARTIALLY_FILLED
    done = normalize_my_order(wait_order(state="done", remaining_quantity=Decimal("0"),
                                         executed_quantity=Decimal("0.01")))
    assert map_upbit_state(done.state) is OrderState.FILLED
    assert map_upbit_state(normalize_my_order(wait_order(state="cancel")).state) is OrderState.CANCELLED


def test_market_buy_by_amount_puts_the_amount_in_price() -> None:
    o = normalize_my_order(wait_order(order_type="price", order_price=None,
                                      order_amount=Decimal("10000"), order_quantity=None))
    assert o.price == Decimal("10000") and o.volume is None


def test_simple_short_names_are_read() -> None:
    obj = {"ty": "myOrder", "cd": "KRW-ETH", "oid": "o-2", "sd": "sell", "ot": "limit", "s": "trade",
           "tid": "t-1", "op": 5000000, "tp": 5000001, "oq": 1, "tq": "0.5", "tms": 1_796_342_401_000,
           "st": "REALTIME"}
    o = normalize_my_order(obj)
    assert (o.uuid, o.ask_bid, o.price, o.volume, o.trade_uuid) == (
        "o-2", "ASK", Decimal("5000001"), Decimal("0.5"), "t-1")


@pytest.mark.parametrize("over", [{"order_id": None}, {"side": "long"}, {"timestamp": None},
                                  {"order_price": "abc"}, {"order_quantity": True},
                                  # The ranges Upbit's decoder enforces hold for v2 too.
                                  {"order_price": Decimal("-1")}, {"executed_quantity": Decimal("NaN")},
                                  {"paid_fee": "Infinity"}, {"timestamp": 1}, {"code": "K" * 41}])
def test_bad_v2_orders_raise_parse_error(over: dict[str, object]) -> None:
    with pytest.raises(ParseError):
        normalize_my_order(wait_order(**over))


def test_round_trip_through_the_simulators_encoding() -> None:
    o = normalize_my_order(wait_order(state="trade", trade_id="t", trade_price=Decimal("1"),
                                      trade_quantity=Decimal("2")))
    assert replace(normalize_my_order(to_v2(o)), trades_count=0) == replace(o, trades_count=0)


def _frame(obj: dict[str, object]) -> bytes:
    return json.dumps(obj, default=str).encode()


def test_connector_normalises_frames_counts_fills_and_passes_my_asset() -> None:
    c = BithumbPrivateConnector("ws://x", CredentialsProvider())
    fill = dict(wait_order(state="trade", trade_id="t-1", trade_price="1", trade_quantity="0.001"))
    [a] = c.parse(_frame(fill), 2)
    [b] = c.parse(_frame({**fill, "trade_id": "t-2"}), 2)
    [again] = c.parse(_frame({**fill, "trade_id": "t-2"}), 2)
    assert isinstance(a, MyOrder) and (a.trades_count, b.trades_count, again.trades_count) == (1, 2, 2)
    assert a.price == Decimal("1")  # from a JSON string, exactly
    [done] = c.parse(_frame(wait_order(state="done")), 2)
    assert isinstance(done, MyOrder) and done.trades_count == 2
    asset = {"type": "myAsset", "asset_uuid": "a", "assets": [
        {"currency": "KRW", "balance": "1000.5", "locked": "0"}], "asset_timestamp": 1_764_806_400_000,
        "timestamp": 1_764_806_400_000, "stream_type": "REALTIME"}
    [ev] = c.parse(_frame(asset), 2)
    assert isinstance(ev, MyAsset) and ev.assets[0].balance == Decimal("1000.5")
    [bad] = c.parse(_frame(wait_order(side="?")), 2)
    assert isinstance(bad, UnknownMessage) and "side" in bad.reason
