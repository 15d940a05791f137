"""The weak component registry: who wants what, without keeping anyone alive.

A component is held through a ``weakref.ref`` with a callback AND, when it has one, its Qt
``destroyed`` signal (duck-typed: ``getattr(component, "destroyed", None)``; this module does not
import Qt). Both are needed: a parented Qt widget keeps its Python wrapper alive after ``del``, so
only ``destroyed`` tells us when the parent deletes it; a plain object has only the weakref.

Neither callback captures the component (that would keep it alive forever): they capture an integer
token, a weak reference to this registry and the loop. They run wherever the GC or Qt happens to
run them, so they only *schedule* cleanup with ``loop.call_soon_threadsafe``; the real work (merge,
request, reindex) happens later on the loop, never inside a GC callback.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from upbit_monitor.errors import ManagerError
from upbit_monitor.manager.router import EventCallback, Subscriber
from upbit_monitor.protocol.subscriptions import SubscriptionSpec

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RegistrationInfo:
    """A read-only view of one registration (for the status panel and tests)."""

    component_name: str
    connection: str
    specs: tuple[SubscriptionSpec, ...]


@dataclass(slots=True)
class Registration:
    """One live component's registration (internal, mutable)."""

    token: int
    connection: str
    specs: tuple[SubscriptionSpec, ...]
    name: str
    ref: weakref.ref[Any]
    obj_id: int
    subscriber: Subscriber | None
    qt_slot: Callable[..., None] | None

    def info(self) -> RegistrationInfo:
        """The public, frozen view."""
        return RegistrationInfo(self.name, self.connection, self.specs)


class NamedOwner:
    """A plain owner for one of a feature's several subscription sets (one per venue or connection).

    The manager keys registrations by component, so each set needs an object of its own. Subclass it
    once per feature: the status panel lists owners by class name, and ``feature`` names it in reprs.
    """

    feature: ClassVar[str] = ""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"{self.feature}[{self.name}]"


def component_name(component: object) -> str:
    """``ClassName`` plus the Qt ``objectName`` when it has a non-empty one."""
    name = type(component).__qualname__
    object_name = getattr(component, "objectName", None)
    if callable(object_name):
        try:
            text = object_name()
        except Exception:  # a dead Qt object raises RuntimeError; a name is not worth failing for
            text = ""
        if isinstance(text, str) and text:
            name = f"{name} {text!r}"
    return name


def _dead_callback(
    registry: weakref.ref[ComponentRegistry], token: int, loop: asyncio.AbstractEventLoop
) -> Callable[..., None]:
    # Deliberately a module-level factory: the closure sees only these three arguments, never the
    # component, so it cannot keep the component alive.
    def on_dead(*_args: object) -> None:
        reg = registry()
        if reg is None:
            return
        # Stop routing to it at once: the cleanup below waits for the loop, and a batch dispatched
        # before then would call a view whose C++ children (its models) Qt has already deleted.
        reg.silence(token)
        try:
            loop.call_soon_threadsafe(reg.on_dead, token)
        except RuntimeError:
            pass  # the loop is closed: the manager is gone, nothing left to clean up

    return on_dead


class ComponentRegistry:
    """Registrations by token, looked up by component identity.

    Args:
        loop: the loop that owns the manager; cleanup is scheduled on it.
        on_removed: called on the loop with the removed :class:`Registration` when a component
            died (weakref or ``destroyed``); explicit :meth:`remove` does not call it.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, on_removed: Callable[[Registration], None]
    ) -> None:
        self._loop = loop
        self._on_removed = on_removed
        self._tokens = itertools.count(1)
        self._by_token: dict[int, Registration] = {}
        # id(component) -> token. An id can be reused once the component died, so every lookup
        # checks that the weakref still points at the very same object.
        self._by_id: dict[int, int] = {}
        self.dead_cleaned = 0

    def __len__(self) -> int:
        return len(self._by_token)

    def __iter__(self) -> Iterator[Registration]:
        return iter(list(self._by_token.values()))

    def find(self, component: object) -> Registration | None:
        """The live registration of ``component``, or None."""
        token = self._by_id.get(id(component))
        if token is None:
            return None
        reg = self._by_token.get(token)
        if reg is None or reg.ref() is not component:
            return None
        return reg

    def get(self, token: int) -> Registration | None:
        """The registration with ``token``, or None."""
        return self._by_token.get(token)

    def add(
        self,
        component: object,
        connection: str,
        specs: Sequence[SubscriptionSpec],
        callback: EventCallback | None,
    ) -> Registration:
        """Register ``component`` (which must support weak references).

        Raises:
            ManagerError: the component cannot be weakly referenced, or it is already registered
                (use ``update``).
        """
        if self.find(component) is not None:
            raise ManagerError(f"{component_name(component)} is already registered; use update()")
        token = next(self._tokens)
        on_dead = _dead_callback(weakref.ref(self), token, self._loop)
        try:
            ref: weakref.ref[Any] = weakref.ref(component, on_dead)
        except TypeError as exc:
            raise ManagerError(
                f"{type(component).__qualname__} cannot be weakly referenced; give it __weakref__"
            ) from exc
        qt_slot: Callable[..., None] | None = None
        destroyed = getattr(component, "destroyed", None)
        if destroyed is not None and hasattr(destroyed, "connect"):
            destroyed.connect(on_dead)
            qt_slot = on_dead
        name = component_name(component)
        sub = Subscriber(callback, name) if callback is not None else None
        reg = Registration(token, connection, tuple(specs), name, ref, id(component), sub, qt_slot)
        self._by_token[token] = reg
        self._by_id[id(component)] = token
        return reg

    def remove(self, token: int) -> Registration | None:
        """Forget a registration (explicit unregister); returns it, or None if unknown."""
        reg = self._by_token.pop(token, None)
        if reg is None:
            return None
        if self._by_id.get(reg.obj_id) == token:
            del self._by_id[reg.obj_id]
        component = reg.ref()
        if component is not None and reg.qt_slot is not None:
            destroyed = getattr(component, "destroyed", None)
            try:
                destroyed.disconnect(reg.qt_slot)  # type: ignore[union-attr]
            except (RuntimeError, TypeError, AttributeError):
                pass  # already destroyed or never connected: nothing to undo
        return reg

    def silence(self, token: int) -> None:
        """Route nothing more to registration ``token`` (its component is dying; cleanup follows)."""
        reg = self._by_token.get(token)
        if reg is not None and reg.subscriber is not None:
            reg.subscriber.drop()

    def on_dead(self, token: int) -> None:
        """Loop-side cleanup of a component that died (scheduled by the GC/Qt callbacks)."""
        reg = self.remove(token)
        if reg is None:
            return  # already unregistered, or both weakref and destroyed fired
        self.dead_cleaned += 1
        logger.debug("component %s died; removing its subscriptions", reg.name)
        self._on_removed(reg)
