"""Asking the manager for Upbit's server indicators (the ``upbit-info`` connection).

For chart studies whose source is the server (RSI/MA/BB/MACD/volume at 5m-1d on KRW markets)::

    wants = ServerIndicators(manager)
    wants.want(owner, "KRW-BTC", "5m", [IndicatorDef("rsi", (("period", 14),))], owner.on_indicator)
    ...
    wants.release(owner)

``owner`` is held weakly by the manager (as every component); its callback receives the decoded
``indicator`` / ``indicator_signal`` events of that code (values at each candle close: nothing arrives
before the first close after subscribing). The info connection is one more manager connection
(state, metrics, a status-panel column); it needs API keys like the private one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from upbit_monitor.exchanges.upbit import INFO as NAME
from upbit_monitor.protocol.subscriptions import IndicatorDef, SubscriptionSpec

__all__ = ["NAME", "IndicatorDef", "ServerIndicators", "indicator_spec"]


def indicator_spec(code: str, timeframe: str, indicators: Sequence[IndicatorDef], *,
                   signal: bool = False) -> SubscriptionSpec:
    """The spec for ``indicators`` of ``code`` at ``timeframe`` (``signal``: indicator_signal)."""
    return SubscriptionSpec("indicator_signal" if signal else "indicator", (code,), timeframe=timeframe,
                            indicators=tuple(indicators))


class ServerIndicators:
    """Register-or-update indicator wants of components on the ``upbit-info`` connection."""

    def __init__(self, manager: Any) -> None:
        self.manager = manager

    def want(self, owner: object, code: str, timeframe: str, indicators: Sequence[IndicatorDef],
             callback: Callable[[object], None], *, signals: Sequence[IndicatorDef] = ()) -> None:
        """``owner`` wants ``indicators`` (and optionally signal definitions) of ``code`` at ``timeframe``."""
        specs = [indicator_spec(code, timeframe, indicators)]
        if signals:
            specs.append(indicator_spec(code, timeframe, signals, signal=True))
        self.manager.want(owner, specs, connection=NAME, callback=callback)

    def release(self, owner: object) -> None:
        """``owner`` wants nothing any more (also automatic when it is garbage-collected)."""
        self.manager.unregister(owner)
