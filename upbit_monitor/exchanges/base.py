"""The exchange-neutral connector interface the connection layer drives.

A :class:`Connector` describes ONE WebSocket endpoint of one exchange: where it is, which headers the
upgrade needs, how a change of the merged subscription set becomes wire messages, how incoming frames
become typed events, how to keep a quiet stream alive and how fast we may send. Everything with a
lifecycle (connect, reconnect with backoff, epochs, staleness watchdog, rate pacing, metrics) lives
once in :class:`upbit_monitor.connection.Connection`; a new exchange only implements this interface.

Connectors are sans-I/O and synchronous: they never touch sockets or the event loop. One connector
instance serves one connection (it may keep per-connection state such as a parser with counters, or
a request id counter for Binance-style SUBSCRIBE messages).
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from upbit_monitor.protocol.auth import Credentials
from upbit_monitor.protocol.policy import Disposition, auth_rule
from upbit_monitor.protocol.subscriptions import MergedSubscriptions


class StreamEvent(Protocol):
    """What the manager needs of any event a connector returns.

    Upbit's NamedTuple events satisfy it; another exchange may return its own NamedTuple (e.g. a
    ``PriceQuote``). Events that concern one market also carry ``code``; the router reads it with
    ``getattr(event, "code", "")`` so market-less events (status, errors) need none.
    """

    @property
    def type(self) -> str:
        """The event type (the routing key together with ``code``)."""

    @property
    def epoch(self) -> int:
        """The connection epoch this event was received in."""


AUTH_WORDS = ("auth", "jwt", "forbidden", "401", "403")
"""Words of a close reason / error name that point at credentials (case-insensitive).

A superset of what :func:`upbit_monitor.protocol.policy.classify_close` treats as FATAL auth
(``invalid_auth``, ``unauthorized``, ``jwt``, ``forbidden``, ``authentication``).
"""


def mentions_auth(text: str) -> bool:
    """True if ``text`` names an authentication problem (see :data:`AUTH_WORDS`)."""
    low = text.lower()
    return any(word in low for word in AUTH_WORDS)


@dataclass(frozen=True, slots=True)
class KeepalivePolicy:
    """How to keep a quiet stream alive and prove it is alive.

    Attributes:
        ping_interval_s: WebSocket protocol PING every N s (None = off). The library closes the
            connection if the PONG does not arrive within ``ping_timeout_s``.
        ping_timeout_s: PONG deadline for protocol pings.
        text_ping: an application-level ping text (Upbit ``"PING"`` -> ``{"status":"UP"}``), sent when
            nothing was received for ``text_ping_after_s``; its reply counts as a message, so a quiet
            but healthy stream never trips the staleness watchdog. None = off.
        text_ping_after_s: quiet time before a text ping is sent.
        text_ping_always: send ``text_ping`` every ``text_ping_after_s`` whatever was received
            (Bybit wants ``{"op":"ping"}`` every 20 s even on a busy stream: its server judges OUR
            liveness by what we send). False = only on quiet streams, as above.
    """

    ping_interval_s: float | None = 30.0
    ping_timeout_s: float | None = 20.0
    text_ping: str | None = None
    text_ping_after_s: float = 30.0
    text_ping_always: bool = False


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Client-to-server message budget of one connection (0 = unlimited for that window)."""

    per_second: int = 0
    per_minute: int = 0


