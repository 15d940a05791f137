"""What the chart needs from the GlobalWebSocketManager (a structural type, so tests can fake it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from upbit_monitor.protocol.events import Candle, Ticker
from upbit_monitor.protocol.subscriptions import SubscriptionSpec


class ChartSource(Protocol):
    """The part of GlobalWebSocketManager the chart uses."""

    def register(self, component: object, specs: Sequence[SubscriptionSpec]) -> None:
        """Register a component with its subscriptions."""
        ...

    def want(self, component: object, specs: Sequence[SubscriptionSpec]) -> None:
        """Register the component the first time, replace its subscriptions after."""
        ...

    def update(self, component: object, specs: Sequence[SubscriptionSpec]) -> None:
        """Replace a registered component's subscriptions."""
        ...

    def latest_candle(self, code: str, type: str) -> Candle | None:
        """Newest candle of ``type`` for ``code``."""
        ...

    def latest_ticker(self, code: str) -> Ticker | None:
        """Newest ticker of ``code`` (day/week/month charts fold it into their last bar)."""
        ...

    def version(self, type: str, code: str) -> int:
        """Counter that moves whenever a new event of (type, code) was stored."""
        ...
