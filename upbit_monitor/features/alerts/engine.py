"""The alerts engine: rules evaluated on the manager's events, triggers stored and delivered.

Per venue the engine registers two components with the manager:

* a **listener** whose callback receives the events the rules need. The router calls it only for
  the ``(type, code)`` pairs it registered (so a coin with no rule costs nothing) and the
  registration names the venue's connection, so the venue of every event is known. A type with a
  ``KRW-*`` rule is registered without codes: the router then delivers every event of that type on
  that connection, and a codeless spec adds nothing to the wire request.
* a **wants** owner (no callback) holding the explicit codes of wildcard types (the scanner's
  markets): rules for coins no view shows thereby subscribe them; deleting the rule releases them.

Dispatch is one dict lookup per event plus one evaluator call per matching rule (see
``evaluators.py`` for the O(1) window state). Announcements (listing rules) come through
``add_listener(types={"announcement"})``, connection-down rules through the state listener.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import weakref
from collections import deque
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, Protocol

from upbit_monitor.connection.state import ConnState, StateChange
from upbit_monitor.errors import AlertRuleError
from upbit_monitor.features.alerts.delivery import Delivery
from upbit_monitor.features.alerts.evaluators import (
    SIMPLE,
    STREAM,
    Evaluator,
    Hit,
    Move,
    Premium,
    PremiumInput,
    Whale,
)
from upbit_monitor.features.alerts.rules import AlertRule, RuleKind, describe, validate_rule
from upbit_monitor.features.alerts.special import ConnectionWatch, ListingMatcher
from upbit_monitor.features.alerts.store import AlertStore
from upbit_monitor.features.alerts.triggers import Trigger
from upbit_monitor.features.alerts.windows import WindowExtremes
from upbit_monitor.protocol.events import Ticker
from upbit_monitor.protocol.subscriptions import SubscriptionSpec

log = logging.getLogger(__name__)

ANNOUNCEMENT = "announcement"
QUOTE = "quote"  # foreign venues' PriceQuote events (exchanges/quotes.py)
RECENT_TRIGGERS = 500


class AlertSource(Protocol):
    """What the engine needs of the manager (the real one satisfies it structurally)."""

    def register(self, component: object, specs: Sequence[SubscriptionSpec], *, connection: str = ...,
                 callback: Callable[[Any], None] | None = ...) -> None:
        """Register a component (held weakly) with its specs and optional callback."""

    def update(self, component: object, specs: Sequence[SubscriptionSpec]) -> None:
        """Replace a component's specs."""

    def unregister(self, component: object) -> None:
        """Forget a component."""

    def add_listener(self, callback: Callable[[Any], None], *,
                     types: Collection[str] | None = ...) -> Callable[[], None]:
        """Receive every event of ``types``; returns an unsubscribe function."""

    def add_state_listener(self, cb: Callable[[StateChange], None]) -> Callable[[], None]:
        """Receive connection state changes; returns an unsubscribe function."""

    def latest_ticker(self, code: str) -> Ticker | None:
        """Newest ticker of ``code``."""


class _Owner:
    """A registration owner (the manager keys registrations by component).

    The listener owner evaluates events itself, with the venue's index tables set by the engine:
    the hot path is one router call and dict lookups, no further indirection.
    """

    def __init__(self, engine: AlertEngine, venue: str, role: str) -> None:
        self.engine = engine
        self.venue = venue
        self.role = role
        self.registered = False
        self.index: dict[tuple[str, str], tuple[Evaluator, ...]] = {}
        self.wild: dict[tuple[str, str], tuple[_Wild, ...]] = {}
        # (type, code) -> the coin's own evaluators plus those of every QUOTE-* rule, filled on the
        # coin's first event: then each event costs one lookup whatever mix of rules applies.
        self.merged: dict[tuple[str, str], tuple[Evaluator, ...]] = {}
        self.fire = engine._fire

    def set_tables(self, index: dict[tuple[str, str], tuple[Evaluator, ...]],
                   wild: dict[tuple[str, str], tuple[_Wild, ...]]) -> None:
        self.index, self.wild, self.merged = index, wild, {}

    def _merge(self, key: tuple[str, str]) -> tuple[Evaluator, ...]:
        code = key[1]
        evs = self.index.get(key, ())
        for w in self.wild.get((key[0], code.partition("-")[0]), ()):
            e = w.by_code.get(code)
            if e is None:
                e = w.by_code[code] = w.factory(code)
            evs += (e,)
        self.merged[key] = evs
        return evs

    def on_event(self, ev: Any) -> None:
        key = (ev.type, ev.code)
        evs = self.merged.get(key)
        if evs is None:
            evs = self._merge(key)
        for e in evs:
            hit = e.feed(ev)
            if hit is not None:
                self.fire(e.rule, e.code, hit)

    def __repr__(self) -> str:
        return f"AlertEngine[{self.venue}:{self.role}]"


