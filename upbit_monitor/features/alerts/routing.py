"""How rules reach events: the per-venue dispatch tables, their owners, and the specs they register.

The engine turns its enabled rules into two tables per venue (:func:`build_tables`):

* ``index``: ``(stream type, market) -> evaluators`` for rules naming one market;
* ``wild``: ``(stream type, quote) -> Wild`` for ``QUOTE-*`` rules, whose per-coin evaluators are made
  on each coin's first event.

An :class:`AlertOwner` is what the engine registers with the manager (the manager keys registrations
by component): the *listener* owner evaluates the events itself from those tables, so the hot path
is one router call and dict lookups. :func:`venue_specs` says what each owner registers, with the
manager seen as an :class:`AlertSource`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from upbit_monitor.connection.state import StateChange
from upbit_monitor.exchanges.quotes import USDT_KRW_CODE as USDT_KRW
from upbit_monitor.features.alerts.evaluators import STREAM, Evaluator, Hit, Premium
from upbit_monitor.features.alerts.rules import AlertRule, RuleKind
from upbit_monitor.protocol.events import Ticker
from upbit_monitor.protocol.subscriptions import SubscriptionSpec

__all__ = ["AlertOwner", "AlertSource", "RuleTables", "Wild", "build_tables", "venue_specs"]

class AlertSource(Protocol):
    """What the engine needs of the manager (the real one satisfies it structurally)."""

    def want(self, component: object, specs: Sequence[SubscriptionSpec], *, connection: str = ...,
             callback: Callable[[Any], None] | None = ..., unregister_empty: bool = ...) -> None:
        """Register or update a component (held weakly); empty specs unregister it in that mode."""

    def unregister(self, component: object) -> None:
        """Forget a component."""

    def add_listener(self, callback: Callable[[Any], None], *,
                     types: Collection[str] | None = ...) -> Callable[[], None]:
        """Receive every event of ``types``; returns an unsubscribe function."""

    def add_state_listener(self, cb: Callable[[StateChange], None]) -> Callable[[], None]:
        """Receive connection state changes; returns an unsubscribe function."""

    def latest_ticker(self, code: str) -> Ticker | None:
        """Newest ticker of ``code``."""


Index = dict[tuple[str, str], tuple[Evaluator, ...]]
WildIndex = dict[tuple[str, str], tuple["Wild", ...]]


class Wild:
    """A ``QUOTE-*`` rule: one evaluator per coin of the quote, created on the coin's first event."""

    __slots__ = ("by_code", "factory")

    def __init__(self, factory: Callable[[str], Evaluator]) -> None:
        self.factory = factory
        self.by_code: dict[str, Evaluator] = {}


class AlertOwner:
    """A registration owner of one venue: ``role`` is "listen" (with a callback) or "wants".

    The listener owner evaluates events itself, with the venue's index tables set by the engine:
    the hot path is one router call and dict lookups, no further indirection.
    """

    def __init__(self, venue: str, role: str, fire: Callable[[AlertRule, str, Hit], None]) -> None:
        self.venue = venue
        self.role = role
        self.index: Index = {}
        self.wild: WildIndex = {}
        # (type, code) -> the coin's own evaluators plus those of every QUOTE-* rule, filled on the
        # coin's first event: then each event costs one lookup whatever mix of rules applies.
        self.merged: Index = {}
        self.fire = fire

    def set_tables(self, index: Index, wild: WildIndex) -> None:
        """New rule tables (a rule changed): the merged cache starts over."""
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
        """The manager's callback: feed ``ev`` to the evaluators of its (type, code)."""
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


@dataclass(slots=True)
class RuleTables:
    """What :func:`build_tables` derives from the enabled rules."""

    index: dict[str, Index]  # venue -> its index table
    wild: dict[str, WildIndex]  # venue -> its QUOTE-* table
    premium_by_quote: dict[str, tuple[Premium, ...]]  # "binance:BTCUSDT" -> premium evaluators
    listing: list[AlertRule]
    connections: list[AlertRule]
    signals: list[AlertRule]


