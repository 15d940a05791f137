"""Reconnect policy as pure code: a backoff generator and failure classifiers.

Modelled on websockets' ``backoff()``/``process_exception`` split (style-and-layout.md §1): the
connection layer only does ``delay = next(delays)`` and ``await asyncio.sleep(delay)``, and asks
the classifiers what a failure means. Nothing here sleeps or touches the network, so tests can pin
the whole sequence with a seeded ``random.Random``.

Dispositions:

* ``RETRY`` - transient (network drop, server restart, idle close): reconnect with backoff.
* ``RETRY_SLOW`` - we are being throttled (HTTP 429/418, close 1008/1013): reconnect, but wait at
  least :data:`SLOW_RETRY_FLOOR_S` first; Upbit escalates blocks for repeat offenders (§6).
* ``FATAL`` - retrying cannot help (bad credentials, wrong URL): stop and tell the user.
* ``IGNORE`` - the server rejected one request (NO_CODES, WRONG_FORMAT, ...) but the connection is
  fine: report it, do not reconnect (a reconnect would resend the same bad request).
"""

from __future__ import annotations

import enum
import math
import random
from collections.abc import Iterator, Sequence
from typing import Final

from upbit_monitor.errors import ConfigError


class Disposition(enum.Enum):
    """What to do about a failure."""

    RETRY = "retry"
    RETRY_SLOW = "retry_slow"
    FATAL = "fatal"
    IGNORE = "ignore"


DEFAULT_STEPS: Final[tuple[float, ...]] = (1.0, 2.0, 5.0, 10.0, 20.0)
SLOW_RETRY_FLOOR_S: Final = 10.0
"""Minimum wait before reconnecting after a ``RETRY_SLOW`` failure."""


def backoff(
    steps: Sequence[float] = DEFAULT_STEPS, *, jitter: float = 0.2, rng: random.Random | None = None
) -> Iterator[float]:
    """Yield reconnect delays in seconds: ``steps`` in order, then the last step forever.

    Each delay is multiplied by a uniform factor in ``[1 - jitter, 1 + jitter]`` so that many
    clients dropped at once (server restart) do not reconnect in lockstep against Upbit's
    5 connections/s limit. Start a new generator after a successful connection.

    Args:
        steps: non-empty, positive, finite delays; the last one is the cap.
        jitter: relative spread in ``[0, 1)``; 0 gives the exact steps.
        rng: source of randomness (pass a seeded ``random.Random`` in tests).

    Raises:
        ConfigError: empty or non-positive steps, or jitter outside ``[0, 1)``.
    """
    steps = tuple(float(s) for s in steps)
    if not steps or not all(0 < s < math.inf for s in steps):
        raise ConfigError(f"backoff steps must be positive and finite, got {steps!r}")
    if not 0 <= jitter < 1:
        raise ConfigError(f"backoff jitter must be in [0, 1), got {jitter!r}")
    return _delays(steps, jitter, rng or random.Random())


def _delays(steps: tuple[float, ...], jitter: float, rng: random.Random) -> Iterator[float]:
    # A separate generator function so that argument errors surface at the call, not at next().
    i = 0
    while True:
        step = steps[min(i, len(steps) - 1)]
        yield step * (1 + rng.uniform(-jitter, jitter)) if jitter else step
        i += 1


def min_delay(disposition: Disposition) -> float:
    """The least time to wait before reconnecting after a failure of this kind."""
    return SLOW_RETRY_FLOOR_S if disposition is Disposition.RETRY_SLOW else 0.0


_AUTH_WORDS = ("invalid_auth", "unauthorized", "jwt", "forbidden", "authentication")
_THROTTLE_WORDS = ("too_many", "too many", "rate limit", "ratelimit", "throttl", "429")


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    low = text.lower()
    return any(w in low for w in words)


def classify_close(code: int | None, reason: str = "") -> Disposition:
    """Classify a WebSocket close (RFC 6455 §7.4); ``None`` = no close frame (connection lost).

    Upbit documents no close codes (upbit-protocol.md §4, [UNCONFIRMED]), so the reason text is
    checked for auth and throttling words first, then the code decides.
    """
    if _mentions(reason, _AUTH_WORDS):
        return Disposition.FATAL
    if _mentions(reason, _THROTTLE_WORDS):
        return Disposition.RETRY_SLOW
    if code is None:
        return Disposition.RETRY
    if code == 1008 or code == 1013:  # policy violation (likely rate limit) / try again later
        return Disposition.RETRY_SLOW
    if code in (1002, 1003, 1007, 1009):
        # The server disliked what we sent; reconnecting is right, hammering is not.
        return Disposition.RETRY_SLOW
    # 1000/1001 (idle timeout, server going away), 1006 (dropped), 1011/1012/1014, 4xxx: transient.
    return Disposition.RETRY


def auth_rule(disposition: Disposition, *, auth: bool, private: bool) -> tuple[Disposition, bool]:
    """The ONE rule for auth failures, applied to closes, error frames and refused handshakes alike.

    ``auth`` says whether the close reason / error name / status is about credentials (the connector
    decides: ``Connector.is_auth_problem``). Returns the disposition to act on and whether it is a key
    problem. Only a connection that signs
    with the user's keys (``private``) can have a key problem; it stops (KEY_PROBLEM) until the user
    fixes the key. A public connection sends no credentials, so an auth-worded close ("Forbidden"), an
    ``INVALID_AUTH`` frame or a 401/403 there is the server's glitch or a block: it reconnects (slowly)
    instead of staying stuck in key_problem for good, which is what happened before this rule.
    """
    if not auth or disposition is not Disposition.FATAL:
        return disposition, False
    if private:
        return disposition, True
    return Disposition.RETRY_SLOW, False


def classify_handshake_status(status: int) -> Disposition:
    """Classify an HTTP status that refused the WebSocket upgrade."""
    if status in (401, 403):
        return Disposition.FATAL  # bad or unauthorised key: same key, same answer
    if status in (429, 418):
        return Disposition.RETRY_SLOW  # 418 = temporary block after ignoring 429s (§6)
    if status in (408, 425):
        return Disposition.RETRY
    if status == 503:
        return Disposition.RETRY_SLOW
    if 500 <= status < 600:
        return Disposition.RETRY
    if 300 <= status < 500:
        return Disposition.FATAL  # wrong URL / unsupported redirect: a configuration problem
    return Disposition.RETRY


# Upbit's documented request errors (§5): the connection is fine, the request was not.
REQUEST_ERRORS: Final = frozenset({"NO_TICKET", "NO_TYPE", "NO_CODES", "WRONG_FORMAT", "INVALID_PARAM"})


def classify_server_error(name: str) -> Disposition:
    """Classify the ``name`` of an ``{"error": {...}}`` message (or a REST-style numeric name)."""
    upper = name.strip().upper()
    if upper in ("INVALID_AUTH", "401", "403") or _mentions(upper, _AUTH_WORDS):
        return Disposition.FATAL
    if upper in ("429", "418") or _mentions(upper, _THROTTLE_WORDS):
        return Disposition.RETRY_SLOW
    # REQUEST_ERRORS and anything unknown: report, keep the connection.
    return Disposition.IGNORE
