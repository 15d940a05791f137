"""Venue descriptors: one per venue module, listed statically, and the only way connectors are built."""

from __future__ import annotations

import pytest

from upbit_monitor.config import Settings
from upbit_monitor.errors import ConfigError, HandshakeRejected
from upbit_monitor.exchanges import binance, bithumb, bybit, upbit
from upbit_monitor.exchanges.base import CredentialsProvider, RateLimit
from upbit_monitor.exchanges.binance import BinanceConnector
from upbit_monitor.exchanges.bybit import BybitConnector
from upbit_monitor.exchanges.descriptor import ConnectionSpec, ExchangeDescriptor, VenueProfile
from upbit_monitor.exchanges.registry import (
    DESCRIPTORS,
    available_connectors,
    create_connector,
    descriptor,
    descriptor_for_connection,
    premium_venues,
    register_connector,
    unregister_connector,
)
from upbit_monitor.exchanges.upbit import (
    PRIVATE,
    PRIVATE_CREDENTIALS,
    PUBLIC,
    UPBIT_PROFILE,
    UpbitConnector,
    UpbitPrivateConnector,
)
from upbit_monitor.protocol.subscriptions import SubscriptionSpec, merge_specs

SETTINGS = Settings(
    ws_public_url="ws://127.0.0.1:1/websocket/v1",
    ws_private_url="ws://127.0.0.1:1/websocket/v1/private",
    binance_ws_url="ws://127.0.0.1:2/stream",
    bybit_ws_url="ws://127.0.0.1:3/v5/public/spot",
)


def test_registry_lists_each_venue_modules_one_descriptor() -> None:
    assert DESCRIPTORS == (upbit.DESCRIPTOR, bithumb.DESCRIPTOR, binance.DESCRIPTOR, bybit.DESCRIPTOR)
    assert [d.venue for d in DESCRIPTORS] == ["upbit", "bithumb", "binance", "bybit"]
    assert [d.label for d in DESCRIPTORS] == ["Upbit", "Bithumb", "Binance", "Bybit"]
    assert descriptor("bybit") is bybit.DESCRIPTOR
    assert [d.venue for d in premium_venues()] == ["binance", "bybit"]
    assert descriptor_for_connection(PRIVATE) is upbit.DESCRIPTOR
    assert descriptor_for_connection("no-such-feed") is None
    with pytest.raises(ConfigError, match="unknown venue"):
        descriptor("kraken")
    assert {"upbit-public", "upbit-private", "bithumb-public", "bithumb-private", "binance-public",
            "bybit-public"} <= set(available_connectors())


def test_upbit_descriptor_holds_public_and_private_factories() -> None:
    d = upbit.DESCRIPTOR
    assert d.public.name == PUBLIC and not d.public.private
    assert d.private is not None and d.private.name == PRIVATE
    assert d.profile is UPBIT_PROFILE
    pub = d.create(SETTINGS)
    priv = d.create(SETTINGS, name=PRIVATE)
    assert type(pub) is UpbitConnector and pub.url == SETTINGS.ws_public_url and not pub.private
    assert isinstance(priv, UpbitPrivateConnector) and priv.url == SETTINGS.ws_private_url and priv.private
    assert priv.credentials is PRIVATE_CREDENTIALS
    assert d.url(SETTINGS, PRIVATE) == SETTINGS.ws_private_url
    # Both speak the profile: SIMPLE format, 5/s + 100/min, venue key "upbit".
    for c in (pub, priv):
        assert isinstance(c, UpbitConnector)
        assert c.fmt == "SIMPLE" and c.rate_limit == UPBIT_PROFILE.rate_limit and c.venue == "upbit"


def test_create_connector_uses_the_descriptors() -> None:
    for name, cls, url in (
        (PUBLIC, UpbitConnector, SETTINGS.ws_public_url),
        (PRIVATE, UpbitPrivateConnector, SETTINGS.ws_private_url),
        ("binance-public", BinanceConnector, SETTINGS.binance_ws_url),
        ("bybit-public", BybitConnector, SETTINGS.bybit_ws_url),
    ):
        c = create_connector(name, SETTINGS)
        assert isinstance(c, cls) and c.name == name and c.url == url
    with pytest.raises(ConfigError, match="unknown connection 'nope'"):
        create_connector("nope", SETTINGS)


def test_url_override_and_disabled_venue() -> None:
    d = descriptor("binance")
    c = d.create(SETTINGS, url="ws://127.0.0.1:9/stream")
    assert isinstance(c, BinanceConnector) and c.url == "ws://127.0.0.1:9/stream"
    assert d.url(Settings(binance_ws_url="")) == ""  # empty setting = venue disabled
    with pytest.raises(ConfigError, match="no connection"):
        d.create(SETTINGS, name="binance-private")


