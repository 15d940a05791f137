"""The alerts engine: rules evaluated on the manager's events, triggers stored and delivered.

Per venue the engine registers two components with the manager:

* a **listener** whose callback receives the events the rules need. The router calls it only for
  the ``(type, code)`` pairs it registered (so a coin with no rule costs nothing) and the
  registration names the venue's connection, so the venue of every event is known. A type with a
  ``KRW-*`` rule is registered without codes: the router then delivers every event of that type on
  that connection, and a codeless spec adds nothing to the wire request.
* a **wants** owner (no callback) holding the explicit codes of wildcard types (the scanner's
  markets): rules for coins no view shows thereby subscribe them; deleting the rule releases them.

Dispatch is one dict lookup per event plus one evaluator call per matching rule (the tables and
owners are in ``routing.py``; see ``evaluators.py`` for the O(1) window state). Triggers go through
:class:`~upbit_monitor.features.alerts.trigger_log.TriggerLog` (shown, delivered, stored).
Announcements (listing rules) come through ``add_listener(types={"announcement"})``, connection-down
rules through the state listener, Upbit-signal rules through their own component on the info
connection (``signals.py``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from upbit_monitor.connection.state import ConnState
from upbit_monitor.errors import AlertRuleError
from upbit_monitor.features.alerts.delivery import Delivery
from upbit_monitor.features.alerts.evaluators import (
    SIMPLE,
    Evaluator,
    Hit,
    Move,
    Premium,
    PremiumInput,
    Whale,
)
from upbit_monitor.features.alerts.routing import AlertOwner, AlertSource, Wild, build_tables, venue_specs
from upbit_monitor.features.alerts.rules import AlertRule, RuleKind, describe, validate_rule
from upbit_monitor.features.alerts.signals import SignalSubscriber, SignalWatch
from upbit_monitor.features.alerts.special import ConnectionWatch, ListingMatcher
from upbit_monitor.features.alerts.store import AlertStore
from upbit_monitor.features.alerts.trigger_log import TriggerLog
from upbit_monitor.features.alerts.triggers import Trigger
from upbit_monitor.features.alerts.windows import WindowExtremes

log = logging.getLogger(__name__)

ANNOUNCEMENT = "announcement"
QUOTE = "quote"  # foreign venues' PriceQuote events (exchanges/quotes.py)


class AlertEngine:
    """Rules -> evaluators -> triggers (see the module docstring).

    Args:
        source: the manager (or a fake with the same methods).
        store: persistence; None keeps rules and history in memory only.
        delivery: notifiers; None delivers nothing (the trigger log still fills).
        premium: where premium rules read premiums (``set_premium_input`` later is fine).
        venues: venues rules may name; the connection of venue ``v`` is ``"v-public"``.
        signals: the info connection's subscriber for Upbit-signal rules (None: refused here).
    """

    def __init__(
        self,
        source: AlertSource,
        *,
        store: AlertStore | None = None,
        delivery: Delivery | None = None,
        premium: PremiumInput | None = None,
        venues: Sequence[str] = ("upbit",),
        signals: SignalSubscriber | None = None,
    ) -> None:
        self.source = source
        self.store = store
        self.delivery = delivery
        self.venues = tuple(venues)
        self._premium = premium
        self._loop = asyncio.get_running_loop()
        self._rules: dict[int, AlertRule] = {}
        self._last_fired: dict[int, int] = {}
        self._next_local_id = -1  # ids of rules kept in memory only (no store): negative
        self._evals: dict[int, list[Evaluator] | Wild] = {}
        self._tables = build_tables({}, {}, self.venues, self._make)
        self._owners = {
            v: (AlertOwner(v, "listen", self._fire), AlertOwner(v, "wants", self._fire)) for v in self.venues
        }
        self._markets: dict[str, frozenset[str]] = {}
        # Windows shared by the move rules of one coin and span; gone with the last rule using it.
        self._windows: weakref.WeakValueDictionary[tuple[str, str, int], WindowExtremes] = (
            weakref.WeakValueDictionary())
        self.triggers = TriggerLog(self._loop, store, delivery)
        self._rule_errors = 0
        self._rule_listeners: tuple[Callable[[], None], ...] = ()
        self._listing = ListingMatcher()
        self._connections = ConnectionWatch(self._loop, self._fire_special)
        self._signals = SignalWatch(signals, self._fire_special)
        self._unlisten: list[Callable[[], None]] = [
            source.add_listener(self._on_announcement, types=(ANNOUNCEMENT,)),
            # A premium moves with the foreign price too: re-evaluate on the reference venue's quote.
            source.add_listener(self._on_quote, types=(QUOTE,)),
            source.add_state_listener(self._connections.on_state),
        ]
        self._closed = False

    # ------------------------------------------------------------------ rules
    async def load(self) -> int:
        """Load the stored rules (call once at start); returns how many are active."""
        if self.store is None:
            return 0
        for rule, last in await self.store.load_rules(self.venues):
            assert rule.id is not None
            self._rules[rule.id] = rule
            if last is not None:
                self._last_fired[rule.id] = last
        self._rebuild()
        return sum(r.enabled for r in self._rules.values())

    def validate(self, rule: AlertRule) -> AlertRule:
        """:func:`validate_rule` against this engine's venues and, once known, the venue's markets.

        A listing rule may name a coin not listed yet (that is its point).
        """
        rule = validate_rule(rule, self.venues)
        if rule.kind is RuleKind.SIGNAL and self._signals.server is None:
            raise AlertRuleError("Upbit signals need Upbit's info connection, which this window has not")
        known = self._markets.get(rule.venue)
        if (known and rule.market and not rule.wildcard and rule.kind is not RuleKind.LISTING
                and rule.market not in known):
            raise AlertRuleError(f"{rule.market} is not a market on {rule.venue}")
        if known and rule.wildcard and not any(c.startswith(rule.market[:-1]) for c in known):
            raise AlertRuleError(f"{rule.venue} has no {rule.quote} markets")
        return rule

    async def add_rule(self, rule: AlertRule) -> AlertRule:
        """Validate, store, activate; returns the rule with its id.

        Raises:
            AlertRuleError: an impossible value (nothing is stored).
            StorageError: the database refused (nothing is activated).
        """
        rule = await self._stored(self.validate(rule))
        assert rule.id is not None
        self._rules[rule.id] = rule
        self._rebuild()
        return rule

    async def add_rules(self, rules: Iterable[AlertRule]) -> list[AlertRule]:
        """Add many rules at once (an import, a restore): all are validated before any is stored.

        Raises:
            AlertRuleError: the first impossible rule (then none is stored).
        """
        checked = [self.validate(r) for r in rules]
        out = [await self._stored(rule) for rule in checked]
        for rule in out:
            assert rule.id is not None
            self._rules[rule.id] = rule
        self._rebuild()  # once, not per rule: the index and the registrations are rebuilt whole
        return out

    async def _stored(self, rule: AlertRule) -> AlertRule:
        """``rule`` with its id: the database's, or a negative one when rules live in memory only."""
        if self.store is not None:
            return rule.with_id(await self.store.add_rule(rule))
        local_id = self._next_local_id
        self._next_local_id -= 1
        return rule.with_id(local_id)

    async def update_rule(self, rule: AlertRule) -> AlertRule:
        """Replace a rule's settings (its state restarts; its cooldown is kept).

        Raises:
            AlertRuleError: no such rule, or an impossible value (the old rule stays as it was).
        """
        rule_id = rule.id
        if rule_id is None or rule_id not in self._rules:
            raise AlertRuleError(f"no alert rule #{rule_id}")
        rule = self.validate(rule)
        if self.store is not None and rule_id >= 0:
            await self.store.update_rule(rule)
        self._rules[rule_id] = rule
        self._evals.pop(rule_id, None)
        self._rebuild()
        return rule

    async def set_enabled(self, rule_id: int, enabled: bool) -> AlertRule:
        """Enable or disable a rule."""
        rule = self._rules.get(rule_id)
        if rule is None:
            raise AlertRuleError(f"no alert rule #{rule_id}")
        return await self.update_rule(dataclasses.replace(rule, enabled=enabled))

    async def remove_rule(self, rule_id: int) -> None:
        """Delete a rule; its subscriptions are released (its history stays)."""
        if rule_id not in self._rules:
            return
        if self.store is not None and rule_id >= 0:
            await self.store.delete_rule(rule_id)
        self._rules.pop(rule_id, None)
        self._evals.pop(rule_id, None)
        self._last_fired.pop(rule_id, None)
        self._rebuild()

    def rules(self) -> list[AlertRule]:
        """Every rule, in creation order."""
        # Stored ids count up; memory-only ids count down from -1: both in creation order.
        return sorted(self._rules.values(), key=lambda r: abs(r.id or 0))

    def rule(self, rule_id: int) -> AlertRule | None:
        """One rule by id."""
        return self._rules.get(rule_id)

    # ------------------------------------------------------------------ inputs
    def set_premium_input(self, premium: PremiumInput | None) -> None:
        """Where premium rules read premiums (the premium tracker)."""
        self._premium = premium

    def set_markets(self, venue: str, codes: Iterable[str]) -> None:
        """The venue's market codes: a ``KRW-*`` rule subscribes the ``KRW-`` ones, and new rules
        must name one of them."""
        codes = frozenset(codes)
        if codes != self._markets.get(venue):
            self._markets[venue] = codes
            self._register()

    # ------------------------------------------------------------------ index and subscriptions
    def _rebuild(self) -> None:
        self._tables = tables = build_tables(self._rules, self._evals, self.venues, self._make)
        for venue, (listen, _) in self._owners.items():
            listen.set_tables(tables.index[venue], tables.wild[venue])
        self._listing.set_rules(tables.listing, self._last_fired)
        self._connections.set_rules(tables.connections, self._last_fired)
        self._signals.set_rules(tables.signals)
        self._register()
        for cb in self._rule_listeners:
            try:
                cb()
            except Exception:
                self._rule_errors += 1
                log.exception("rule listener raised")

    def _make(self, rule: AlertRule) -> list[Evaluator] | Wild:
        last = self._last_fired.get(rule.id) if rule.id is not None else None

        def one(code: str) -> Evaluator:
            if rule.kind is RuleKind.MOVE:
                span = int(rule.num("window_s") * 1000)
                key = (rule.venue, code, span)
                window = self._windows.get(key)
                if window is None:
                    window = self._windows[key] = WindowExtremes(span)
                return Move(rule, code, last, window=window)
            if rule.kind is RuleKind.PREMIUM:
                return Premium(rule, code, last, source=lambda: self._premium)
            if rule.kind is RuleKind.WHALE:
                return Whale(rule, code, last, rate=self._krw_rate)
            return SIMPLE[rule.kind](rule, code, last)

        if rule.wildcard:
            return Wild(one)
        return [one(rule.market)]

    def _krw_rate(self, quote: str) -> float | None:
        t = self.source.latest_ticker(f"KRW-{quote}")
        return None if t is None else float(t.trade_price)

    def _register(self) -> None:
        if self._closed:
            return
        for venue, (listen, wants) in self._owners.items():
            tables = self._tables
            listen_specs, want_specs = venue_specs(
                tables.index.get(venue, {}), tables.wild.get(venue, {}), self._markets.get(venue, ())
            )
            connection = f"{venue}-public"
            # Wanting nothing unregisters: an empty registration would open an idle socket to that venue.
            self.source.want(
                listen, listen_specs, connection=connection, callback=listen.on_event, unregister_empty=True
            )
            self.source.want(wants, want_specs, connection=connection, unregister_empty=True)

    # ------------------------------------------------------------------ events
    def _dispatch(self, venue: str, ev: Any) -> None:
        """Evaluate one market event of ``venue`` (what the manager's callback does)."""
        self._owners[venue][0].on_event(ev)

    def _on_announcement(self, ev: Any) -> None:
        for rule, market, hit in self._listing.match(ev):
            self._fire(rule, market, hit)

    def _on_quote(self, ev: Any) -> None:
        evs = self._tables.premium_by_quote.get(ev.code)
        if evs is not None:
            for e in evs:
                hit = e.feed(ev)  # reads the premium from the input; the quote gives the time
                if hit is not None:
                    self._fire(e.rule, e.code, hit)

    def _fire_special(self, rule: AlertRule, market: str, hit: Hit) -> None:
        self._fire(rule, market, hit)

    def _fire(self, rule: AlertRule, market: str, hit: Hit) -> None:
        # A "KRW-*" rule's message names the coin that fired ("ETH/KRW moves ..."), not the pattern.
        said = describe(dataclasses.replace(rule, market=market) if rule.wildcard and market else rule)
        trig = Trigger(rule.id, hit.t_ms, rule.venue, market, str(rule.kind), hit.value,
                       f"{said}: {hit.detail}", time.perf_counter())
        if rule.id is not None:
            self._last_fired[rule.id] = max(hit.t_ms, self._last_fired.get(rule.id, hit.t_ms))
        self.triggers.record(trig, persist=rule.id is not None and rule.id >= 0)

    # ------------------------------------------------------------------ triggers out
    def add_trigger_listener(self, cb: Callable[[Trigger], None]) -> Callable[[], None]:
        """``cb(trigger)`` on every trigger (the Alerts dock, the status-bar badge)."""
        return self.triggers.add_listener(cb)

    def add_rule_listener(self, cb: Callable[[], None]) -> Callable[[], None]:
        """``cb()`` after any rule was added, changed or deleted (rules table, chart lines)."""
        self._rule_listeners = (*self._rule_listeners, cb)

        def remove() -> None:
            self._rule_listeners = tuple(x for x in self._rule_listeners if x is not cb)

        return remove

    @property
    def recent(self) -> deque[Trigger]:
        """The newest triggers, newest first (bounded)."""
        return self.triggers.recent

    @property
    def unseen(self) -> int:
        """Triggers since the UI last called :meth:`mark_seen` (the status-bar badge)."""
        return self.triggers.unseen

    @property
    def errors(self) -> int:
        """Listener and storage failures so far (each was logged)."""
        return self._rule_errors + self.triggers.errors

    def mark_seen(self) -> None:
        """The user looked at the log: the badge count restarts."""
        self.triggers.unseen = 0

    async def history(self, limit: int = 50, before_id: int | None = None, *,
                      market: str | None = None, rule_id: int | None = None) -> list[Trigger]:
        """A page of the trigger history, newest first (from the database when there is one)."""
        return await self.triggers.history(limit, before_id, market=market, rule_id=rule_id)

    async def flush(self) -> None:
        """Wait until every trigger so far is stored."""
        await self.triggers.flush()

    async def aclose(self) -> None:
        """Stop listening, release every subscription, finish pending writes and deliveries."""
        if self._closed:
            return
        self._closed = True
        for unlisten in self._unlisten:
            unlisten()
        self._connections.close()
        self._signals.close()
        for listen, wants in self._owners.values():
            self.source.unregister(listen)
            self.source.unregister(wants)
        await self.triggers.aclose()

    @property
    def active_count(self) -> int:
        """Enabled rules."""
        return sum(r.enabled for r in self._rules.values())

    def connection_states(self) -> dict[str, ConnState]:
        """The last state seen per connection (for tests and the status panel)."""
        return self._connections.states
