"""SubscriptionSpec validation, SubscriptionSet reference counting, merging and the send diff."""

from __future__ import annotations

import pytest

from upbit_monitor.errors import RequestError
from upbit_monitor.protocol.subscriptions import (
    MergedSubscriptions,
    SubscriptionSet,
    SubscriptionSpec,
    TypeSubscription,
    merge_specs,
)

S = SubscriptionSpec


@pytest.mark.parametrize(
    "kwargs",
    [
        {"type": "tickers", "codes": ("KRW-BTC",)},
        {"type": "candle", "codes": ("KRW-BTC",)},
        {"type": "ticker", "codes": ("krw-btc",)},
        {"type": "ticker", "codes": ("KRW-btc",)},
        {"type": "ticker", "codes": ("KRWBTC",)},
        {"type": "ticker", "codes": ("KRW-BTC.15",)},
        {"type": "ticker", "codes": "KRW-BTC"},
        {"type": "ticker", "codes": (" KRW-BTC",)},
        {"type": "orderbook", "codes": ("KRW-BTC",), "depth": 10},
        {"type": "orderbook", "codes": ("KRW-BTC",), "depth": 0},
        {"type": "ticker", "codes": ("KRW-BTC",), "depth": 5},
        {"type": "trade", "codes": ("KRW-BTC",), "level": 1000},
        {"type": "orderbook", "codes": ("KRW-BTC",), "level": -1},
        {"type": "orderbook", "codes": ("KRW-BTC",), "level": float("nan")},
        {"type": "myAsset", "codes": ("KRW-BTC",)},
        {"type": "ticker", "codes": ("KRW-BTC",), "only_snapshot": True, "only_realtime": True},
    ],
)
def test_spec_validation_rejects(kwargs: dict[str, object]) -> None:
    with pytest.raises(RequestError):
        SubscriptionSpec(**kwargs)  # type: ignore[arg-type]


def test_spec_accepts_valid_and_normalises_list_to_tuple() -> None:
    spec = S("orderbook", ["KRW-BTC", "BTC-ETH", "KRW-1INCH"], depth=15, level=10000)  # type: ignore[arg-type]
    assert spec.codes == ("KRW-BTC", "BTC-ETH", "KRW-1INCH")
    assert hash(spec) == hash(S("orderbook", ("KRW-BTC", "BTC-ETH", "KRW-1INCH"), depth=15, level=10000))
    S("candle.1s", ("KRW-BTC",))
    S("candle.240m", ("USDT-XRP",))
    S("myOrder")
    S("myAsset")


def test_merge_unions_codes_sorted_and_ordered_by_type() -> None:
    merged = merge_specs(
        [S("trade", ("KRW-ETH",)), S("ticker", ("KRW-XRP", "KRW-BTC")), S("ticker", ("KRW-BTC", "KRW-ETH"))]
    )
    assert merged.entries == (
        TypeSubscription("ticker", ("KRW-BTC", "KRW-ETH", "KRW-XRP")),
        TypeSubscription("trade", ("KRW-ETH",)),
    )
    assert merged.as_dict() == {"ticker": ["KRW-BTC", "KRW-ETH", "KRW-XRP"], "trade": ["KRW-ETH"]}
    assert merged.codes_for("ticker") == ("KRW-BTC", "KRW-ETH", "KRW-XRP")
    assert merged.codes_for("orderbook") == ()


def test_merge_is_order_independent_and_hashable() -> None:
    a = merge_specs([S("ticker", ("KRW-BTC",)), S("ticker", ("KRW-ETH",)), S("trade", ("KRW-BTC",))])
    b = merge_specs([S("trade", ("KRW-BTC",)), S("ticker", ("KRW-ETH", "KRW-BTC"))])
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1


def test_orderbook_depth_is_max_and_default_wins() -> None:
    merged = merge_specs(
        [
            S("orderbook", ("KRW-BTC", "KRW-ETH"), depth=5),
            S("orderbook", ("KRW-BTC",), depth=15),
            S("orderbook", ("KRW-XRP",), depth=1),
            S("orderbook", ("KRW-XRP",)),
        ]
    )
    (entry,) = merged.entries
    assert entry.codes == ("KRW-BTC", "KRW-ETH", "KRW-XRP")
    assert entry.depths == (("KRW-BTC", 15), ("KRW-ETH", 5))
    assert entry.depth_of("KRW-XRP") is None
    assert entry.wire_codes() == ["KRW-BTC.15", "KRW-ETH.5", "KRW-XRP"]


def test_levels_make_separate_objects_and_zero_equals_none() -> None:
    merged = merge_specs(
        [
            S("orderbook", ("KRW-BTC",), level=10000),
            S("orderbook", ("KRW-ETH",), level=0),
            S("orderbook", ("KRW-XRP",)),
        ]
    )
    assert [(e.level, e.codes) for e in merged.entries] == [
        (None, ("KRW-ETH", "KRW-XRP")),
        (10000.0, ("KRW-BTC",)),
    ]


