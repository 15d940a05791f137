"""Properties of the gate over arbitrary price paths, and storage failures leaving nothing half-made."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.features.alerts.events import T0, tick
from tests.features.alerts.fakes import FakeSource
from upbit_monitor.errors import StorageError
from upbit_monitor.features.alerts import AlertEngine, AlertRule, AlertStore, RuleKind, validate_rule
from upbit_monitor.features.alerts.evaluators import PriceCross

LEVEL = 100.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 30_000), st.floats(90, 110)), min_size=1, max_size=300),
       st.integers(0, 60), st.floats(0, 5))
def test_price_rule_fires_at_most_once_per_cooldown_and_only_after_rearming(
        path: list[tuple[int, float]], cooldown_s: int, rearm: float) -> None:
    rule = validate_rule(AlertRule(RuleKind.PRICE, "KRW-BTC", {"level": LEVEL}, cooldown_s=cooldown_s,
                                   rearm=rearm))
    e = PriceCross(rule, "KRW-BTC")
    t = T0
    fired: list[int] = []
    prices: list[float] = []
    for dt, price in path:
        t += dt
        if e.feed(tick(price, t)) is not None:
            fired.append(t)
            assert price >= LEVEL
        prices.append(price)
    for a, b in itertools.pairwise(fired):
        assert b - a >= cooldown_s * 1000
    # Between two triggers the price went back below level - rearm at least once.
    t = T0
    times = []
    for dt, _ in path:
        t += dt
        times.append(t)
    for a, b in itertools.pairwise(fired):
        between = [p for ts, p in zip(times, prices, strict=True) if a < ts < b]
        assert any(p < LEVEL - rearm for p in between)


class FailingStore(AlertStore):
    def __init__(self) -> None:  # no database at all
        self.skipped = []

    async def add_rule(self, rule: AlertRule) -> int:
        raise StorageError("database error (disk full)")


@pytest.mark.asyncio
async def test_a_rule_the_database_refuses_is_not_activated() -> None:
    src = FakeSource()
    engine = AlertEngine(src, store=FailingStore())
    with pytest.raises(StorageError):
        await engine.add_rule(AlertRule(RuleKind.PRICE, "KRW-BTC", {"level": LEVEL}))
    with pytest.raises(StorageError):
        await engine.add_rules([AlertRule(RuleKind.PRICE, "KRW-ETH", {"level": LEVEL})])
    assert engine.rules() == [] and src.wanted("ticker") == set()
    await engine.aclose()