def test_a_second_upbit_protocol_venue_is_a_profile_not_a_copy() -> None:
    """What Bithumb needs: the Upbit core with another venue key, format and budget."""
    profile = VenueProfile(venue="other", rest_url_setting="rest_url", rate_limit=RateLimit(per_second=3),
                           connects_per_s=10, private_version="v2", simple_format=False)
    keys = CredentialsProvider()

    def public(s: Settings) -> UpbitConnector:
        return UpbitConnector("other-public", s.ws_public_url, profile=profile)

    def private(s: Settings) -> UpbitPrivateConnector:
        return UpbitPrivateConnector(s.ws_private_url, keys, name="other-private", profile=profile)

    d = ExchangeDescriptor("other", "Other", (
        ConnectionSpec("other-public", public, "ws_public_url"),
        ConnectionSpec("other-private", private, "ws_private_url", private=True),
    ), profile=profile)
    pub = d.create(SETTINGS)
    assert isinstance(pub, UpbitConnector)
    assert pub.venue == "other" and pub.fmt == "DEFAULT" and pub.rate_limit.per_second == 3
    request = pub.build_requests(None, merge_specs([SubscriptionSpec("ticker", ("KRW-BTC",))]))
    assert len(request) == 1 and '"format":"DEFAULT"' in request[0]
    assert d.create(SETTINGS, name="other-private").private


def test_descriptor_and_factory_must_agree() -> None:
    with pytest.raises(ConfigError, match="public one"):
        ExchangeDescriptor("x", "X", (ConnectionSpec(PRIVATE, upbit.upbit_private, "ws_private_url", True),))
    with pytest.raises(ConfigError, match="repeat"):
        ExchangeDescriptor("x", "X", (upbit.DESCRIPTOR.public, upbit.DESCRIPTOR.public))
    # A factory that builds a public connector for a private connection is refused: the failure
    # policy trusts connector.private to decide who may end in KEY_PROBLEM.
    lying = ExchangeDescriptor("x", "X", (
        upbit.DESCRIPTOR.public,
        ConnectionSpec(PRIVATE, upbit.upbit_public, "ws_private_url", private=True),
    ))
    with pytest.raises(ConfigError, match="named 'upbit-public'"):
        lying.create(SETTINGS, name=PRIVATE)
    register_connector(PRIVATE, lambda s: UpbitConnector(PRIVATE, s.ws_private_url), replace=True)
    try:
        with pytest.raises(ConfigError, match="private=False"):
            create_connector(PRIVATE, SETTINGS)
    finally:
        unregister_connector(PRIVATE)
    assert create_connector(PRIVATE, SETTINGS).private  # the descriptor's factory again


def test_custom_connectors_register_by_name() -> None:
    with pytest.raises(ConfigError, match="already registered"):
        register_connector(PUBLIC, upbit.upbit_public)
    register_connector("custom-feed", lambda s: UpbitConnector("custom-feed", s.ws_public_url))
    try:
        assert "custom-feed" in available_connectors()
        assert create_connector("custom-feed", SETTINGS).name == "custom-feed"
        with pytest.raises(ConfigError, match="already registered"):
            register_connector("custom-feed", upbit.upbit_public)
    finally:
        unregister_connector("custom-feed")
    assert "custom-feed" not in available_connectors()


def test_info_endpoint_is_a_signed_upbit_connection() -> None:
    d = descriptor_for_connection(upbit.INFO)
    assert d is upbit.DESCRIPTOR
    settings = SETTINGS.with_overrides(ws_info_url="ws://127.0.0.1:1/websocket/v1/info")
    connector = create_connector(upbit.INFO, settings)
    assert isinstance(connector, upbit.UpbitInfoConnector)
    assert connector.private and connector.url == settings.ws_info_url
    assert connector.credentials is PRIVATE_CREDENTIALS  # any Upbit key signs it, no scope needed
    assert d.private is not None and d.private.name == PRIVATE  # the account connection comes first


def test_both_private_endpoints_sign_through_one_core() -> None:
    """Bithumb's private connector differs from Upbit's only in its JWT claims, not in a copy."""
    provider = CredentialsProvider()
    upbit_private = UpbitPrivateConnector("ws://127.0.0.1:1/private", provider)
    bithumb_private = bithumb.BithumbPrivateConnector("ws://127.0.0.1:4/private", provider,
                                                      clock_ms=lambda: 1_700_000_000_000)
    assert type(bithumb_private).headers is type(upbit_private).headers
    for connector in (upbit_private, bithumb_private):
        with pytest.raises(HandshakeRejected, match=connector.name):
            connector.headers()
        assert connector.tokens_issued == 0 and "no key" in connector.describe()


def test_only_venues_that_read_the_flag_resubscribe_stream_only() -> None:
    tickers = SubscriptionSpec("ticker", ("KRW-BTC", "KRW-ETH"))
    before = merge_specs([tickers, SubscriptionSpec("trade", ("KRW-BTC",))])
    after = merge_specs([tickers, SubscriptionSpec("trade", ("KRW-ETH",))])
    upbit_req = UpbitConnector("u", "ws://127.0.0.1:1").build_requests(before, after)
    # Bithumb documents the camelCase spelling only: it keeps every snapshot.
    bithumb_req = UpbitConnector("b", "ws://127.0.0.1:1", profile=bithumb.BITHUMB_PROFILE).build_requests(
        before, after)
    assert [r.count("is_only_realtime") for r in upbit_req] == [1]
    assert [r.count("is_only_realtime") for r in bithumb_req] == [0]