class _Wild:
    """A ``QUOTE-*`` rule: one evaluator per coin of the quote, created on the coin's first event."""

    __slots__ = ("by_code", "factory")

    def __init__(self, factory: Callable[[str], Evaluator]) -> None:
        self.factory = factory
        self.by_code: dict[str, Evaluator] = {}


class AlertEngine:
    """Rules -> evaluators -> triggers (see the module docstring).

    Args:
        source: the manager (or a fake with the same methods).
        store: persistence; None keeps rules and history in memory only.
        delivery: notifiers; None delivers nothing (the trigger log still fills).
        premium: where premium rules read premiums (``set_premium_input`` later is fine).
        venues: venues rules may name; the connection of venue ``v`` is ``"v-public"``.
    """

    def __init__(
        self,
        source: AlertSource,
        *,
        store: AlertStore | None = None,
        delivery: Delivery | None = None,
        premium: PremiumInput | None = None,
        venues: Sequence[str] = ("upbit",),
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
        self._evals: dict[int, list[Evaluator] | _Wild] = {}
        self._index: dict[str, dict[tuple[str, str], tuple[Evaluator, ...]]] = {}
        self._wild: dict[str, dict[tuple[str, str], tuple[_Wild, ...]]] = {}
        self._owners = {v: (_Owner(self, v, "listen"), _Owner(self, v, "wants")) for v in self.venues}
        self._markets: dict[str, frozenset[str]] = {}
        self._premium_by_quote: dict[str, tuple[Premium, ...]] = {}  # "binance:BTCUSDT" -> rules
        # Windows shared by the move rules of one coin and span; gone with the last rule using it.
        self._windows: weakref.WeakValueDictionary[tuple[str, str, int], WindowExtremes] = (
            weakref.WeakValueDictionary())
        self.recent: deque[Trigger] = deque(maxlen=RECENT_TRIGGERS)
        self.unseen = 0  # triggers since the UI last called mark_seen() (the status-bar badge)
        self.errors = 0
        self._memory_ids = 0
        self._listeners: tuple[Callable[[Trigger], None], ...] = ()
        self._rule_listeners: tuple[Callable[[], None], ...] = ()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._listing = ListingMatcher()
        self._connections = ConnectionWatch(self._loop, self._fire_special)
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
        rule = self.validate(rule)
        if self.store is not None:
            rule = rule.with_id(await self.store.add_rule(rule))
        else:
            rule = rule.with_id(self._next_local_id)
            self._next_local_id -= 1
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
        out: list[AlertRule] = []
        for rule in checked:
            if self.store is not None:
                rule = rule.with_id(await self.store.add_rule(rule))
            else:
                rule = rule.with_id(self._next_local_id)
                self._next_local_id -= 1
            assert rule.id is not None
            out.append(rule)
        for rule in out:
            assert rule.id is not None
            self._rules[rule.id] = rule
        self._rebuild()  # once, not per rule: the index and the registrations are rebuilt whole
        return out

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
        index: dict[str, dict[tuple[str, str], list[Evaluator]]] = {v: {} for v in self.venues}
        wild: dict[str, dict[tuple[str, str], list[_Wild]]] = {v: {} for v in self.venues}
        listing: list[AlertRule] = []
        conns: list[AlertRule] = []
        for rule_id in list(self._evals):
            if rule_id not in self._rules or not self._rules[rule_id].enabled:
                del self._evals[rule_id]  # disabled rules start afresh when enabled again
        for rule_id, rule in self._rules.items():
            if not rule.enabled:
                continue
            if rule.kind is RuleKind.LISTING:
                listing.append(rule)
                continue
            if rule.kind is RuleKind.CONNECTION:
                conns.append(rule)
                continue
            stream = STREAM[rule.kind]
            state = self._evals.get(rule_id)
            if state is None:
                state = self._evals[rule_id] = self._make(rule)
            if isinstance(state, _Wild):
                wild[rule.venue].setdefault((stream, rule.quote), []).append(state)
            else:
                index[rule.venue].setdefault((stream, rule.market), []).extend(state)
        self._index = {v: {k: tuple(e) for k, e in idx.items()} for v, idx in index.items()}
        self._wild = {v: {k: tuple(w) for k, w in idx.items()} for v, idx in wild.items()}
        for venue, (listen, _) in self._owners.items():
            listen.set_tables(self._index[venue], self._wild[venue])
        premium: dict[str, list[Premium]] = {}
        for state in self._evals.values():
            if isinstance(state, list):
                for e in state:
                    if isinstance(e, Premium):
                        premium.setdefault(f"{e.against}:{e.code.partition('-')[2]}USDT", []).append(e)
        self._premium_by_quote = {k: tuple(v) for k, v in premium.items()}
        self._listing.set_rules(listing, self._last_fired)
        self._connections.set_rules(conns, self._last_fired)
        self._register()
        for cb in self._rule_listeners:
            try:
                cb()
            except Exception:
                self.errors += 1
                log.exception("rule listener raised")

    def _make(self, rule: AlertRule) -> list[Evaluator] | _Wild:
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
            return _Wild(one)
        return [one(rule.market)]

    def _krw_rate(self, quote: str) -> float | None:
        t = self.source.latest_ticker(f"KRW-{quote}")
        return None if t is None else float(t.trade_price)

    def _register(self) -> None:
        if self._closed:
            return
        for venue, (listen, wants) in self._owners.items():
            index, wild = self._index.get(venue, {}), self._wild.get(venue, {})
            by_type: dict[str, set[str]] = {}
            for stream, code in index:
                by_type.setdefault(stream, set()).add(code)
            wild_types = {stream for stream, _ in wild}
            listen_specs = [SubscriptionSpec(t) for t in sorted(wild_types)]
            listen_specs += [SubscriptionSpec(t, tuple(sorted(c))) for t, c in sorted(by_type.items())
                             if t not in wild_types]
            wanted = dict(by_type)
            quotes = {q for _, q in wild}
            scanned = [c for c in sorted(self._markets.get(venue, ())) if c.partition("-")[0] in quotes]
            for t in wild_types:
                wanted[t] = wanted.get(t, set()) | set(scanned)
            want_specs = [SubscriptionSpec(t, tuple(sorted(wanted[t]))) for t in sorted(wild_types)
                          if wanted.get(t)]
            connection = f"{venue}-public"
            self._set(listen, connection, listen_specs, callback=listen.on_event)
            self._set(wants, connection, want_specs)

    def _set(self, owner: _Owner, connection: str, specs: list[SubscriptionSpec],
             callback: Callable[[Any], None] | None = None) -> None:
        if owner.registered:
            self.source.update(owner, specs)
        elif specs:  # registering nothing would open an idle socket to that venue
            self.source.register(owner, specs, connection=connection, callback=callback)
            owner.registered = True

    # ------------------------------------------------------------------ events
    def _dispatch(self, venue: str, ev: Any) -> None:
        """Evaluate one market event of ``venue`` (what the manager's callback does)."""
        self._owners[venue][0].on_event(ev)

    def _on_announcement(self, ev: Any) -> None:
        for rule, market, hit in self._listing.match(ev):
            self._fire(rule, market, hit)

    def _on_quote(self, ev: Any) -> None:
        evs = self._premium_by_quote.get(ev.code)
        if evs is not None:
            for e in evs:
                hit = e.feed(ev)  # reads the premium from the input; the quote gives the time
                if hit is not None:
                    self._fire(e.rule, e.code, hit)

    def _fire_special(self, rule: AlertRule, market: str, hit: Hit) -> None:
        self._fire(rule, market, hit)

    def _fire(self, rule: AlertRule, market: str, hit: Hit) -> None:
        trig = Trigger(rule.id, hit.t_ms, rule.venue, market, str(rule.kind), hit.value,
                       f"{describe(rule)}: {hit.detail}", time.perf_counter())
        if rule.id is not None:
            self._last_fired[rule.id] = max(hit.t_ms, self._last_fired.get(rule.id, hit.t_ms))
        if self.store is None:
            self._memory_ids += 1
            trig = trig._replace(id=self._memory_ids)
        self.recent.appendleft(trig)
        self.unseen += 1
        for cb in self._listeners:
            try:
                cb(trig)
            except Exception:
                self.errors += 1
                log.exception("trigger listener raised")
        if self.delivery is not None:
            self.delivery.deliver(trig)
        if self.store is not None and rule.id is not None and rule.id >= 0:
            self._spawn(self._persist(trig))

    async def _persist(self, trig: Trigger) -> None:
        assert self.store is not None
        try:
            await self.store.record_trigger(trig)
        except Exception:  # the trigger was shown; losing its history row must not break alerts
            self.errors += 1
            log.exception("could not store an alert trigger")

    def _spawn(self, coro: Any) -> None:
        task = self._loop.create_task(coro, name="upbit-monitor:alert-store")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ triggers out
    def add_trigger_listener(self, cb: Callable[[Trigger], None]) -> Callable[[], None]:
        """``cb(trigger)`` on every trigger (the Alerts dock, the status-bar badge)."""
        self._listeners = (*self._listeners, cb)

        def remove() -> None:
            self._listeners = tuple(x for x in self._listeners if x is not cb)

        return remove

    def add_rule_listener(self, cb: Callable[[], None]) -> Callable[[], None]:
        """``cb()`` after any rule was added, changed or deleted (rules table, chart lines)."""
        self._rule_listeners = (*self._rule_listeners, cb)

        def remove() -> None:
            self._rule_listeners = tuple(x for x in self._rule_listeners if x is not cb)

        return remove

    def mark_seen(self) -> None:
        """The user looked at the log: the badge count restarts."""
        self.unseen = 0

    async def history(self, limit: int = 50, before_id: int | None = None, *,
                      market: str | None = None, rule_id: int | None = None) -> list[Trigger]:
        """A page of the trigger history, newest first (from the database when there is one)."""
        if self.store is not None:
            await self.flush()
            return await self.store.history(limit, before_id, market=market, rule_id=rule_id)
        items = [t for t in self.recent
                 if (market is None or t.market == market) and (rule_id is None or t.rule_id == rule_id)
                 and (before_id is None or (t.id or 0) < before_id)]
        return items[:limit]

    async def flush(self) -> None:
        """Wait until every trigger so far is stored."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Stop listening, release every subscription, finish pending writes and deliveries."""
        if self._closed:
            return
        self._closed = True
        for unlisten in self._unlisten:
            unlisten()
        self._connections.close()
        for listen, wants in self._owners.values():
            for owner in (listen, wants):
                if owner.registered:
                    self.source.unregister(owner)
                    owner.registered = False
        await self.flush()
        if self.delivery is not None:
            await self.delivery.aclose()

    @property
    def active_count(self) -> int:
        """Enabled rules."""
        return sum(r.enabled for r in self._rules.values())

    def connection_states(self) -> dict[str, ConnState]:
        """The last state seen per connection (for tests and the status panel)."""
        return self._connections.states
