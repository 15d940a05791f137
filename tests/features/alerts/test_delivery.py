"""Delivery: the first available notifier shows each trigger; an unavailable one is reported once."""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from tests.features.alerts.events import T0, fill, tick
from tests.features.alerts.fakes import FakeSource
from upbit_monitor.errors import AlertRuleError
from upbit_monitor.features.alerts import (
    AlertEngine,
    AlertRule,
    Delivery,
    DesktopNotifierBackend,
    NotifierUnavailable,
    RuleKind,
)
from upbit_monitor.features.alerts.delivery import RecordingNotifier
from upbit_monitor.protocol.events import SNAPSHOT


class Broken:
    name = "desktop"

    def __init__(self) -> None:
        self.calls = 0

    async def send(self, title: str, body: str) -> None:
        self.calls += 1
        raise NotifierUnavailable("no notification service answered")


@pytest.mark.asyncio
async def test_unavailable_notifier_is_reported_once_and_skipped_after() -> None:
    notices: list[str] = []
    broken, rec = Broken(), RecordingNotifier()
    delivery = Delivery([broken, rec], on_notice=notices.append)
    src = FakeSource()
    engine = AlertEngine(src, delivery=delivery)
    await engine.add_rule(AlertRule(K.WHALE, "KRW-BTC", {"krw": 1000}, cooldown_s=0))
    for i in range(3):
        src.push(fill(100, 20, T0 + i))
    await engine.aclose()
    assert len(rec.sent) == 3 and broken.calls == 1
    assert notices == [
        "Desktop notifications unavailable (no notification service answered); using recording"]
    assert delivery.active == "recording" and delivery.delivered == 3


@pytest.mark.asyncio
async def test_only_notifier_unavailable_leaves_the_in_app_log() -> None:
    notices: list[str] = []
    src = FakeSource()
    engine = AlertEngine(src, delivery=Delivery([Broken()], on_notice=notices.append))
    await engine.add_rule(AlertRule(K.PRICE, "KRW-BTC", {"level": 100}))
    src.push(tick(99, T0))
    src.push(tick(100, T0 + 1))
    await engine.aclose()
    assert len(engine.recent) == 1 and engine.unseen == 1
    assert notices == ["Desktop notifications unavailable (no notification service answered); "
                       "alerts show in the Alerts dock only"]


@pytest.mark.asyncio
async def test_rules_must_name_a_known_market_once_markets_are_known() -> None:
    engine = AlertEngine(FakeSource())
    engine.set_markets("upbit", ["KRW-BTC", "KRW-ETH"])
    with pytest.raises(AlertRuleError, match="KRW-NOPE is not a market on upbit"):
        await engine.add_rule(AlertRule(K.PRICE, "KRW-NOPE", {"level": 5}))
    with pytest.raises(AlertRuleError, match="upbit has no USDT markets"):
        await engine.add_rule(AlertRule(K.MOVE, "USDT-*", {"pct": 5}))
    listing = await engine.add_rule(AlertRule(K.LISTING, "KRW-NEWCOIN"))  # not listed yet: fine
    assert engine.rules() == [listing]
    await engine.aclose()


@pytest.mark.asyncio
async def test_premium_rules_also_wake_on_the_foreign_quote() -> None:
    from types import SimpleNamespace

    from upbit_monitor.exchanges.quotes import make_quote

    value = {"p": 0.01}
    src = FakeSource()
    premium = SimpleNamespace(premium=lambda code, exchange=None, venue=None: SimpleNamespace(
        premium=value["p"]))
    engine = AlertEngine(src, premium=premium)  # type: ignore[arg-type]
    await engine.add_rule(AlertRule(K.PREMIUM, "KRW-BTC", {"pct": 3}))
    # The venue's KRW-USDT rate converts the foreign price: the rule keeps it subscribed itself.
    assert {"KRW-BTC", "KRW-USDT"} <= src.wanted("ticker")
    src.push(tick(100, T0))  # 1 %: armed
    value["p"] = 0.035
    src.push(make_quote("bybit", "BTCUSDT", 70_000.0, timestamp=T0 + 1))  # not the reference venue
    assert len(engine.recent) == 0
    src.push(make_quote("binance", "BTCUSDT", 69_000.0, timestamp=T0 + 2))  # Upbit price unchanged
    assert [(t.kind, t.market) for t in engine.recent] == [("premium", "KRW-BTC")]
    await engine.aclose()


