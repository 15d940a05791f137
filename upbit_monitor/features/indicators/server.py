"""Asking the manager for Upbit's server indicators (the ``upbit-info`` connection).

For chart studies whose source is the server (RSI/MA/BB/MACD/volume at 5m-1d on KRW markets)::

    wants = ServerIndicators(manager)
    wants.want(owner, "KRW-BTC", "5m", [IndicatorDef("rsi", (("period", 14),))], owner.on_indicator)
    ...
    wants.release(owner)

``owner`` is held weakly by the manager (as every component); its callback receives the decoded
``indicator`` / ``indicator_signal`` events of that code (values at each candle close: nothing arrives
before the first close after subscribing). The info connection is one more manager connection
(state, metrics, a status-panel column); it needs API keys like the private one. Pass the private
feed's key provider (``ServerIndicators(manager, provider=private.provider)``): the connection is then
created with it on the first want, so it signs with the keys the user entered. Without one, the
registry's factory signs with the process-wide provider (tests fill that one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from upbit_monitor.errors import ManagerError
from upbit_monitor.exchanges.base import CredentialsProvider
from upbit_monitor.exchanges.upbit import INFO as NAME
from upbit_monitor.exchanges.upbit import UpbitInfoConnector, upbit_rate_limit
from upbit_monitor.protocol.subscriptions import IndicatorDef, SubscriptionSpec

__all__ = ["NAME", "IndicatorDef", "ServerIndicators", "indicator_spec"]


def indicator_spec(code: str, timeframe: str, indicators: Sequence[IndicatorDef], *,
                   signal: bool = False) -> SubscriptionSpec:
    """The spec for ``indicators`` of ``code`` at ``timeframe`` (``signal``: indicator_signal)."""
    return SubscriptionSpec("indicator_signal" if signal else "indicator", (code,), timeframe=timeframe,
                            indicators=tuple(indicators))


class ServerIndicators:
    """Register-or-update indicator wants of components on the ``upbit-info`` connection."""

    def __init__(self, manager: Any, *, provider: CredentialsProvider | None = None) -> None:
        self.manager = manager
        self.provider = provider
        self._connection_added = provider is None

    def _ensure_connection(self) -> None:
        if self._connection_added or self.provider is None:
            return
        settings = self.manager.settings
        connector = UpbitInfoConnector(settings.ws_info_url, self.provider,
                                       keepalive_interval_s=settings.keepalive_interval_s)
        connector.rate_limit = upbit_rate_limit(settings)
        try:
            self.manager.add_connection(connector)
        except ManagerError:
            pass  # created before (another ServerIndicators, or the registry): it keeps its keys
        self._connection_added = True

    def want(self, owner: object, code: str, timeframe: str, indicators: Sequence[IndicatorDef],
             callback: Callable[[object], None], *, signals: Sequence[IndicatorDef] = ()) -> None:
        """``owner`` wants ``indicators`` (and optionally signal definitions) of ``code`` at ``timeframe``."""
        self._ensure_connection()
        specs = [indicator_spec(code, timeframe, indicators)]
        if signals:
            specs.append(indicator_spec(code, timeframe, signals, signal=True))
        self.manager.want(owner, specs, connection=NAME, callback=callback)

    def want_signals(self, owner: object, specs: Sequence[SubscriptionSpec],
                     callback: Callable[[object], None]) -> None:
        """``owner`` (an alerts component) wants these ``indicator_signal`` specs; none unregisters it.

        Wanting nothing never opens the info connection: no idle socket, no key problem, for a user
        without signal rules.
        """
        if not specs:
            self.manager.unregister(owner)
            return
        self._ensure_connection()
        self.manager.want(owner, specs, connection=NAME, callback=callback)

    def release(self, owner: object) -> None:
        """``owner`` wants nothing any more (also automatic when it is garbage-collected)."""
        self.manager.unregister(owner)
