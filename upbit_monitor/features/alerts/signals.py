"""Upbit-signal rules: their ``indicator_signal`` subscriptions and the events that fire them.

:class:`SignalWatch` is one manager component on the ``upbit-info`` connection (signed with the
private feed's keys, like the chart's server studies). Its wanted set is every enabled signal rule's
``(market, timeframe)`` with the rules' preset definitions, merged into one spec per pair; with no
rule it wants nothing and is unregistered, so no info socket stays open for nothing. An event fires
the rules whose market, timeframe and definition (kind, params, trigger, event params) it carries,
at most once per rule and candle close (a frame resent after a reconnect does not fire twice).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from upbit_monitor.features.alerts.evaluators import Hit
from upbit_monitor.features.alerts.rules import AlertRule
from upbit_monitor.features.alerts.signal_presets import SIGNAL_PRESETS
from upbit_monitor.features.indicators.server import indicator_spec
from upbit_monitor.protocol.subscriptions import IndicatorDef, SubscriptionSpec

_SEEN = 2000  # (rule, candle) pairs remembered against repeats


class SignalSubscriber(Protocol):
    """Where the watch registers its specs (``features.indicators.server.ServerIndicators``)."""

    def want_signals(self, owner: object, specs: Sequence[SubscriptionSpec],
                     callback: Callable[[Any], None]) -> None:
        """Register or update ``owner``'s signal specs; empty specs unregister it."""


class SignalWatch:
    """Signal rules against ``indicator_signal`` events (see the module docstring).

    Args:
        server: the info connection's subscriber; None where there is none (the rules then wait).
        fire: ``fire(rule, market, hit)``.
    """

    def __init__(self, server: SignalSubscriber | None,
                 fire: Callable[[AlertRule, str, Hit], None]) -> None:
        self.server = server
        self._fire = fire
        self._rules: dict[tuple[str, str, IndicatorDef], list[AlertRule]] = {}
        self._seen: set[tuple[int | None, str, str]] = set()
        self._order: deque[tuple[int | None, str, str]] = deque()

    def set_rules(self, rules: Sequence[AlertRule]) -> None:
        """The enabled signal rules: re-index them and update the subscription."""
        table: dict[tuple[str, str, IndicatorDef], list[AlertRule]] = {}
        for rule in rules:
            definition = SIGNAL_PRESETS.get(rule.text("signal"))
            if definition is not None:  # validated rules always name a preset
                table.setdefault((rule.market, rule.text("timeframe"), definition), []).append(rule)
        self._rules = table
        if self.server is not None:
            self.server.want_signals(self, self.specs(), self.on_event)

    def specs(self) -> list[SubscriptionSpec]:
        """One ``indicator_signal`` spec per (market, timeframe) with every definition wanted there."""
        by_pair: dict[tuple[str, str], list[IndicatorDef]] = {}
        for code, timeframe, definition in self._rules:
            by_pair.setdefault((code, timeframe), []).append(definition)
        return [indicator_spec(code, tf, defs, signal=True) for (code, tf), defs in sorted(by_pair.items())]

    def on_event(self, ev: Any) -> None:
        """Manager callback: an ``indicator_signal`` event fires the rules it matches."""
        if getattr(ev, "type", "") != "indicator_signal":
            return
        try:
            definition = IndicatorDef(str(ev.indicator), tuple(ev.params.items()), str(ev.trigger),
                                      tuple(ev.event_params.items()))
        except Exception:  # an indicator kind this client does not know: no rule can want it
            return
        rules = self._rules.get((ev.code, ev.timeframe, definition), ())
        for rule in rules:
            key = (rule.id, ev.code, f"{ev.timeframe} {ev.candle_date_time_utc}")
            if key in self._seen:
                continue
            self._remember(key)
            values = ", ".join(f"{name} {float(v):,.6g}" for name, v in ev.value.items())
            first = next(iter(ev.value.values()), 0)
            detail = f"Upbit signal {rule.text('signal')} at the {ev.timeframe} close ({values})"
            self._fire(rule, ev.code, Hit(float(first), detail, int(ev.timestamp)))

    def _remember(self, key: tuple[int | None, str, str]) -> None:
        self._seen.add(key)
        self._order.append(key)
        if len(self._order) > _SEEN:
            self._seen.discard(self._order.popleft())

    def close(self) -> None:
        """Release the subscription."""
        self._rules = {}
        if self.server is not None:
            self.server.want_signals(self, [], self.on_event)
