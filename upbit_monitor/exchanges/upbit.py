"""Upbit: the protocol core of the Upbit family (public and private connectors) and Upbit's descriptor.

Upbit specifics (upbit-protocol.md): every request REPLACES the whole subscription set, so
:meth:`UpbitConnector.build_requests` sends one full-set request (``previous`` only marks the entries
already subscribed as stream-only, see ``realtime_where_unchanged``); an empty
set cannot be requested, so the socket is recycled instead (``clear_by_reconnect``). Keepalive is a
protocol PING every ``keepalive_interval_s`` plus the text ``PING`` on quiet streams, whose
``{"status":"UP"}`` reply proves liveness to the staleness watchdog. 5 messages/s per connection
(protocol-2026.md: the per-minute cap is gone from Upbit's rate-limit page; a setting can turn
per-minute pacing back on).

The private endpoint (``/websocket/v1/private``: myOrder, myAsset) is the same connector plus one thing:
every connection attempt carries ``Authorization: Bearer <JWT>`` with a fresh uuid4 nonce (section 7),
signed with whatever the :class:`~upbit_monitor.exchanges.base.CredentialsProvider` holds at that moment.
The indicator endpoint (``/websocket/v1/info``, protocol-2026.md: server-computed ``indicator`` and
``indicator_signal`` events) takes the same JWT upgrade (any key, no scope), so it is the private
connector under another name and URL, with its own connection, state and metrics.
The credentials live in a process-wide provider (:data:`PRIVATE_CREDENTIALS`) because connector
factories receive only :class:`~upbit_monitor.config.Settings`; the app (or a test) puts keys into it.

Venues that copy Upbit's protocol (Bithumb) reuse these connectors with their own
:class:`~upbit_monitor.exchanges.descriptor.VenueProfile` (format, limits, venue key).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from upbit_monitor.config import UPBIT_WS_PUBLIC, Settings
from upbit_monitor.errors import HandshakeRejected
from upbit_monitor.exchanges.base import Connector, CredentialsProvider, KeepalivePolicy, RateLimit
from upbit_monitor.exchanges.descriptor import ConnectionSpec, ExchangeDescriptor, VenueProfile
from upbit_monitor.protocol.auth import Credentials, mask_access_key
from upbit_monitor.protocol.events import Event
from upbit_monitor.protocol.parser import Parser
from upbit_monitor.protocol.policy import (
    Disposition,
    classify_close,
    classify_handshake_status,
    classify_server_error,
)
from upbit_monitor.protocol.requests import PING_TEXT, build_request, new_ticket, realtime_where_unchanged
from upbit_monitor.protocol.subscriptions import MergedSubscriptions

VENUE: Final = "upbit"
PUBLIC: Final = "upbit-public"
PRIVATE: Final = "upbit-private"
INFO: Final = "upbit-info"

UPBIT_RATE_LIMIT = RateLimit(per_second=5, per_minute=0)

UPBIT_PROFILE = VenueProfile(
    venue=VENUE,
    rest_url_setting="rest_url",
    rate_limit=UPBIT_RATE_LIMIT,
    connects_per_s=5,
    private_version="v1",
    supports_candles=True,
    simple_format=True,
    depth_suffix=True,
)
"""Upbit's own facts; the defaults every Upbit-protocol venue is compared against."""


def upbit_rate_limit(settings: Settings) -> RateLimit:
    """Per-connection request pacing: 5/s, plus ``settings.ws_requests_per_minute`` when set."""
    return RateLimit(per_second=UPBIT_RATE_LIMIT.per_second, per_minute=settings.ws_requests_per_minute)


class UpbitConnector(Connector):
    """An Upbit-protocol WebSocket endpoint (public by default). One instance per connection.

    Args:
        name: connection name.
        url: endpoint URL (the simulator's in demo mode and tests).
        fmt: response format requested (None = the profile's: SIMPLE on Upbit, ~40% smaller frames;
            the parser reads all formats).
        keepalive_interval_s: protocol PING interval and quiet time before a text PING.
        profile: the venue's facts (rate limit, format, venue key).
    """

    clear_by_reconnect = True
    pure_requests = True  # a fresh random ticket per request, nothing counted

    def __init__(
        self,
        name: str = PUBLIC,
        url: str = UPBIT_WS_PUBLIC,
        *,
        fmt: str | None = None,
        keepalive_interval_s: float = 30.0,
        profile: VenueProfile = UPBIT_PROFILE,
    ) -> None:
        self.name = name
        self.url = url
        self.profile = profile
        self.fmt = fmt if fmt is not None else profile.default_format
        self.keepalive = KeepalivePolicy(
            ping_interval_s=keepalive_interval_s,
            ping_timeout_s=min(20.0, keepalive_interval_s),
            text_ping=PING_TEXT,
            text_ping_after_s=keepalive_interval_s,
        )
        self.rate_limit = profile.rate_limit
        self.parser = Parser()

    @property
    def venue(self) -> str:
        """The venue this connection's market data belongs to (the profile's)."""
        return self.profile.venue

    def build_requests(
        self, previous: MergedSubscriptions | None, current: MergedSubscriptions
    ) -> list[str]:
        """One full-set request (Upbit replaces everything on every request); ``[]`` if empty.

        ``previous`` is what this socket is subscribed to (None on a new socket): its unchanged
        entries are asked without a snapshot where the venue allows it.
        """
        if current.is_empty:
            return []
        if self.profile.realtime_resubscribe:
            current = realtime_where_unchanged(previous, current)
        return [build_request(current, ticket=new_ticket(), fmt=self.fmt)]

    def parse(self, data: bytes | str, epoch: int) -> Sequence[Event]:
        """Decode one frame (binary or text, object or list) into epoch-stamped events."""
        return self.parser.parse(data, epoch)

    def classify_close(self, code: int | None, reason: str) -> Disposition:
        """Delegate to :func:`upbit_monitor.protocol.policy.classify_close`."""
        return classify_close(code, reason)

    def classify_handshake(self, status: int) -> Disposition:
        """Delegate to :func:`upbit_monitor.protocol.policy.classify_handshake_status`."""
        return classify_handshake_status(status)

    def classify_server_error(self, name: str) -> Disposition:
        """Delegate to :func:`upbit_monitor.protocol.policy.classify_server_error`."""
        return classify_server_error(name)


