"""A manager stand-in for plain engine tests: records registrations, lets the test push events."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from upbit_monitor.connection.state import StateChange
from upbit_monitor.protocol.events import Ticker
from upbit_monitor.protocol.subscriptions import SubscriptionSpec

Callback = Callable[[Any], None]


class FakeSource:
    def __init__(self) -> None:
        self.regs: dict[int, tuple[object, str, tuple[SubscriptionSpec, ...], Callback | None]] = {}
        self.listeners: list[tuple[Callable[[Any], None], Collection[str] | None]] = []
        self.state_listeners: list[Callable[[StateChange], None]] = []
        self.tickers: dict[str, Ticker] = {}

    def register(self, component: object, specs: Sequence[SubscriptionSpec], *,
                 connection: str = "upbit-public", callback: Callback | None = None) -> None:
        assert id(component) not in self.regs
        self.regs[id(component)] = (component, connection, tuple(specs), callback)

    def update(self, component: object, specs: Sequence[SubscriptionSpec]) -> None:
        comp, conn, _, cb = self.regs[id(component)]
        self.regs[id(component)] = (comp, conn, tuple(specs), cb)

    def want(self, component: object, specs: Sequence[SubscriptionSpec], *,
             connection: str = "upbit-public", callback: Callback | None = None,
             unregister_empty: bool = False) -> None:
        if unregister_empty and not specs:
            self.unregister(component)
        elif id(component) in self.regs:
            self.update(component, specs)
        else:
            self.register(component, specs, connection=connection, callback=callback)

    def unregister(self, component: object) -> None:
        self.regs.pop(id(component), None)

    def add_listener(self, callback: Callable[[Any], None], *,
                     types: Collection[str] | None = None) -> Callable[[], None]:
        entry = (callback, types)
        self.listeners.append(entry)
        return lambda: self.listeners.remove(entry)

    def add_state_listener(self, cb: Callable[[StateChange], None]) -> Callable[[], None]:
        self.state_listeners.append(cb)
        return lambda: self.state_listeners.remove(cb)

    def latest_ticker(self, code: str) -> Ticker | None:
        return self.tickers.get(code)

    def push(self, ev: Any, connection: str = "upbit-public") -> None:
        """Route like the manager: to callbacks whose specs name (type, code) or the type without codes."""
        for _, conn, specs, cb in list(self.regs.values()):
            if cb is None or conn != connection:
                continue
            if any(s.type == ev.type and (not s.codes or ev.code in s.codes) for s in specs):
                cb(ev)
        for cb, types in list(self.listeners):
            if types is None or ev.type in types:
                cb(ev)

    def wanted(self, type_: str) -> set[str]:
        """Codes of ``type_`` on the wire (specs with codes)."""
        return {c for _, _, specs, _ in self.regs.values() for s in specs if s.type == type_ for c in s.codes}
