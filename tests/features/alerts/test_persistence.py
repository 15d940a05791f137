"""Rules and history survive a restart; the cooldown too; history pages; bad rows are skipped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.features.alerts.events import T0, tick
from tests.features.alerts.fakes import FakeSource
from tests.storage.conftest import BACKENDS, PgSchema, pg_base_url
from upbit_monitor.errors import AlertRuleError
from upbit_monitor.features.alerts import AlertEngine, AlertRule, AlertStore, RuleKind
from upbit_monitor.storage import DbContext

K = RuleKind
HOUR = 3_600_000


@pytest.fixture(params=BACKENDS)
def ctx(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DbContext]:
    """A migrated database: a SQLite file, and PostgreSQL when the storage suite's URL is set."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'alerts.db'}"
    else:
        schema = PgSchema(pg_base_url())
        url = schema.create()
    db = DbContext.open(url)
    try:
        yield db
    finally:
        db.close()
        if schema is not None:
            schema.drop()


@pytest.mark.asyncio
async def test_rules_history_and_cooldown_survive_a_restart(ctx: DbContext) -> None:
    src = FakeSource()
    first = AlertEngine(src, store=AlertStore(ctx))
    rule = await first.add_rule(AlertRule(K.PRICE, "KRW-BTC", {"level": 100}, cooldown_s=3600, note="n"))
    await first.add_rule(AlertRule(K.MOVE, "KRW-*", {"pct": 5}, enabled=False))
    for i, p in enumerate([99, 101]):
        src.push(tick(p, T0 + i))
    assert len(first.recent) == 1
    await first.aclose()

    src2 = FakeSource()
    second = AlertEngine(src2, store=AlertStore(ctx))
    assert await second.load() == 1
    assert second.rules()[0] == rule and [r.enabled for r in second.rules()] == [True, False]
    assert src2.wanted("ticker") == {"KRW-BTC"}  # the loaded rule subscribed its coin again
    history = await second.history()
    assert [(t.rule_id, t.market, t.kind, t.value) for t in history] == [(rule.id, "KRW-BTC", "price", 101)]
    # A new crossing within the stored cooldown is held; after the hour it fires.
    for i, p in enumerate([99, 102]):
        src2.push(tick(p, T0 + 10_000 + i))
    assert len(second.recent) == 0
    src2.push(tick(103, T0 + HOUR + 5))
    assert len(second.recent) == 1
    await second.flush()
    assert await second.store.count() == 2  # type: ignore[union-attr]
    await second.aclose()


@pytest.mark.asyncio
async def test_history_pages_newest_first_with_filters(ctx: DbContext) -> None:
    src = FakeSource()
    engine = AlertEngine(src, store=AlertStore(ctx))
    btc = await engine.add_rule(AlertRule(K.PRICE, "KRW-BTC", {"level": 100}, cooldown_s=0))
    await engine.add_rule(AlertRule(K.PRICE, "KRW-ETH", {"level": 100}, cooldown_s=0))
    t = T0
    for _ in range(30):
        for code in ("KRW-BTC", "KRW-ETH"):
            src.push(tick(99, t, code))
            src.push(tick(101, t + 1, code))
        t += 10
    page1 = await engine.history(limit=25)
    page2 = await engine.history(limit=25, before_id=page1[-1].id)
    page3 = await engine.history(limit=25, before_id=page2[-1].id)
    ids = [x.id for x in page1 + page2 + page3]
    assert len(ids) == 60 and ids == sorted(ids, reverse=True) and len(page3) == 10
    only_btc = await engine.history(limit=100, market="KRW-BTC")
    assert len(only_btc) == 30 and {x.rule_id for x in only_btc} == {btc.id}
    assert len(await engine.history(limit=100, rule_id=btc.id)) == 30
    await engine.aclose()


@pytest.mark.asyncio
async def test_refused_rule_saves_nothing_and_a_bad_stored_row_is_skipped(ctx: DbContext) -> None:
    engine = AlertEngine(FakeSource(), store=AlertStore(ctx))
    with pytest.raises(AlertRuleError, match="price level must be above 0"):
        await engine.add_rule(AlertRule(K.PRICE, "KRW-BTC", {"level": -1}))
    good = await engine.add_rule(AlertRule(K.WHALE, "KRW-BTC", {"krw": 1e8}))
    bad = await engine.add_rule(AlertRule(K.WHALE, "KRW-ETH", {"krw": 1e8}))
    with pytest.raises(AlertRuleError, match="no alert rule"):
        await engine.update_rule(AlertRule(K.WHALE, "KRW-ETH", {"krw": 1}, id=999))
    with pytest.raises(AlertRuleError):  # an impossible edit leaves the stored rule as it was
        await engine.update_rule(AlertRule(K.WHALE, "KRW-ETH", {"krw": 0}, id=bad.id))
    await engine.aclose()
    with ctx.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alert_rules SET params = '{\"krw\": -5}' WHERE id = :i"), {"i": bad.id})
    store = AlertStore(ctx)
    again = AlertEngine(FakeSource(), store=store)
    assert await again.load() == 1
    assert again.rules() == [good]
    assert "not loaded" in store.skipped[0] and f"#{bad.id}" in store.skipped[0]
    await again.aclose()
