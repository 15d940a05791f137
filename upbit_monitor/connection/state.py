"""Connection states and the state-change events the UI shows."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ConnState(enum.StrEnum):
    """Lifecycle of one connection.

    IDLE -> CONNECTING -> CONNECTED -> RECONNECTING -> CONNECTED ... -> CLOSED.
    FAILED and KEY_PROBLEM are terminal until the connection is restarted: retrying cannot help
    (e.g. the handshake was refused with 401/403, or the server said INVALID_AUTH).
    """

    IDLE = "idle"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    FAILED = "failed"
    KEY_PROBLEM = "key_problem"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class StateChange:
    """One transition of one connection.

    Attributes:
        connection: connection name (``"upbit-public"``).
        state: the new state.
        epoch: the connection epoch (incremented on every successful connect).
        reason: why (close code/reason, error text, "stale: no message for 61.0 s"); never secrets.
        retry_in_s: for RECONNECTING, the backoff delay before the next attempt.
        at: wall-clock time (``time.time()``).
    """

    connection: str
    state: ConnState
    epoch: int
    reason: str = ""
    retry_in_s: float | None = None
    at: float = 0.0
