"""The private feed's user-facing status and small helpers shared by the feed's listeners."""

from __future__ import annotations

import enum
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


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


