"""Rule validation: impossible values are refused with clear messages; good ones are normalised."""

from __future__ import annotations

import pytest

from upbit_monitor.errors import AlertRuleError, UpbitMonitorError
from upbit_monitor.features.alerts import AlertRule, RuleKind, describe, validate_rule

K = RuleKind


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (AlertRule(K.PRICE, "KRW-BTC", {"level": -5}), "price level must be above 0"),
        (AlertRule(K.PRICE, "KRW-BTC", {"level": 0}), "price level must be above 0"),
        (AlertRule(K.PRICE, "KRW-BTC", {"level": "abc"}), "price level must be a number"),
        (AlertRule(K.PRICE, "KRW-BTC", {"level": float("nan")}), "finite"),
        (AlertRule(K.PRICE, "KRW-BTC", {}), "price level is missing"),
        (AlertRule(K.PRICE, "KRW-BTC", {"level": 1, "direction": "sideways"}), "direction must be one of"),
        (AlertRule(K.PRICE, "KRW-BTC", {"level": 100}, rearm=100), "re-arm distance must be smaller"),
        (AlertRule(K.PRICE, "btc", {"level": 1}), "not a code like KRW-BTC"),
        (AlertRule(K.PRICE, "", {"level": 1}), "needs a market"),
        (AlertRule(K.PRICE, "KRW-*", {"level": 1}), "needs one market"),
        (AlertRule(K.MOVE, "KRW-BTC", {"pct": 3, "window_s": 0}), "window (seconds) must be at least 1"),
        (AlertRule(K.MOVE, "KRW-BTC", {"pct": 0}), "move % cannot be zero"),
        (AlertRule(K.VOLUME_SPIKE, "KRW-BTC", {"factor": 3, "minutes": 2.5}), "whole number"),
        (AlertRule(K.VOLUME_SPIKE, "KRW-BTC", {"factor": 1, "minutes": 5}), "spike factor must be above 1"),
        (AlertRule(K.WHALE, "KRW-BTC", {"krw": 1e8, "size": 3}), "has no setting 'size'"),
        (AlertRule(K.IMBALANCE, "KRW-BTC", {"ratio": 3, "hold_s": -1}), "hold (seconds) must be at least 0"),
        (AlertRule(K.LISTING, "", {"keywords": "  "}), "keywords cannot be empty"),
        (AlertRule(K.CONNECTION, "", {"down_s": 0}), "down for (seconds) must be above 0"),
        (AlertRule(K.PRICE, "KRW-BTC", {"level": 1}, cooldown_s=-1), "cooldown must be between"),
        (AlertRule(K.PRICE, "KRW-BTC", {"level": 1}, venue="nowhere"), "unknown venue 'nowhere'"),
        (AlertRule("nonsense", "KRW-BTC"), "unknown rule kind"),  # type: ignore[arg-type]
    ],
)
def test_impossible_values_are_refused_in_words(rule: AlertRule, words: str) -> None:
    with pytest.raises(AlertRuleError) as info:
        validate_rule(rule)
    assert words in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, UpbitMonitorError)


def test_valid_rules_are_normalised_with_defaults() -> None:
    rule = validate_rule(AlertRule(K.PRICE, " krw-btc ", {"level": "100000000"}))
    assert rule.market == "KRW-BTC"
    assert rule.params == {"level": 100_000_000.0, "direction": "above"}
    assert describe(rule) == "BTC/KRW price above 100,000,000"  # the display form the UI uses
    scan = validate_rule(AlertRule(K.MOVE, "KRW-*", {"pct": -5, "window_s": 60}))
    assert scan.wildcard and scan.quote == "KRW"
    assert describe(scan) == "every KRW market moves -5 % within 1 min"
    conn = validate_rule(AlertRule(K.CONNECTION, "KRW-BTC", {"down_s": 10}))
    assert conn.market == "" and conn.text("connection") == "upbit-public"


def test_every_kind_has_a_description() -> None:
    samples = {
        K.PRICE: {"level": 5}, K.MOVE: {"pct": 3}, K.CHANGE_24H: {"pct": 10},
        K.VOLUME_SPIKE: {"factor": 5}, K.PREMIUM: {"pct": 3}, K.WHALE: {"krw": 1e8},
        K.IMBALANCE: {"ratio": 3}, K.LISTING: {}, K.CONNECTION: {"down_s": 30},
    }
    for kind, params in samples.items():
        market = "" if kind in (K.LISTING, K.CONNECTION) else "KRW-BTC"
        text = describe(validate_rule(AlertRule(kind, market, params)))
        assert text and "{" not in text
