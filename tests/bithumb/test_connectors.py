"""Bithumb connectors: exact request texts, candles from trades, the connect-block hold, JWT claims."""

from __future__ import annotations

import json

import jwt
import msgspec
import pytest
from msgspec.structs import replace

from upbit_monitor.config import Settings
from upbit_monitor.errors import HandshakeRejected
from upbit_monitor.exchanges.base import CredentialsProvider
from upbit_monitor.exchanges.bithumb import (
    BITHUMB_CREDENTIALS,
    BLOCK_S,
    PRIVATE,
    PUBLIC,
    BithumbConnector,
    BithumbPrivateConnector,
    ConnectBlock,
)
from upbit_monitor.exchanges.registry import create_connector
from upbit_monitor.protocol.auth import Credentials
from upbit_monitor.protocol.events import Candle, Trade
from upbit_monitor.protocol.subscriptions import SubscriptionSpec as Spec
from upbit_monitor.protocol.subscriptions import merge_specs

ACCESS = "bithumb-access-key-000000"
SECRET = "bithumb-secret-key-" + "0" * 45


def request_text(connector: BithumbConnector, *specs: Spec) -> str:
    """The one request for ``specs``, with the random ticket replaced by ``T``."""
    [text] = connector.build_requests(None, merge_specs(specs))
    objs = json.loads(text)
    assert objs[0]["ticket"].startswith("um-")
    objs[0]["ticket"] = "T"
    return json.dumps(objs, separators=(",", ":"))


def test_public_request_texts_are_upbit_format_with_bithumb_choices() -> None:
    c = BithumbConnector()
    assert request_text(c, Spec("ticker", ("KRW-ETH", "KRW-BTC"))) == (
        '[{"ticket":"T"},{"type":"ticker","codes":["KRW-BTC","KRW-ETH"]},{"format":"DEFAULT"}]')
    # No depth suffix (UNCONFIRMED on Bithumb): the server default depth, cut by the views.
    assert request_text(c, Spec("orderbook", ("KRW-BTC",), depth=15)) == (
        '[{"ticket":"T"},{"type":"orderbook","codes":["KRW-BTC"]},{"format":"DEFAULT"}]')
    # No candle type on Bithumb: the chart's candles go out as trades, merged with the tape's.
    assert request_text(
        c, Spec("ticker", ("KRW-BTC",)), Spec("candle.1m", ("KRW-ETH",)), Spec("trade", ("KRW-BTC",)),
        Spec("orderbook", ("KRW-BTC",)),
    ) == ('[{"ticket":"T"},{"type":"ticker","codes":["KRW-BTC"]},'
          '{"type":"trade","codes":["KRW-BTC","KRW-ETH"]},'
          '{"type":"orderbook","codes":["KRW-BTC"]},{"format":"DEFAULT"}]')


def test_depth_suffix_can_be_switched_on() -> None:
    c = BithumbConnector(depth_suffix=True)
    assert request_text(c, Spec("orderbook", ("KRW-BTC",), depth=15)) == (
        '[{"ticket":"T"},{"type":"orderbook","codes":["KRW-BTC.15"]},{"format":"DEFAULT"}]')


def test_empty_set_sends_nothing() -> None:
    assert BithumbConnector().build_requests(None, merge_specs([])) == []


def _trade(code: str, ts: int, price: float, volume: float, seq: int) -> Trade:
    return Trade("trade", code, price, volume, "BID", 100.0, "EVEN", 0.0, "2026-12-04", "17:00:00",
                 ts, ts, seq, price + 1, 1.0, price - 1, 1.0, "REALTIME")


def _frame(t: Trade) -> bytes:
    return json.dumps({k: v for k, v in msgspec.structs.asdict(t).items() if k != "epoch"}).encode()


def test_candles_are_built_from_trades_and_candle_only_trades_are_not_passed_on() -> None:
    c = BithumbConnector()
    c.build_requests(None, merge_specs([Spec("candle.1m", ("KRW-ETH",)), Spec("trade", ("KRW-BTC",))]))
    t0 = 1_764_867_600_000  # 2025-12-04T17:00:00Z
    out = c.parse(_frame(_trade("KRW-ETH", t0 + 1_000, 100.0, 2.0, 1)), 3)
    assert [type(e) for e in out] == [Candle]
    bar = out[0]
    assert (bar.type, bar.code, bar.candle_date_time_utc, bar.candle_date_time_kst) == (
        "candle.1m", "KRW-ETH", "2025-12-04T17:00:00", "2025-12-05T02:00:00")
    assert (bar.opening_price, bar.high_price, bar.low_price, bar.trade_price) == (100, 100, 100, 100)
    assert bar.epoch == 3
    out = c.parse(_frame(_trade("KRW-ETH", t0 + 30_000, 104.0, 1.0, 2)), 3)
    assert (out[0].high_price, out[0].trade_price, out[0].candle_acc_trade_volume) == (104, 104, 3.0)
    assert out[0].candle_acc_trade_price == 304.0
    # The same trade again (a snapshot after a reconnect) is not counted twice.
    assert c.parse(_frame(_trade("KRW-ETH", t0 + 30_000, 104.0, 1.0, 2)), 4) == []
    nxt = c.parse(_frame(_trade("KRW-ETH", t0 + 61_000, 99.0, 1.0, 3)), 4)[0]
    assert (nxt.candle_date_time_utc, nxt.opening_price, nxt.candle_acc_trade_volume) == (
        "2025-12-04T17:01:00", 99.0, 1.0)
    # A trade wanted for the tape passes through unchanged.
    tape = c.parse(_frame(_trade("KRW-BTC", t0, 5.0, 1.0, 9)), 4)
    assert [e.type for e in tape] == ["trade"]


