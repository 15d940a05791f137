from __future__ import annotations

import gc
import logging
from typing import Any

import pytest
from msgspec.structs import replace

from tests.manager.factories import server_error, ticker, trade, unknown
from upbit_monitor.manager.pool import DataPool
from upbit_monitor.manager.router import Router, Subscriber
from upbit_monitor.protocol.subscriptions import SubscriptionSpec

CONN = "upbit-public"


def test_routes_by_type_and_code() -> None:
    router = Router(DataPool())
    got_btc: list[Any] = []
    got_eth: list[Any] = []
    router.set_subscribers(CONN, [
        (Subscriber(got_btc.append), [SubscriptionSpec("ticker", ("KRW-BTC",))]),
        (Subscriber(got_eth.append), [SubscriptionSpec("ticker", ("KRW-ETH",)),
                                      SubscriptionSpec("trade", ("KRW-BTC",))]),
    ])
    router.dispatch(CONN, [ticker("KRW-BTC"), ticker("KRW-ETH"), trade("KRW-BTC"), ticker("KRW-XRP")], 1)
    assert [e.code for e in got_btc] == ["KRW-BTC"]
    assert [(e.type, e.code) for e in got_eth] == [("ticker", "KRW-ETH"), ("trade", "KRW-BTC")]
    st = router.stats(CONN)
    assert st.events == 4
    assert set(st.last_seen) == {("ticker", "KRW-BTC"), ("ticker", "KRW-ETH"), ("trade", "KRW-BTC"),
                                 ("ticker", "KRW-XRP")}


def test_raising_subscriber_is_isolated_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    pool = DataPool()
    router = Router(pool)
    got: list[Any] = []

    def bad(_ev: object) -> None:
        raise ValueError("boom")

    spec = [SubscriptionSpec("ticker", ("KRW-BTC",))]
    router.set_subscribers(CONN, [(Subscriber(bad), spec), (Subscriber(got.append), spec)])
    unsubscribe = router.add_listener(bad)
    with caplog.at_level(logging.ERROR, logger="upbit_monitor.manager.router"):
        router.dispatch(CONN, [ticker(price=float(i)) for i in range(10)], 1)
    assert len(got) == 10
    assert router.stats(CONN).callback_errors == 20
    assert pool.version("ticker", "KRW-BTC") == 10
    # Rate-limited logging: the first few failures per subscriber, not all 20.
    assert 1 <= len([r for r in caplog.records if "raised" in r.getMessage()]) <= 6
    unsubscribe()
    router.dispatch(CONN, [ticker()], 1)
    assert router.stats(CONN).callback_errors == 21


def test_stale_epoch_dropped_and_counted() -> None:
    pool = DataPool()
    router = Router(pool)
    got: list[Any] = []
    router.add_listener(got.append)
    assert router.dispatch(CONN, [ticker(epoch=1), ticker(epoch=2)], 2) == 1
    assert router.stats(CONN).stale_dropped == 1
    assert [e.epoch for e in got] == [2]
    assert pool.version("ticker", "KRW-BTC") == 1


def test_listeners_by_type_and_unknown_and_error_counting() -> None:
    seen_errors: list[tuple[str, Any]] = []
    router = Router(DataPool(), on_server_error=lambda c, e: seen_errors.append((c, e)))
    errors: list[Any] = []
    router.add_listener(errors.append, types={"error"})
    router.dispatch(CONN, [server_error("NO_CODES", "x"), unknown(), ticker()], 1)
    st = router.stats(CONN)
    assert st.server_errors == 1 and st.last_server_error == ("NO_CODES", "x")
    assert st.unknown_messages == 1
    assert [e.name for e in errors] == ["NO_CODES"]
    assert seen_errors == [(CONN, server_error("NO_CODES", "x"))]


def test_bound_method_callback_is_weak() -> None:
    class View:
        def __init__(self) -> None:
            self.got: list[Any] = []

        def on_event(self, ev: object) -> None:
            self.got.append(ev)

    view = View()
    sub = Subscriber(view.on_event)
    router = Router(DataPool())
    router.set_subscribers(CONN, [(sub, [SubscriptionSpec("ticker", ("KRW-BTC",))])])
    router.dispatch(CONN, [ticker()], 1)
    assert len(view.got) == 1
    del view
    gc.collect()
    assert sub.resolve() is None
    router.dispatch(CONN, [ticker()], 1)  # a dead callback is skipped silently
    assert router.stats(CONN).callback_errors == 0


def test_all_markets_spec_gets_every_code() -> None:
    router = Router(DataPool())
    got: list[Any] = []
    router.set_subscribers(CONN, [(Subscriber(got.append), [SubscriptionSpec("myOrder")])])
    order_like = replace(ticker("KRW-ETH"), type="myOrder")
    router.dispatch(CONN, [order_like, ticker("KRW-BTC")], 1)
    assert got == [order_like]
