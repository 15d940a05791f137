"""What the views need from the manager, as a structural type.

Views depend on this Protocol rather than on the concrete ``GlobalWebSocketManager`` so that model
tests can drive them with a small in-memory fake; the real manager satisfies it structurally.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol

from upbit_monitor.protocol.events import Event, Orderbook, Ticker, Trade


class MarketSource(Protocol):
    """The subset of the manager API the UI uses (see CONTRACTS.md, manager public API)."""

    def want(
        self,
        component: object,
        specs: Sequence[Any],
        *,
        connection: str = ...,
        callback: Callable[[Event], None] | None = ...,
    ) -> None:
        """Register ``component`` the first time, replace its specs after (one call for both)."""

    def latest_ticker(self, code: str) -> Ticker | None:
        """Newest ticker of a code."""

    def latest_orderbook(self, code: str) -> Orderbook | None:
        """Newest orderbook snapshot of a code."""

    def recent_trades(self, code: str, n: int = ...) -> list[Trade]:
        """Up to n recent trades, newest first."""

    def version(self, type: str, code: str) -> int:
        """Counter bumped on every stored event of (type, code)."""

    def all_tickers(self) -> Mapping[str, Ticker]:
        """Latest ticker of every code."""


class IntrospectableSource(MarketSource, Protocol):
    """The manager's introspection API, used by the status panel."""

    def metrics(self) -> Mapping[str, Any]:
        """Frozen ConnectionMetrics snapshot per connection name."""

    def subscriptions(self, connection: str = ...) -> Any:
        """The merged subscription set of a connection."""

    def flush(self) -> None:
        """Send pending subscription changes now instead of on the next loop turn (a user's click)."""

    def registrations(self) -> Sequence[Any]:
        """RegistrationInfo(component_name, connection, specs) of every live component."""

    def add_listener(
        self, callback: Callable[[Event], None], *, types: Collection[str] | None = ...
    ) -> Callable[[], None]:
        """Receive every event of the given types; returns an unsubscribe function."""
