"""The ``upbit-private`` connector: myOrder / myAsset over ``/websocket/v1/private`` with a JWT.

It is the public :class:`~upbit_monitor.exchanges.upbit.UpbitConnector` (same request building, parser,
keepalive, 5/s budget, close/handshake/error classification) plus one thing: every connection
attempt carries ``Authorization: Bearer <JWT>`` with a fresh uuid4 nonce (upbit-protocol.md section 7),
signed with whatever credentials the :class:`CredentialsProvider` holds *at that moment*. New keys entered
in the settings dialog therefore take effect on the next attempt without rebuilding the connector.

Key problems are classified by the shared policy: an ``INVALID_AUTH`` error frame or a 401/403 handshake
is FATAL, so the connection machinery stops retrying with the bad key and reports ``KEY_PROBLEM``.

The credentials live in a process-wide provider (:data:`PRIVATE_CREDENTIALS`) because connector factories
receive only :class:`~upbit_monitor.config.Settings`; the app (or a test) puts keys into it, and
:class:`~upbit_monitor.features.private.feed.PrivateFeed` decides when the connection may run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from upbit_monitor.config import Settings
from upbit_monitor.errors import HandshakeRejected
from upbit_monitor.exchanges.upbit import UpbitConnector, upbit_rate_limit
from upbit_monitor.protocol.auth import Credentials, mask_access_key

NAME = "upbit-private"


class CredentialsProvider:
    """A thread-safe holder of the current :class:`Credentials` (or None), with change listeners."""

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


PRIVATE_CREDENTIALS = CredentialsProvider()
"""The provider the registered ``upbit-private`` factory uses."""


class UpbitPrivateConnector(UpbitConnector):
    """Upbit's private endpoint. Subscriptions: ``myOrder`` (no codes = all markets) and ``myAsset``."""

    private = True

    def __init__(
        self,
        url: str,
        credentials: CredentialsProvider,
        *,
        fmt: str = "SIMPLE",
        keepalive_interval_s: float = 30.0,
    ) -> None:
        super().__init__(NAME, url, fmt=fmt, keepalive_interval_s=keepalive_interval_s)
        self.credentials = credentials
        self.tokens_issued = 0

    def headers(self) -> Mapping[str, str]:
        """A fresh JWT (new nonce) for this attempt.

        Raises:
            HandshakeRejected: (status 401) no keys are configured. Raised before any network I/O so
                the connection treats it exactly like a refused handshake (KEY_PROBLEM, no retry)
                instead of knocking on the private endpoint without credentials.
        """
        creds = self.credentials.get()
        if creds is None:
            raise HandshakeRejected("no API keys configured for the private connection", 401)
        token = creds.token()
        self.tokens_issued += 1
        return {"Authorization": f"Bearer {token}"}

    def describe(self) -> str:
        """Name, URL and a masked access key; never the secret or a token."""
        creds = self.credentials.get()
        key = mask_access_key(creds.access_key) if creds is not None else "no key"
        return f"{self.name} {self.url} (key {key})"


def upbit_private(settings: Settings) -> UpbitPrivateConnector:
    """Factory for ``"upbit-private"``: URL from settings, keys from :data:`PRIVATE_CREDENTIALS`."""
    connector = UpbitPrivateConnector(
        settings.ws_private_url,
        PRIVATE_CREDENTIALS,
        keepalive_interval_s=settings.keepalive_interval_s,
    )
    connector.rate_limit = upbit_rate_limit(settings)
    return connector


FACTORIES = {NAME: upbit_private}
"""Connectors this module provides (registered by :mod:`upbit_monitor.exchanges.registry`)."""
