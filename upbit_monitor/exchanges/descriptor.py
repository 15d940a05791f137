"""One venue's facts in one value: :class:`ExchangeDescriptor` (and :class:`VenueProfile`).

Every venue module (``exchanges/upbit.py``, ``binance.py``, ...) exposes ONE ``DESCRIPTOR``: its name
and label, its connections (name, factory, the settings attribute holding the URL, whether it signs with
the user's keys) and, for venues that speak the Upbit protocol, a :class:`VenueProfile` with the facts
in which they differ (format, limits, candle support, private API generation). The registry lists the
descriptors statically; the UI asks it for labels, URLs and connectors instead of keeping its own table.

A second Upbit-protocol venue (Bithumb) is therefore a profile plus a descriptor over the same protocol
core (:class:`~upbit_monitor.exchanges.upbit.UpbitConnector`), not a copy of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from upbit_monitor.config import Settings
from upbit_monitor.errors import ConfigError
from upbit_monitor.exchanges.base import Connector, RateLimit

ConnectorFactory = Callable[[Settings], Connector]
"""Builds a fresh connector for one connection from the settings."""


@dataclass(frozen=True, slots=True)
class ConnectionSpec:
    """One WebSocket connection a venue offers.

    Attributes:
        name: the connection name (metrics, state events and registrations are keyed by it).
        factory: builds its connector from settings.
        url_setting: the :class:`~upbit_monitor.config.Settings` attribute holding its URL (an empty
            URL there disables the connection).
        private: True if it signs with the user's API keys. Only such a connection may ever end in
            KEY_PROBLEM (:mod:`upbit_monitor.protocol.policy`); the connector must say the same.
    """

    name: str
    factory: ConnectorFactory
    url_setting: str
    private: bool = False


@dataclass(frozen=True, slots=True)
class VenueProfile:
    """How one venue of the Upbit protocol family differs from Upbit (protocol-2026.md, Bithumb).

    Attributes:
        venue: pool key and ``connector.venue`` (``"upbit"``, ``"bithumb"``).
        rest_url_setting: the Settings attribute of the REST base URL.
        rate_limit: request budget per connection.
        connects_per_s: handshakes per second per IP before the venue answers 429.
        private_version: generation of the private WebSocket API (Bithumb ``"v2"`` renames myOrder fields).
        supports_candles: ``candle.*`` is a wire type (Bithumb: no, candles are built from trades).
        simple_format: the SIMPLE response format is accepted (else DEFAULT is requested).
        depth_suffix: orderbook codes with a depth suffix (``KRW-BTC.15``) are accepted.
        rest_details_param: the market list's detail switch (``is_details``; Bithumb ``isDetails``).
        realtime_resubscribe: a re-request asks only the stream of entries already subscribed
            (``is_only_realtime``), so a coin switch does not replay every ticker's snapshot.
    """

    venue: str
    rest_url_setting: str
    rate_limit: RateLimit
    connects_per_s: int = 5
    private_version: str = "v1"
    supports_candles: bool = True
    simple_format: bool = True
    depth_suffix: bool = True
    rest_details_param: str = "is_details"
    realtime_resubscribe: bool = True

    @property
    def default_format(self) -> str:
        """The response format to request: SIMPLE (~40% smaller frames) where the venue has it."""
        return "SIMPLE" if self.simple_format else "DEFAULT"

    def rest_url(self, settings: Settings) -> str:
        """The configured REST base URL of the venue."""
        return str(getattr(settings, self.rest_url_setting, "") or "")


@dataclass(frozen=True, slots=True)
class ExchangeDescriptor:
    """Everything the rest of the app needs to know about one venue.

    Attributes:
        venue: short id (``"upbit"``, ``"binance"``); also the premium tracker's venue key.
        label: the name shown to the user.
        connections: the venue's connections, the public market-data one first.
        profile: Upbit-protocol facts (None for venues with their own protocol).
        premium_reference: a foreign USDT market used as the reference of the kimchi premium.
    """

    venue: str
    label: str
    connections: tuple[ConnectionSpec, ...]
    profile: VenueProfile | None = None
    premium_reference: bool = False

    def __post_init__(self) -> None:
        if not self.connections or self.connections[0].private:
            raise ConfigError(f"venue {self.venue!r}: the first connection must be the public one")
        names = [c.name for c in self.connections]
        if len(set(names)) != len(names):
            raise ConfigError(f"venue {self.venue!r}: connection names repeat: {names}")

    @property
    def public(self) -> ConnectionSpec:
        """The public market-data connection."""
        return self.connections[0]

    @property
    def private(self) -> ConnectionSpec | None:
        """The connection signed with the user's keys, if the venue has one here."""
        return next((c for c in self.connections if c.private), None)

    def connection(self, name: str | None = None) -> ConnectionSpec:
        """The connection called ``name`` (None = the public one).

        Raises:
            ConfigError: the venue has no connection of that name.
        """
        if name is None:
            return self.public
        for spec in self.connections:
            if spec.name == name:
                return spec
        raise ConfigError(f"venue {self.venue!r} has no connection {name!r}")

    def url(self, settings: Settings, name: str | None = None) -> str:
        """The configured URL of a connection ("" = disabled)."""
        return str(getattr(settings, self.connection(name).url_setting, "") or "")

    def create(
        self, settings: Settings | None = None, *, name: str | None = None, url: str | None = None
    ) -> Connector:
        """Build the connector of a connection (None = public); ``url`` replaces the configured one.

        Raises:
            ConfigError: unknown connection, or the factory built a connector that does not match
                its spec (another name, or private where the spec says public or vice versa).
        """
        spec = self.connection(name)
        settings = settings if settings is not None else Settings()
        if url is not None:
            settings = settings.with_overrides(**{spec.url_setting: url})
        connector = spec.factory(settings)
        check_connector(spec, connector)
        return connector


def premium_reference(
    venue: str, label: str, connection: str, connector: Callable[[str], Connector], url_setting: str
) -> ExchangeDescriptor:
    """A foreign USDT venue used as the kimchi premium's reference: one public connection whose
    connector is built from the URL in ``url_setting``."""

    def factory(settings: Settings) -> Connector:
        return connector(str(getattr(settings, url_setting)))

    spec = ConnectionSpec(connection, factory, url_setting)
    return ExchangeDescriptor(venue=venue, label=label, connections=(spec,), premium_reference=True)


def check_connector(spec: ConnectionSpec, connector: Connector) -> None:
    """Raise :class:`ConfigError` unless ``connector`` is what ``spec`` promises."""
    if connector.name != spec.name:
        # Metrics, state events and registrations are keyed by name; a mismatch would split them.
        raise ConfigError(f"factory for {spec.name!r} built a connector named {connector.name!r}")
    if connector.private != spec.private:
        raise ConfigError(f"connector {spec.name!r}: private={connector.private}, spec says {spec.private}")
