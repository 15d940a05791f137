"""Request building: exact JSON text, flags, depth suffixes, levels, LIST_SUBSCRIPTIONS."""

from __future__ import annotations

import json

import pytest

from upbit_monitor.errors import RequestError
from upbit_monitor.protocol.requests import (
    PING_TEXT,
    build_list_subscriptions,
    build_request,
    new_ticket,
    realtime_where_unchanged,
)
from upbit_monitor.protocol.subscriptions import MergedSubscriptions, SubscriptionSpec, merge_specs

S = SubscriptionSpec


def test_simple_ticker_request_exact_text() -> None:
    merged = merge_specs([S("ticker", ("KRW-ETH", "KRW-BTC"))])
    assert build_request(merged, ticket="mon-7f3a") == (
        '[{"ticket":"mon-7f3a"},{"type":"ticker","codes":["KRW-BTC","KRW-ETH"]},{"format":"SIMPLE"}]'
    )


def test_full_request_matches_spec_example() -> None:
    merged = merge_specs(
        [
            S("ticker", ("KRW-BTC", "KRW-ETH", "KRW-XRP"), only_realtime=True),
            S("orderbook", ("KRW-BTC",), depth=15, level=10000),
            S("trade", ("KRW-BTC",)),
            S("candle.1m", ("KRW-BTC",)),
        ]
    )
    text = build_request(merged, ticket="mon-7f3b", fmt="DEFAULT")
    assert json.loads(text) == [
        {"ticket": "mon-7f3b"},
        {"type": "ticker", "codes": ["KRW-BTC", "KRW-ETH", "KRW-XRP"], "is_only_realtime": True},
        {"type": "trade", "codes": ["KRW-BTC"]},
        {"type": "orderbook", "codes": ["KRW-BTC.15"], "level": 10000},
        {"type": "candle.1m", "codes": ["KRW-BTC"]},
        {"format": "DEFAULT"},
    ]
    assert '"level":10000}' in text  # integral levels are written as integers


def test_snapshot_flag_and_fractional_level() -> None:
    merged = merge_specs([S("orderbook", ("BTC-ETH",), level=0.5, only_snapshot=True)])
    assert json.loads(build_request(merged, ticket="t"))[1] == {
        "type": "orderbook",
        "codes": ["BTC-ETH"],
        "level": 0.5,
        "is_only_snapshot": True,
    }


def test_private_request_omits_codes_where_required() -> None:
    merged = merge_specs([S("myOrder"), S("myAsset")])
    assert build_request(merged, ticket="mon-priv-1", fmt="DEFAULT") == (
        '[{"ticket":"mon-priv-1"},{"type":"myOrder"},{"type":"myAsset"},{"format":"DEFAULT"}]'
    )
    merged = merge_specs([S("myOrder", ("KRW-BTC",))])
    assert json.loads(build_request(merged, ticket="x"))[1] == {"type": "myOrder", "codes": ["KRW-BTC"]}


@pytest.mark.parametrize("fmt", ["DEFAULT", "SIMPLE", "JSON_LIST", "SIMPLE_LIST"])
def test_every_format_is_last(fmt: str) -> None:
    merged = merge_specs([S("trade", ("KRW-BTC",))])
    assert json.loads(build_request(merged, ticket="t", fmt=fmt))[-1] == {"format": fmt}


def test_invalid_inputs_raise_request_error() -> None:
    merged = merge_specs([S("trade", ("KRW-BTC",))])
    with pytest.raises(RequestError):
        build_request(merged, ticket="")
    with pytest.raises(RequestError):
        build_request(merged, ticket="t", fmt="simple")
    with pytest.raises(RequestError):
        build_request(MergedSubscriptions(), ticket="t")
    with pytest.raises(RequestError):
        build_list_subscriptions(ticket="t", fmt="XML")


def test_list_subscriptions_and_ping() -> None:
    assert build_list_subscriptions(ticket="mon-q1") == (
        '[{"ticket":"mon-q1"},{"method":"LIST_SUBSCRIPTIONS"},{"format":"SIMPLE"}]'
    )
    assert json.loads(build_list_subscriptions(ticket="q", fmt="DEFAULT"))[-1] == {"format": "DEFAULT"}
    assert PING_TEXT == "PING"


def test_new_ticket_unique() -> None:
    tickets = {new_ticket() for _ in range(100)}
    assert len(tickets) == 100
    assert all(t and t.isascii() for t in tickets)


def test_unchanged_market_data_entries_ask_for_the_stream_only() -> None:
    tickers = SubscriptionSpec("ticker", ("KRW-BTC", "KRW-ETH"))
    before = merge_specs([tickers, SubscriptionSpec("orderbook", ("KRW-BTC",), depth=15),
                          SubscriptionSpec("myOrder", ())])
    after = merge_specs([tickers, SubscriptionSpec("orderbook", ("KRW-ETH",), depth=15),
                         SubscriptionSpec("myOrder", ())])
    flagged = {e.type: e.only_realtime for e in realtime_where_unchanged(before, after).entries}
    # The list's tickers are already streaming; the new coin's book needs its snapshot; private
    # streams carry no snapshot flags at all.
    assert flagged == {"ticker": True, "orderbook": False, "myOrder": False}
    # A new socket (nothing subscribed yet) gets every snapshot; one more code re-snapshots the type.
    assert realtime_where_unchanged(None, after) == after
    grown = merge_specs([SubscriptionSpec("ticker", ("KRW-BTC", "KRW-ETH", "KRW-XRP"))])
    assert not realtime_where_unchanged(after, grown).entries[0].only_realtime
    text = build_request(realtime_where_unchanged(before, after), ticket="t", fmt="SIMPLE")
    assert '{"type":"ticker","codes":["KRW-BTC","KRW-ETH"],"is_only_realtime":true}' in text