def test_flags_kept_only_when_all_contributors_set_them() -> None:
    rt = True
    merged = merge_specs(
        [S("ticker", ("KRW-BTC",), only_realtime=rt), S("ticker", ("KRW-ETH",), only_realtime=rt)]
    )
    assert merged.entries[0].only_realtime
    merged = merge_specs([S("ticker", ("KRW-BTC",), only_realtime=True), S("ticker", ("KRW-ETH",))])
    assert not merged.entries[0].only_realtime
    merged = merge_specs(
        [S("trade", ("KRW-BTC",), only_snapshot=rt), S("trade", ("KRW-BTC",), only_realtime=rt)]
    )
    assert not merged.entries[0].only_snapshot and not merged.entries[0].only_realtime


def test_public_type_without_codes_contributes_nothing_private_all_markets() -> None:
    assert merge_specs([S("ticker")]).is_empty
    merged = merge_specs([S("myOrder", ("KRW-BTC",)), S("myOrder"), S("myAsset")])
    assert merged.entries == (TypeSubscription("myOrder", ()), TypeSubscription("myAsset", ()))
    merged = merge_specs([S("myOrder", ("KRW-ETH",)), S("myOrder", ("KRW-BTC",))])
    assert merged.entries == (TypeSubscription("myOrder", ("KRW-BTC", "KRW-ETH")),)


def test_refcounts_follow_owners() -> None:
    subs = SubscriptionSet()
    assert subs.set_owner("list", [S("ticker", ("KRW-BTC", "KRW-ETH"))])
    assert subs.set_owner("book", [S("orderbook", ("KRW-BTC",)), S("ticker", ("KRW-BTC",))])
    assert subs.refcount("ticker", "KRW-BTC") == 2
    assert subs.refcount("ticker", "KRW-ETH") == 1
    assert subs.refcount("orderbook", "KRW-BTC") == 1
    assert subs.refcount("trade", "KRW-BTC") == 0
    assert subs.owners_of("ticker", "KRW-BTC") == frozenset({"list", "book"})
    assert subs.specs_of("book") == (S("orderbook", ("KRW-BTC",)), S("ticker", ("KRW-BTC",)))
    assert subs.specs_of("nobody") == ()

    # The shared ticker stays (refcount 1); only the orderbook leaves the merged set.
    assert subs.remove_owner("book")
    assert subs.refcount("ticker", "KRW-BTC") == 1
    assert subs.refcount("orderbook", "KRW-BTC") == 0
    assert subs.merged().as_dict() == {"ticker": ["KRW-BTC", "KRW-ETH"]}
    assert subs.owners() == ("list",)
    assert not subs.remove_owner("nobody")


def test_set_owner_reports_merged_change_only() -> None:
    subs = SubscriptionSet()
    assert subs.set_owner("a", [S("ticker", ("KRW-BTC",))])
    assert not subs.set_owner("b", [S("ticker", ("KRW-BTC",))])  # same code: merged unchanged
    assert not subs.set_owner("b", [S("ticker", ("KRW-BTC",))])  # identical specs
    assert subs.refcount("ticker", "KRW-BTC") == 2
    assert not subs.remove_owner("b")
    assert subs.set_owner("a", [S("ticker", ("KRW-ETH",))])  # coin switch
    assert subs.merged().codes_for("ticker") == ("KRW-ETH",)
    assert subs.refcount("ticker", "KRW-BTC") == 0
    assert subs.set_owner("a", [])  # empty list removes the owner
    assert subs.merged().is_empty
    assert subs.owners() == ()


def test_needs_request_diff_and_reset() -> None:
    subs = SubscriptionSet()
    assert not subs.needs_request()  # nothing wanted, nothing sent
    subs.set_owner("a", [S("ticker", ("KRW-BTC",))])
    assert subs.needs_request()
    merged = subs.merged()
    subs.mark_sent(merged)
    assert subs.last_sent == merged
    assert not subs.needs_request()
    subs.set_owner("b", [S("ticker", ("KRW-BTC",))])
    assert not subs.needs_request()
    subs.set_owner("b", [S("trade", ("KRW-BTC",))])
    assert subs.needs_request()
    subs.mark_sent(subs.merged())
    subs.reset_sent()  # reconnect: the new connection knows nothing
    assert subs.last_sent is None
    assert subs.needs_request()
    subs.mark_sent(subs.merged())
    subs.remove_owner("a")
    subs.remove_owner("b")
    assert subs.needs_request()  # went to empty: caller closes instead of sending
    assert subs.merged() == MergedSubscriptions()


def test_private_all_markets_refcount() -> None:
    subs = SubscriptionSet()
    subs.set_owner("p", [S("myOrder"), S("myAsset")])
    assert subs.refcount("myOrder", "") == 1
    assert subs.refcount("myAsset", "") == 1