def build_tables(
    rules: Mapping[int, AlertRule],
    evals: dict[int, list[Evaluator] | Wild],
    venues: Collection[str],
    make: Callable[[AlertRule], list[Evaluator] | Wild],
) -> RuleTables:
    """Index the enabled ``rules``; ``evals`` (rule id -> state) keeps the state of unchanged rules.

    ``evals`` is updated in place: disabled and deleted rules lose their state (they start afresh when
    enabled again), new rules get theirs from ``make``.
    """
    index: dict[str, dict[tuple[str, str], list[Evaluator]]] = {v: {} for v in venues}
    wild: dict[str, dict[tuple[str, str], list[Wild]]] = {v: {} for v in venues}
    listing: list[AlertRule] = []
    conns: list[AlertRule] = []
    signals: list[AlertRule] = []
    for rule_id in list(evals):
        if rule_id not in rules or not rules[rule_id].enabled:
            del evals[rule_id]
    for rule_id, rule in rules.items():
        if not rule.enabled:
            continue
        if rule.kind is RuleKind.LISTING:
            listing.append(rule)
            continue
        if rule.kind is RuleKind.CONNECTION:
            conns.append(rule)
            continue
        if rule.kind is RuleKind.SIGNAL:
            signals.append(rule)
            continue
        stream = STREAM[rule.kind]
        state = evals.get(rule_id)
        if state is None:
            state = evals[rule_id] = make(rule)
        if isinstance(state, Wild):
            wild[rule.venue].setdefault((stream, rule.quote), []).append(state)
        else:
            index[rule.venue].setdefault((stream, rule.market), []).extend(state)
        if rule.kind is RuleKind.PREMIUM:
            # The rule's venue's KRW-USDT converts the foreign price: subscribed on that venue even
            # when no view shows it (the premium tracker only follows the venue the list shows).
            index[rule.venue].setdefault(("ticker", USDT_KRW), [])
    premium: dict[str, list[Premium]] = {}
    for state in evals.values():
        if isinstance(state, list):
            for e in state:
                if isinstance(e, Premium):
                    premium.setdefault(f"{e.against}:{e.code.partition('-')[2]}USDT", []).append(e)
    return RuleTables(
        index={v: {k: tuple(e) for k, e in idx.items()} for v, idx in index.items()},
        wild={v: {k: tuple(w) for k, w in idx.items()} for v, idx in wild.items()},
        premium_by_quote={k: tuple(v) for k, v in premium.items()},
        listing=listing,
        connections=conns,
        signals=signals,
    )


def venue_specs(
    index: Index, wild: WildIndex, markets: Collection[str]
) -> tuple[list[SubscriptionSpec], list[SubscriptionSpec]]:
    """The listener's specs and the wants owner's specs of one venue.

    A type with a ``QUOTE-*`` rule is listened to without codes (the router then delivers every event
    of it on the connection, and a codeless spec adds nothing to the wire); the wants owner holds the
    venue's ``markets`` of those quotes, so rules for coins no view shows subscribe them.
    """
    by_type: dict[str, set[str]] = {}
    for stream, code in index:
        by_type.setdefault(stream, set()).add(code)
    wild_types = {stream for stream, _ in wild}
    listen_specs = [SubscriptionSpec(t) for t in sorted(wild_types)]
    listen_specs += [
        SubscriptionSpec(t, tuple(sorted(c))) for t, c in sorted(by_type.items()) if t not in wild_types
    ]
    wanted = dict(by_type)
    quotes = {q for _, q in wild}
    scanned = [c for c in sorted(markets) if c.partition("-")[0] in quotes]
    for t in wild_types:
        wanted[t] = wanted.get(t, set()) | set(scanned)
    want_specs = [SubscriptionSpec(t, tuple(sorted(wanted[t]))) for t in sorted(wild_types) if wanted.get(t)]
    return listen_specs, want_specs