class Connector(abc.ABC):
    """One WebSocket endpoint of one exchange. Subclass it and register a factory by name.

    Class attributes / attributes a subclass sets:
        name: the connection name (``"upbit-public"``); also the registry key.
        url: the ``ws://`` / ``wss://`` endpoint.
        keepalive: a :class:`KeepalivePolicy`.
        rate_limit: a :class:`RateLimit` on messages we send.
        clear_by_reconnect: True if the exchange cannot express "subscribe to nothing" on a live
            socket (Upbit: every request replaces the set and an empty request is an error); the
            connection then recycles the socket when the merged set becomes empty.
        pure_requests: True if ``build_requests`` has no side effect (no message ids drawn), so a
            request may be built only to see whether it can go out at once (``Session.send_now``).
        private: True if the connection signs with the user's keys: the only kind an auth failure
            may stop (:func:`upbit_monitor.protocol.policy.auth_rule`).
    """

    private: bool = False

    name: str
    url: str
    keepalive: KeepalivePolicy = KeepalivePolicy()
    rate_limit: RateLimit = RateLimit()
    clear_by_reconnect: bool = False
    pure_requests: bool = False

    def headers(self) -> Mapping[str, str]:
        """Extra HTTP headers for the upgrade request, built fresh for every connection attempt.

        A private connector puts a new JWT (fresh nonce) here. Never return an ``Origin`` header
        (Upbit throttles requests carrying one to 1 per 10 s).
        """
        return {}

    @abc.abstractmethod
    def build_requests(
        self, previous: MergedSubscriptions | None, current: MergedSubscriptions
    ) -> list[str]:
        """The text messages that turn the server-side set ``previous`` into ``current``.

        ``previous`` is None right after a (re)connect (the server knows nothing of us). Upbit
        ignores ``previous`` and sends one full-set request; diff-based exchanges send
        SUBSCRIBE/UNSUBSCRIBE messages. Return ``[]`` when nothing needs to be sent.
        """

    @abc.abstractmethod
    def parse(self, data: bytes | str, epoch: int) -> Sequence[Any]:
        """Decode one frame into :class:`StreamEvent` objects stamped with ``epoch``.

        Raises:
            upbit_monitor.errors.ParseError: the frame is not valid JSON/UTF-8 (counted, the
                connection stays up). Unknown shapes are returned as events, not raised.
        """

    def classify_close(self, code: int | None, reason: str) -> Disposition:
        """What to do after the server closed the socket (RETRY, RETRY_SLOW or FATAL)."""
        return Disposition.RETRY

    def classify_handshake(self, status: int) -> Disposition:
        """What to do after an HTTP status refused the upgrade."""
        if status in (401, 403):
            return Disposition.FATAL
        if status in (418, 429):
            return Disposition.RETRY_SLOW
        return Disposition.RETRY

    def handshake_hold(self, status: int) -> tuple[float, str] | None:
        """A venue's own wait after the upgrade was refused with ``status``, and why (None = backoff).

        Bithumb blocks an IP for 10 minutes after persistent connection excess: retrying every few
        seconds would only extend the block, so its connector answers a run of 429s with the block
        length and a sentence the status panel shows.
        """
        return None

    def classify_server_error(self, name: str) -> Disposition:
        """What to do after an error frame (IGNORE = report it, keep the connection)."""
        return Disposition.IGNORE

    def failure(self, disposition: Disposition, reason: str) -> tuple[Disposition, bool]:
        """Apply the auth rule to a classified close / error frame / handshake: (disposition, key_problem)."""
        return auth_rule(disposition, auth=self.is_auth_problem(reason), private=self.private)

    def is_auth_problem(self, reason: str) -> bool:
        """True if a FATAL close reason or error name is about our credentials.

        The connection then ends in KEY_PROBLEM (the user must fix the key) instead of FAILED.
        The default matches the words the shared Upbit policy classifies as FATAL auth failures.
        """
        return mentions_auth(reason)

    def describe(self) -> str:
        """A short human description for logs and the status panel (never contains secrets)."""
        return f"{self.name} {self.url}"


class CredentialsProvider:
    """A thread-safe holder of one venue's current :class:`Credentials` (or None), with listeners.

    A private connector signs every connection attempt with whatever the provider holds at that
    moment, so keys entered in the settings dialog take effect on the next attempt without rebuilding
    the connector. Each venue has its own provider (keys are per venue).
    """

    def __init__(self, credentials: Credentials | None = None) -> None:
        self._lock = threading.Lock()
        self._credentials = credentials
        self._generation = 0
        self._listeners: list[Callable[[Credentials | None], None]] = []

    def get(self) -> Credentials | None:
        """The credentials to sign the next connection attempt with."""
        with self._lock:
            return self._credentials

    @property
    def generation(self) -> int:
        """Incremented on every :meth:`set`: tells "the keys changed since that failure" apart."""
        with self._lock:
            return self._generation

    def set(self, credentials: Credentials | None) -> None:
        """Replace the credentials and notify listeners (outside the lock)."""
        with self._lock:
            self._credentials = credentials
            self._generation += 1
            listeners = list(self._listeners)
        for listener in listeners:
            listener(credentials)

    def add_listener(self, callback: Callable[[Credentials | None], None]) -> Callable[[], None]:
        """Call ``callback(new_credentials)`` after every :meth:`set`; returns an unsubscribe function."""
        with self._lock:
            self._listeners.append(callback)

        def remove() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return remove
