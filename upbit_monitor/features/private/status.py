"""The private feed's user-facing status: its states, the sentence per connection state, the listeners.

:func:`status_for_change` says what a state change of the private connection means for the user;
:class:`StatusBoard` keeps the current status and tells the listeners (panels, status bar) when it
changes. Messages never contain key material: at most the masked access key as ``key_hint``.
"""

from __future__ import annotations

import enum
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec

from upbit_monitor.connection.state import ConnState, StateChange

log = logging.getLogger(__name__)

P = ParamSpec("P")


class PrivateState(enum.Enum):
    """What the private panels show."""

    NO_KEYS = "no_keys"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    KEY_PROBLEM = "key_problem"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PrivateStatus:
    """The private feed's state plus a sentence for the user (never contains key material)."""

    state: PrivateState
    message: str
    key_hint: str | None = None  # masked access key, e.g. "AbCd…"


def weak_callable(cb: Callable[..., Any]) -> Callable[[], Callable[..., Any] | None]:
    """A getter that returns ``cb`` while it lives; bound methods are held through WeakMethod."""
    if hasattr(cb, "__self__") and hasattr(cb, "__func__"):
        return weakref.WeakMethod(cb)
    return lambda: cb


class WeakListeners(Generic[P]):
    """Listeners of one kind, bound methods held weakly; one raising does not stop the others.

    The private feed's panels come and go with their docks: holding them strongly here would keep a
    closed panel alive, and its exception must not cost the other listeners their update.
    """

    def __init__(self, what: str) -> None:
        self._what = what  # for the log line of a listener that raised
        self._getters: list[Callable[[], Callable[P, None] | None]] = []

    def __bool__(self) -> bool:
        return bool(self._getters)

    def add(self, cb: Callable[P, None]) -> Callable[[], None]:
        """Add ``cb``; returns the function that removes it."""
        getter = weak_callable(cb)
        self._getters.append(getter)

        def remove() -> None:
            if getter in self._getters:
                self._getters.remove(getter)

        return remove

    def call(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Call every live listener (dead ones are dropped); exceptions are logged."""
        for getter in list(self._getters):
            cb = getter()
            if cb is None:
                self._getters.remove(getter)
                continue
            try:
                cb(*args, **kwargs)
            except Exception:
                log.exception("%s listener raised", self._what)


def status_for_change(change: StateChange, label: str = "Upbit") -> tuple[PrivateState, str] | None:
    """The status a state change of ``label``'s private connection means (None: nothing to show)."""
    # An auth failure arrives as KEY_PROBLEM whatever its form (error frame, close reason,
    # 401/403 handshake): the connection layer classifies it (Connector.is_auth_problem).
    state = change.state
    if state is ConnState.KEY_PROBLEM:
        return (
            PrivateState.KEY_PROBLEM,
            f"{label} rejected the API key ({change.reason}). Private feeds are paused: check the key, "
            "its permissions and IP allow-list, then enter it again via Keys…",
        )
    if state is ConnState.CONNECTED:
        return PrivateState.CONNECTED, "Connected"
    if state is ConnState.CONNECTING:
        return PrivateState.CONNECTING, "Connecting to the private feed…"
    if state is ConnState.RECONNECTING:
        retry = f" in {change.retry_in_s:.0f} s" if change.retry_in_s else ""
        return PrivateState.RECONNECTING, f"Reconnecting{retry} ({change.reason})"
    if state is ConnState.FAILED:
        return PrivateState.FAILED, f"Private feed stopped: {change.reason}"
    return None


class StatusBoard:
    """The current :class:`PrivateStatus` and its listeners (held weakly when bound methods)."""

    def __init__(self, initial: PrivateStatus) -> None:
        self.status = initial
        self._listeners: WeakListeners[[PrivateStatus]] = WeakListeners("private status")

    def add_listener(self, cb: Callable[[PrivateStatus], None]) -> Callable[[], None]:
        """Call ``cb(status)`` on every change; returns an unsubscribe."""
        return self._listeners.add(cb)

    def set(self, status: PrivateStatus) -> None:
        """Make ``status`` current and tell the listeners, unless nothing changed."""
        if status == self.status:
            return
        self.status = status
        self._listeners.call(status)
