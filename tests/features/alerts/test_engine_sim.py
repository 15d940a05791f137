"""The engine on a live manager against the simulator, with scripted market moves."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from tests.features.alerts.simmoves import now_ms, quiet, set_book, trade_at
from tests.manager.simtools import running, subscription_requests, wire_set
from tests.manager.waiting import wait_until
from upbit_monitor.features.alerts import AlertEngine, AlertRule, Delivery, RuleKind
from upbit_monitor.features.alerts.delivery import RecordingNotifier
from upbit_monitor.models import display_code

K = RuleKind
MIN = 60_000


def _engine(mgr: object, **kw: object) -> tuple[AlertEngine, RecordingNotifier]:
    rec = RecordingNotifier()
    engine = AlertEngine(mgr, delivery=Delivery([rec]), **kw)  # type: ignore[arg-type]
    return engine, rec


def _kinds(engine: AlertEngine) -> list[str]:
    return sorted(t.kind for t in engine.recent)


@pytest.mark.asyncio
async def test_every_market_rule_kind_fires_once_on_scripted_moves() -> None:
    premium = {"value": 0.0}
    src = SimpleNamespace(premium=lambda code, exchange=None, venue=None: SimpleNamespace(
        premium=premium["value"]))
    async with running() as (sim, mgr):
        quiet(sim)
        codes = sim.model.codes("KRW")
        a, b, c, d, e, f, g = codes[1:8]
        price = {x: sim.model.price(x) for x in codes[:8]}
        engine, rec = _engine(mgr, premium=src)
        rules = [
            AlertRule(K.PRICE, a, {"level": price[a] * 1.05, "direction": "above"}, cooldown_s=0),
            AlertRule(K.MOVE, b, {"pct": -3, "window_s": 60}, cooldown_s=0),
            AlertRule(K.CHANGE_24H, c, {"pct": 12}, cooldown_s=0),
            AlertRule(K.VOLUME_SPIKE, d, {"factor": 5, "minutes": 2}, cooldown_s=0),
            AlertRule(K.PREMIUM, e, {"pct": 4, "direction": "above"}, cooldown_s=0),
            AlertRule(K.WHALE, f, {"krw": 50_000_000}, cooldown_s=0),
            AlertRule(K.IMBALANCE, g, {"ratio": 4, "side": "bid", "hold_s": 2}, cooldown_s=0),
        ]
        for r in rules:
            await engine.add_rule(r)
        # The rules' own registrations subscribe their coins: snapshots arrive without any view.
        await wait_until(lambda: all(mgr.latest_ticker(x) for x in (a, b, c, e))
                         and mgr.latest_orderbook(g), within=10)
        assert all(mgr.latest_ticker(x) is None for x in (d, f))  # trade-only rules want trades only
        t = now_ms()
        trade_at(sim, a, price[a] * 1.02, t)
        trade_at(sim, a, price[a] * 1.06, t + 1000)  # crosses the level
        trade_at(sim, a, price[a] * 1.07, t + 2000)  # still above: no second trigger
        trade_at(sim, b, price[b], t)
        trade_at(sim, b, price[b] * 0.965, t + 20_000)  # -3.5 % in 20 s
        st = sim.model.state(c)
        st.prev_close = st.price / 1.13  # the day's change is now about +13 %
        trade_at(sim, c, st.price, t)
        for m in range(3):  # two quiet minutes of 10,000 KRW, then 100,000 KRW in one minute
            trade_at(sim, d, price[d], t + m * MIN)
        trade_at(sim, d, price[d], t + 3 * MIN, volume=100_000 / price[d])
        trade_at(sim, e, price[e], t)  # premium 0 %: armed
        premium["value"] = 0.045
        trade_at(sim, e, price[e], t + 1000)
        trade_at(sim, f, price[f], t, volume=60_000_000 / price[f])
        set_book(sim, g, 50, 10, t)
        set_book(sim, g, 50, 10, t + 2500)
        await wait_until(lambda: len(rec.sent) >= 7, within=10)
        assert _kinds(engine) == sorted(str(r.kind) for r in rules)
        by_kind = {tr.kind: tr for tr in engine.recent}
        assert by_kind["price"].market == a and by_kind["price"].value >= price[a] * 1.05
        assert by_kind["move"].value == pytest.approx(-3.5, abs=0.2)
        assert by_kind["whale"].value >= 50_000_000
        assert rec.sent[0][0].endswith("alert")
        await engine.aclose()


@pytest.mark.asyncio
async def test_deleting_a_rule_releases_its_subscription() -> None:
    async with running() as (sim, mgr):
        quiet(sim)
        code = sim.model.codes("KRW")[5]
        engine, _ = _engine(mgr)
        keep = await engine.add_rule(AlertRule(K.PRICE, "KRW-BTC", {"level": 1}))
        rule = await engine.add_rule(AlertRule(K.IMBALANCE, code, {"ratio": 3}))
        await wait_until(lambda: any(code in wire_set(r.text).get("orderbook", [])
                                     for r in subscription_requests(sim)))
        assert rule.id is not None
        n = len(subscription_requests(sim))
        await engine.remove_rule(rule.id)
        await wait_until(lambda: len(subscription_requests(sim)) > n, within=10)
        last = wire_set(subscription_requests(sim)[-1].text)
        assert code not in last.get("orderbook", []) and last["ticker"] == ["KRW-BTC"]
        assert engine.rules() == [keep]
        await engine.aclose()
        assert [r for r in mgr.registrations() if "AlertEngine" in r.name] == []


@pytest.mark.asyncio
async def test_scanner_watches_every_market_of_a_quote() -> None:
    async with running() as (sim, mgr):
        quiet(sim)
        codes = sim.model.codes("KRW")
        engine, rec = _engine(mgr)
        engine.set_markets("upbit", codes)
        await engine.add_rule(AlertRule(K.MOVE, "KRW-*", {"pct": 4, "window_s": 300}, cooldown_s=0))
        await wait_until(lambda: all(mgr.latest_ticker(x) for x in codes), within=10)
        t = now_ms()
        movers = codes[10], codes[30]
        for x in movers:
            p = sim.model.price(x)
            trade_at(sim, x, p, t)
            trade_at(sim, x, p * 1.05, t + 60_000)
        trade_at(sim, codes[3], sim.model.price(codes[3]) * 1.01, t + 60_000)  # +1 %: no
        await wait_until(lambda: len(rec.sent) >= 2, within=10)
        assert sorted(tr.market for tr in engine.recent) == sorted(movers)
        for tr in engine.recent:  # named as the UI shows the coin that moved, not as "KRW-*"
            assert tr.title == f"{display_code(tr.market)} alert"
            assert tr.message.startswith(f"{display_code(tr.market)} moves +4 % within 5 min: ")
        await engine.aclose()


@pytest.mark.asyncio
async def test_connection_down_for_n_seconds_fires_once_per_outage() -> None:
    async with running() as (sim, mgr):
        engine, rec = _engine(mgr)
        await engine.add_rule(AlertRule(K.CONNECTION, "", {"down_s": 0.3}, cooldown_s=0))
        # Something must keep the connection wanted: a price rule on a coin.
        await engine.add_rule(AlertRule(K.PRICE, "KRW-BTC", {"level": 1e12}))
        await wait_until(lambda: mgr.latest_ticker("KRW-BTC") is not None, within=10)
        await sim.restart(downtime_s=1.0)
        await wait_until(lambda: rec.sent, within=10)
        trig = engine.recent[0]
        assert trig.kind == "connection" and trig.value >= 0.3
        await wait_until(lambda: str(engine.connection_states().get("upbit-public")) == "connected",
                         within=5)
        assert len(rec.sent) == 1
        await engine.aclose()


@pytest.mark.asyncio
async def test_disabled_rules_do_not_fire_and_restart_fresh_when_enabled() -> None:
    async with running() as (sim, mgr):
        quiet(sim)
        code = sim.model.codes("KRW")[2]
        p = sim.model.price(code)
        engine, rec = _engine(mgr)
        rule = await engine.add_rule(AlertRule(K.WHALE, code, {"krw": 1_000_000}, cooldown_s=0))
        await wait_until(lambda: any(code in wire_set(r.text).get("trade", [])
                                     for r in subscription_requests(sim)))
        assert rule.id is not None
        keep = await engine.add_rule(AlertRule(K.PRICE, "KRW-BTC", {"level": 1}))
        await engine.set_enabled(rule.id, False)
        await wait_until(lambda: code not in wire_set(subscription_requests(sim)[-1].text).get("trade", []),
                         within=10)
        trade_at(sim, code, p, volume=2_000_000 / p)  # nobody wants it now: not even sent
        await engine.set_enabled(rule.id, True)
        await wait_until(lambda: any(code in wire_set(r.text).get("trade", [])
                                     for r in subscription_requests(sim)[-1:]))
        trade_at(sim, code, p, volume=3_000_000 / p)
        await wait_until(lambda: rec.sent, within=10)
        assert len(engine.recent) == 1 and engine.recent[0].value >= 2_900_000
        edited = await engine.update_rule(dataclasses.replace(engine.rules()[0], note="big"))
        assert edited.note == "big" and engine.rules() == [edited, keep]
        await engine.aclose()


@pytest.mark.asyncio
async def test_rules_are_per_venue_on_two_korean_venues() -> None:
    from tests.manager.simtools import fast_settings, simulator
    from upbit_monitor.manager import GlobalWebSocketManager
    from upbit_monitor.sim.bithumb import BithumbSimulator, WanderingSpread

    async with simulator() as upbit:
        quiet(upbit)
        spread = WanderingSpread(base=0.02, amplitude=0.0)  # Bithumb = Upbit x 1.02
        async with BithumbSimulator(beside=upbit, spread=spread) as bithumb:
            mgr = GlobalWebSocketManager(fast_settings(upbit, bithumb_ws_url=bithumb.ws_url))
            await mgr.start()
            try:
                code = upbit.model.codes("KRW")[2]
                p = upbit.model.price(code)
                engine, rec = _engine(mgr, venues=("upbit", "bithumb"))
                level = {"level": p * 1.03}
                await engine.add_rule(AlertRule(K.PRICE, code, level, venue="upbit"))
                on_bithumb = await engine.add_rule(AlertRule(K.PRICE, code, level, venue="bithumb"))
                await wait_until(lambda: mgr.latest_ticker(code) is not None
                                 and mgr.latest_ticker(code, "bithumb") is not None, within=10)
                trade_at(upbit, code, p * 1.015)  # Upbit 1.015 p (below), Bithumb ~1.035 p (above)
                await wait_until(lambda: rec.sent, within=10)
                assert [(t.venue, t.rule_id) for t in engine.recent] == [("bithumb", on_bithumb.id)]
                await engine.aclose()
            finally:
                await mgr.shutdown()
