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
from typing import Any

from upbit_monitor.connection.state import ConnState, StateChange

log = logging.getLogger(__name__)


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


def status_for_change(change: StateChange) -> tuple[PrivateState, str] | None:
    """The status a state change of the private connection means (None: nothing to show)."""
    # An auth failure arrives as KEY_PROBLEM whatever its form (error frame, close reason,
    # 401/403 handshake): the connection layer classifies it (Connector.is_auth_problem).
    state = change.state
    if state is ConnState.KEY_PROBLEM:
        return (
            PrivateState.KEY_PROBLEM,
            f"Upbit rejected the API key ({change.reason}). Private feeds are paused: check the key, "
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
        self._listeners: list[Callable[[], Callable[[PrivateStatus], None] | None]] = []

    def add_listener(self, cb: Callable[[PrivateStatus], None]) -> Callable[[], None]:
        """Call ``cb(status)`` on every change; returns an unsubscribe."""
        getter = weak_callable(cb)
        self._listeners.append(getter)

        def remove() -> None:
            if getter in self._listeners:
                self._listeners.remove(getter)

        return remove

    def set(self, status: PrivateStatus) -> None:
        """Make ``status`` current and tell the listeners, unless nothing changed."""
        if status == self.status:
            return
        self.status = status
        for getter in list(self._listeners):
            cb = getter()
            if cb is None:
                self._listeners.remove(getter)
                continue
            try:
                cb(status)
            except Exception:
                log.exception("private status listener raised")
