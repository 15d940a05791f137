"""Upbit order states -> the exchange-neutral OrderState."""

from __future__ import annotations

from decimal import Decimal

import pytest

from upbit_monitor.exchanges.order_state import UPBIT_STATES, OrderState, map_upbit_state


@pytest.mark.parametrize(
    ("state", "executed", "remaining", "expected"),
    [
        ("wait", None, None, OrderState.OPEN),
        ("wait", Decimal(0), Decimal(1), OrderState.OPEN),
        ("wait", Decimal("0.1"), Decimal("0.9"), OrderState.PARTIALLY_FILLED),
        ("watch", None, None, OrderState.TRIGGER_PENDING),
        ("trade", Decimal("0.1"), Decimal("0.9"), OrderState.PARTIALLY_FILLED),
        ("trade", Decimal(1), Decimal(0), OrderState.FILLED),
        ("trade", None, None, OrderState.PARTIALLY_FILLED),
        ("done", Decimal(1), Decimal(0), OrderState.FILLED),
        ("cancel", Decimal("0.5"), Decimal("0.5"), OrderState.CANCELLED),
        ("cancel", None, None, OrderState.CANCELLED),
        ("prevented", None, None, OrderState.REJECTED),
        ("DONE", None, None, OrderState.FILLED),
        ("mystery", None, None, OrderState.UNKNOWN),
        ("", None, None, OrderState.UNKNOWN),
    ],
)
def test_map_upbit_state(state: str, executed: Decimal | None, remaining: Decimal | None,
                         expected: OrderState) -> None:
    assert map_upbit_state(state, executed_volume=executed, remaining_volume=remaining) is expected


def test_every_documented_state_is_known() -> None:
    for s in UPBIT_STATES:
        assert map_upbit_state(s) is not OrderState.UNKNOWN


def test_open_flags_and_labels() -> None:
    assert {s for s in OrderState if s.is_open} == {
        OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.TRIGGER_PENDING
    }
    assert all(s.label for s in OrderState)