@pytest.mark.asyncio
async def test_desktop_backend_without_a_session_bus_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    with pytest.raises(NotifierUnavailable, match="no D-Bus session bus"):
        await DesktopNotifierBackend().send("t", "b")


@pytest.mark.asyncio
async def test_trigger_listeners_are_isolated_and_snapshot_trades_ignored() -> None:
    src = FakeSource()
    engine = AlertEngine(src)
    got = []

    def bad(_t: object) -> None:
        raise RuntimeError("listener bug")

    engine.add_trigger_listener(bad)
    remove = engine.add_trigger_listener(got.append)
    await engine.add_rule(AlertRule(K.WHALE, "KRW-BTC", {"krw": 1000}, cooldown_s=0))
    src.push(replace(fill(100, 20, T0), stream_type=SNAPSHOT))  # an old trade replayed on subscribe
    src.push(fill(100, 20, T0 + 1))
    assert len(got) == 1 and engine.errors == 1
    remove()
    src.push(fill(100, 20, T0 + 2))
    assert len(got) == 1 and len(engine.recent) == 2
    changed = []
    engine.add_rule_listener(lambda: changed.append(1))
    await engine.add_rule(AlertRule(K.PRICE, "KRW-BTC", {"level": 5}))
    assert changed == [1]
    engine.mark_seen()
    assert engine.unseen == 0
    await engine.aclose()


K = RuleKind


@pytest.mark.asyncio
async def test_combined_premium_routes_bithumb_to_the_domestic_spread() -> None:
    from types import SimpleNamespace

    from upbit_monitor.features.alerts.premium_input import CombinedPremium

    spreads = {"bithumb": 1.5}
    domestic = SimpleNamespace(spread=lambda code, venue=None: spreads.get(venue or "upbit"))
    by_venue = {"upbit": 0.04, "bithumb": 0.03}
    kimchi = SimpleNamespace(premium=lambda code, exchange=None, venue=None: SimpleNamespace(
        premium=by_venue[venue]))
    both = CombinedPremium(kimchi, domestic)  # type: ignore[arg-type]
    assert both.premium("KRW-BTC", "bithumb").premium == pytest.approx(0.015)  # type: ignore[union-attr]
    assert both.premium("KRW-BTC", "binance").premium == 0.04  # type: ignore[union-attr]
    # The rule's venue picks whose price is compared: Bithumb's against Binance, Bithumb's over Upbit's.
    assert both.premium("KRW-BTC", "binance", venue="bithumb").premium == 0.03  # type: ignore[union-attr]
    spreads["upbit"] = -1.0
    back = both.premium("KRW-BTC", "upbit", venue="bithumb")
    assert back is not None and back.premium == pytest.approx(-0.01)
    assert both.premium("KRW-BTC", "bithumb", venue="bithumb") is None  # against itself: nothing to compare
    spreads.clear()
    assert both.premium("KRW-BTC", "bithumb") is None
    assert CombinedPremium().premium("KRW-BTC", "binance") is None
    src = FakeSource()
    engine = AlertEngine(src, premium=CombinedPremium(kimchi, domestic))  # type: ignore[arg-type]
    await engine.add_rule(AlertRule(K.PREMIUM, "KRW-BTC", {"pct": 1, "against": "bithumb"}))
    src.push(tick(100, T0))  # no fresh spread: waits
    spreads["bithumb"] = 0.5
    src.push(tick(100, T0 + 1))  # armed below
    spreads["bithumb"] = 1.2
    src.push(tick(100, T0 + 2))
    assert [t.kind for t in engine.recent] == ["premium"]
    await engine.aclose()