def test_rest_reconcile_adopts_the_rest_bar_and_keeps_newer_live_trades() -> None:
    c = BithumbConnector()
    c.build_requests(None, merge_specs([Spec("candle.1m", ("KRW-ETH",))]))
    t0 = 1_764_867_600_000
    c.parse(_frame(_trade("KRW-ETH", t0 + 20_000, 100.0, 1.0, 1)), 1)
    c.parse(_frame(_trade("KRW-ETH", t0 + 40_000, 101.0, 1.0, 2)), 1)
    # REST (fetched at ~30 s) knows the whole minute up to its last trade at 25 s.
    rest = Candle("candle.1m", "KRW-ETH", "2025-12-04T17:00:00", "2025-12-05T02:00:00",
                  90.0, 110.0, 80.0, 100.0, 10.0, 950.0, t0 + 25_000, "SNAPSHOT")
    merged = c.reconcile(rest)
    assert merged is not None
    assert (merged.opening_price, merged.high_price, merged.low_price) == (90.0, 110.0, 80.0)
    assert merged.trade_price == 101.0 and merged.candle_acc_trade_volume == 11.0
    later = c.parse(_frame(_trade("KRW-ETH", t0 + 50_000, 102.0, 1.0, 3)), 1)[0]
    assert later.candle_acc_trade_volume == 12.0 and later.opening_price == 90.0
    # A REST bar older than the live one changes nothing.
    old = replace(rest, candle_date_time_utc="2025-12-04T16:59:00")
    assert c.reconcile(old) is None


def test_persistent_429_holds_for_the_block_and_a_working_socket_resets() -> None:
    c = BithumbConnector()
    assert c.handshake_hold(429) is None
    assert c.handshake_hold(503) is None
    assert c.handshake_hold(429) is None
    hold = c.handshake_hold(429)
    assert hold is not None and hold[0] == BLOCK_S and "blocked" in hold[1]
    c.parse(b'{"status":"UP"}', 1)
    assert c.block.refused_in_a_row == 0
    assert ConnectBlock(block_after=1, block_s=5.0).refused(429) is not None


def test_private_jwt_claims_access_key_nonce_and_timestamp_ms() -> None:
    creds = CredentialsProvider(Credentials.create(ACCESS, SECRET, "HS256"))
    c = BithumbPrivateConnector("ws://127.0.0.1:1/websocket/v2/private", creds,
                                clock_ms=lambda: 1_764_867_600_123)
    first = c.headers()["Authorization"].removeprefix("Bearer ")
    second = c.headers()["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(first, SECRET, algorithms=["HS256"])
    assert set(claims) == {"access_key", "nonce", "timestamp"}
    assert claims["access_key"] == ACCESS and claims["timestamp"] == 1_764_867_600_123
    assert claims["nonce"] != jwt.decode(second, SECRET, algorithms=["HS256"])["nonce"]
    assert SECRET not in c.describe() and ACCESS not in c.describe()


def test_private_without_keys_is_refused_before_any_io() -> None:
    c = BithumbPrivateConnector("ws://x/websocket/v2/private", CredentialsProvider())
    with pytest.raises(HandshakeRejected) as info:
        c.headers()
    assert info.value.status == 401


def test_registry_builds_both_connectors_from_settings() -> None:
    s = Settings(bithumb_ws_url="ws://a/websocket/v1", bithumb_ws_private_url="ws://a/websocket/v2/private")
    pub, priv = create_connector(PUBLIC, s), create_connector(PRIVATE, s)
    assert isinstance(pub, BithumbConnector) and pub.url == "ws://a/websocket/v1"
    assert isinstance(priv, BithumbPrivateConnector) and priv.credentials is BITHUMB_CREDENTIALS
    assert pub.venue == priv.venue == "bithumb"
    assert Settings().bithumb_ws_private_url == "wss://ws-api.bithumb.com/websocket/v2/private"