PRIVATE_CREDENTIALS = CredentialsProvider()
"""The provider the ``upbit-private`` factory signs with."""


class PrivateSigning:
    """The signed half of an Upbit-protocol private connector, shared by every venue of the family.

    Mixed in before the venue's connector class: every connection attempt gets a fresh JWT from
    whatever :attr:`credentials` holds at that moment; :meth:`describe` shows a masked access key.
    Venues differ only in the claims (:meth:`sign`: Bithumb adds a millisecond timestamp).
    """

    name: str
    url: str
    credentials: CredentialsProvider
    tokens_issued: int = 0

    def sign(self, creds: Credentials) -> str:
        """One JWT for one attempt (Upbit: access key + fresh nonce)."""
        return creds.token()

    def headers(self) -> Mapping[str, str]:
        """A fresh JWT (new nonce) for this attempt.

        Raises:
            HandshakeRejected: (status 401) no keys are configured. Raised before any network I/O so
                the connection treats it exactly like a refused handshake (KEY_PROBLEM, no retry)
                instead of knocking on the private endpoint without credentials.
        """
        creds = self.credentials.get()
        if creds is None:
            raise HandshakeRejected(f"no API keys configured for {self.name}", 401)
        token = self.sign(creds)
        self.tokens_issued += 1
        return {"Authorization": f"Bearer {token}"}

    def describe(self) -> str:
        """Name, URL and a masked access key; never the secret or a token."""
        creds = self.credentials.get()
        key = mask_access_key(creds.access_key) if creds is not None else "no key"
        return f"{self.name} {self.url} (key {key})"


class UpbitPrivateConnector(PrivateSigning, UpbitConnector):
    """Upbit's private endpoint. Subscriptions: ``myOrder`` (no codes = all markets) and ``myAsset``."""

    private = True

    def __init__(
        self,
        url: str,
        credentials: CredentialsProvider,
        *,
        fmt: str | None = None,
        keepalive_interval_s: float = 30.0,
        name: str = PRIVATE,
        profile: VenueProfile = UPBIT_PROFILE,
    ) -> None:
        super().__init__(name, url, fmt=fmt, keepalive_interval_s=keepalive_interval_s, profile=profile)
        self.credentials = credentials
        self.tokens_issued = 0


class UpbitInfoConnector(UpbitPrivateConnector):
    """The indicator endpoint: signed like ``upbit-private``, its own connection, state and metrics."""

    def __init__(self, url: str, credentials: CredentialsProvider, *, fmt: str | None = None,
                 keepalive_interval_s: float = 30.0) -> None:
        super().__init__(url, credentials, fmt=fmt, keepalive_interval_s=keepalive_interval_s, name=INFO)


def upbit_public(settings: Settings) -> UpbitConnector:
    """Factory for ``"upbit-public"`` from settings."""
    connector = UpbitConnector(
        PUBLIC, settings.ws_public_url, keepalive_interval_s=settings.keepalive_interval_s
    )
    connector.rate_limit = upbit_rate_limit(settings)
    return connector


def upbit_private(settings: Settings) -> UpbitPrivateConnector:
    """Factory for ``"upbit-private"``: URL from settings, keys from :data:`PRIVATE_CREDENTIALS`."""
    connector = UpbitPrivateConnector(
        settings.ws_private_url, PRIVATE_CREDENTIALS, keepalive_interval_s=settings.keepalive_interval_s
    )
    connector.rate_limit = upbit_rate_limit(settings)
    return connector


def upbit_info(settings: Settings) -> UpbitInfoConnector:
    """Factory for ``"upbit-info"``: URL from settings, keys from :data:`PRIVATE_CREDENTIALS`."""
    connector = UpbitInfoConnector(
        settings.ws_info_url, PRIVATE_CREDENTIALS, keepalive_interval_s=settings.keepalive_interval_s
    )
    connector.rate_limit = upbit_rate_limit(settings)
    return connector


DESCRIPTOR = ExchangeDescriptor(
    venue=VENUE,
    label="Upbit",
    connections=(
        ConnectionSpec(PUBLIC, upbit_public, "ws_public_url"),
        ConnectionSpec(PRIVATE, upbit_private, "ws_private_url", private=True),
        # Signed with the user's keys, so an auth failure stops it like the private one.
        ConnectionSpec(INFO, upbit_info, "ws_info_url", private=True),
    ),
    profile=UPBIT_PROFILE,
)
"""Upbit as the registry lists it."""
