"""A small, exchange-neutral order state set and the Upbit mapping into it.

Upbit's ``myOrder.state`` (upbit-protocol.md section 3.5) is one of ``wait``, ``watch``, ``trade``,
``done``, ``cancel``, ``prevented``. Other venues use other words (Binance NEW/PARTIALLY_FILLED/...,
Bybit New/PartiallyFilled/...), so panels and storage work with :class:`OrderState` instead and keep
the raw string next to it for display.

Upbit specifics:
- ``wait``: resting on the book. If it has already executed part of its volume it is partially filled.
- ``watch``: a reserved (stop-limit) order waiting for its trigger price.
- ``trade``: this message reports a fill. With volume left it is partially filled; with nothing left
  (``remaining_volume == 0``) the fill completed it, even though ``done`` may follow.
- ``done``: fully executed. ``cancel``: cancelled (possibly after partial fills; ``executed_volume``
  tells). ``prevented``: cancelled by self-match prevention, i.e. the exchange refused to trade it.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Final


class OrderState(enum.Enum):
    """Exchange-neutral order lifecycle states."""

    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    TRIGGER_PENDING = "trigger_pending"
    UNKNOWN = "unknown"

    @property
    def is_open(self) -> bool:
        """True while the order can still trade (or trigger)."""
        return self in _OPEN_STATES

    @property
    def label(self) -> str:
        """Short English label for tables."""
        return _LABELS[self]


_OPEN_STATES: Final = frozenset({OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.TRIGGER_PENDING})
_LABELS: Final = {
    OrderState.OPEN: "Open",
    OrderState.PARTIALLY_FILLED: "Partially filled",
    OrderState.FILLED: "Filled",
    OrderState.CANCELLED: "Cancelled",
    OrderState.REJECTED: "Rejected",
    OrderState.TRIGGER_PENDING: "Trigger pending",
    OrderState.UNKNOWN: "Unknown",
}

UPBIT_STATES: Final[tuple[str, ...]] = ("wait", "watch", "trade", "done", "cancel", "prevented")

_ZERO: Final = Decimal(0)


def _positive(value: Decimal | float | int | None) -> bool:
    return value is not None and value > 0


def map_upbit_state(
    state: str,
    *,
    executed_volume: Decimal | float | int | None = None,
    remaining_volume: Decimal | float | int | None = None,
) -> OrderState:
    """Map an Upbit ``myOrder.state`` (plus volumes, when known) to :class:`OrderState`.

    Unknown strings map to ``UNKNOWN`` rather than raising: a new Upbit state must not break the
    panel. Matching is case-insensitive.
    """
    s = state.strip().lower() if isinstance(state, str) else ""
    if s == "wait":
        return OrderState.PARTIALLY_FILLED if _positive(executed_volume) else OrderState.OPEN
    if s == "watch":
        return OrderState.TRIGGER_PENDING
    if s == "trade":
        if remaining_volume is not None and remaining_volume <= _ZERO:
            return OrderState.FILLED
        return OrderState.PARTIALLY_FILLED
    if s == "done":
        return OrderState.FILLED
    if s == "cancel":
        return OrderState.CANCELLED
    if s == "prevented":
        return OrderState.REJECTED
    return OrderState.UNKNOWN
