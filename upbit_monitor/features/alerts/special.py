"""The two rule kinds not fed by market data: new-listing announcements and connection outages.

* :class:`ListingMatcher` reads ``announcement`` events (Upbit's 2026 feed on the private endpoint:
  ``uuid``, ``category``, ``event_type``, ``title``...; read by attribute so the decoded type can
  evolve). A notice matches a rule when its title contains one of the rule's keywords and, for a
  rule with a market, the coin's symbol. Each notice fires at most once per rule (deduplicated by
  uuid: an UPDATED copy of a notice does not fire again); listings are rare and each one matters,
  so no cooldown applies.
* :class:`ConnectionWatch` follows the manager's state changes and fires when a connection has been
  down (connecting, reconnecting, failed, key problem) for ``down_s`` seconds; once per outage.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from upbit_monitor.connection.state import ConnState, StateChange
from upbit_monitor.features.alerts.evaluators import Hit
from upbit_monitor.features.alerts.rules import AlertRule

# Symbols in parentheses, as Upbit writes them: "... 신규 거래지원 안내 (KRW, USDT 마켓) - 체인(ABC)".
_SYMBOL_RE = re.compile(r"\(([A-Z0-9]{2,12})\)")
_SEEN_UUIDS = 2000
DOWN_STATES = frozenset({ConnState.CONNECTING, ConnState.RECONNECTING, ConnState.FAILED,
                         ConnState.KEY_PROBLEM})


def title_symbols(title: str) -> list[str]:
    """Coin symbols written in parentheses in a notice title."""
    return _SYMBOL_RE.findall(title)


class ListingMatcher:
    """Listing rules against announcement events (see the module docstring)."""

    def __init__(self) -> None:
        self._rules: list[tuple[AlertRule, tuple[str, ...]]] = []
        self._seen: set[tuple[int | None, str]] = set()
        self._order: deque[tuple[int | None, str]] = deque()

    def set_rules(self, rules: Sequence[AlertRule], last_fired: Mapping[int, int]) -> None:
        """The enabled listing rules."""
        self._rules = [
            (r, tuple(k.strip().casefold() for k in r.text("keywords").split(",") if k.strip()))
            for r in rules
        ]

    def match(self, ev: Any) -> Iterator[tuple[AlertRule, str, Hit]]:
        """``(rule, market, hit)`` for every rule this notice fires."""
        if not self._rules:
            return
        title = str(getattr(ev, "title", "") or "")
        folded = title.casefold()
        uuid = str(getattr(ev, "uuid", "") or title)
        t_ms = int(getattr(ev, "timestamp", 0) or time.time() * 1000)
        symbols = title_symbols(title)
        for rule, keywords in self._rules:
            if not any(k in folded for k in keywords):
                continue
            if rule.market:
                base = rule.market.partition("-")[2]
                if base not in symbols and not re.search(rf"\b{re.escape(base)}\b", title):
                    continue
                market = rule.market
            else:
                market = f"KRW-{symbols[-1]}" if symbols else ""
            key = (rule.id, uuid)
            if key in self._seen:
                continue
            self._remember(key)
            yield rule, market, Hit(1.0, f"notice: {title}", t_ms)

    def _remember(self, key: tuple[int | None, str]) -> None:
        self._seen.add(key)
        self._order.append(key)
        if len(self._order) > _SEEN_UUIDS:
            self._seen.discard(self._order.popleft())


class ConnectionWatch:
    """Connection-down rules over the manager's state changes (see the module docstring).

    Args:
        loop: where the timers run.
        fire: ``fire(rule, market, hit)``; market is ``""``.
        wall: wall clock in seconds (tests inject one).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop,
                 fire: Callable[[AlertRule, str, Hit], None],
                 wall: Callable[[], float] = time.time) -> None:
        self._loop = loop
        self._fire = fire
        self._wall = wall
        self._rules: list[AlertRule] = []
        self._last: dict[int, int] = {}
        self.states: dict[str, ConnState] = {}
        self._down: dict[str, tuple[float, float, str]] = {}  # connection -> (since wall, since loop, reason)
        self._timers: list[asyncio.TimerHandle] = []

    def set_rules(self, rules: Sequence[AlertRule], last_fired: Mapping[int, int]) -> None:
        """The enabled connection rules; timers of a connection already down are re-planned."""
        self._rules = list(rules)
        self._last = {r.id: last_fired[r.id] for r in rules if r.id is not None and r.id in last_fired}
        self._replan()

    def on_state(self, change: StateChange) -> None:
        """Manager state listener."""
        name = change.connection
        self.states[name] = change.state
        if change.state in DOWN_STATES:
            if name not in self._down:
                self._down[name] = (self._wall(), self._loop.time(), change.reason)
                self._replan()
        elif name in self._down:
            del self._down[name]
            self._replan()

    def _replan(self) -> None:
        for handle in self._timers:
            handle.cancel()
        self._timers = []
        now = self._loop.time()
        for rule in self._rules:
            down = self._down.get(rule.text("connection"))
            if down is None:
                continue
            since_wall, since_loop, reason = down
            last = self._last.get(rule.id) if rule.id is not None else None
            if last is not None and last >= since_wall * 1000:
                continue  # already fired for this outage
            delay = max(0.0, rule.num("down_s") - (now - since_loop))
            self._timers.append(self._loop.call_later(delay, self._due, rule, since_loop, reason))

    def _due(self, rule: AlertRule, since_loop: float, reason: str) -> None:
        down_s = self._loop.time() - since_loop
        if down_s < rule.num("down_s"):
            # qasync rounds timers to whole milliseconds and may fire a hair early: wait the rest.
            self._timers.append(self._loop.call_later(rule.num("down_s") - down_s, self._due, rule,
                                                      since_loop, reason))
            return
        now = self._wall()
        t_ms = int(now * 1000)
        last = self._last.get(rule.id) if rule.id is not None else None
        if last is not None and t_ms - last < rule.cooldown_s * 1000:
            return
        if rule.id is not None:
            self._last[rule.id] = t_ms
        detail = f"down for {down_s:.1f} s" + (f" ({reason})" if reason else "")
        self._fire(rule, "", Hit(down_s, detail, t_ms))

    def close(self) -> None:
        """Cancel every timer."""
        for handle in self._timers:
            handle.cancel()
        self._timers = []
