"""New-listing rules on announcement events: keyword + symbol match, once per notice."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.features.alerts.fakes import FakeSource
from upbit_monitor.features.alerts import AlertEngine, AlertRule, RuleKind
from upbit_monitor.features.alerts.special import title_symbols

LISTING = "[거래] 신규 거래지원 안내 (KRW, USDT 마켓) - 알파체인(ALPHA)"


def notice(uuid: str, title: str, event_type: str = "CREATED") -> SimpleNamespace:
    return SimpleNamespace(type="announcement", uuid=uuid, category="trade", event_type=event_type,
                           title=title, timestamp=1_764_806_400_000)


@pytest.mark.asyncio
async def test_listing_rules_fire_once_per_notice() -> None:
    src = FakeSource()
    engine = AlertEngine(src)
    await engine.add_rule(AlertRule(RuleKind.LISTING))  # any new listing
    await engine.add_rule(AlertRule(RuleKind.LISTING, "KRW-BETA"))  # only BETA
    src.push(notice("u1", "[안내] 시스템 점검 안내"))  # no keyword
    src.push(notice("u2", LISTING))
    src.push(notice("u2", LISTING + " (수정)", "UPDATED"))  # the same notice again
    assert [(t.kind, t.market) for t in engine.recent] == [("listing", "KRW-ALPHA")]
    src.push(notice("u3", "[거래] 신규 거래지원 안내 - 베타(BETA)"))
    assert sorted(t.market for t in engine.recent) == ["KRW-ALPHA", "KRW-BETA", "KRW-BETA"]
    assert "notice: [거래] 신규 거래지원 안내 - 베타(BETA)" in engine.recent[0].message
    await engine.aclose()
    assert src.listeners == [] and src.state_listeners == [] and src.regs == {}


def test_title_symbols() -> None:
    assert title_symbols(LISTING) == ["ALPHA"]
    assert title_symbols("New listing: Foo (FOO), Bar (BAR2)") == ["FOO", "BAR2"]
