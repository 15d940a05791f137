"""The venues the app knows, listed statically, and connector lookup by connection name.

Each venue module exposes one :class:`~upbit_monitor.exchanges.descriptor.ExchangeDescriptor`;
:data:`DESCRIPTORS` lists them, and ``create_connector("upbit-public", settings)`` finds the connection
in them. Applications or tests add connectors of their own by name::

    register_connector("my-feed", lambda settings: MyConnector(url=...))
    mgr.register(widget, specs, connection="my-feed")   # the manager creates the connection lazily

A registered name takes precedence over a descriptor's connection of the same name (``replace=True``).
"""

from __future__ import annotations

from upbit_monitor.config import Settings
from upbit_monitor.errors import ConfigError
from upbit_monitor.exchanges import binance, bithumb, bybit, upbit
from upbit_monitor.exchanges.base import Connector
from upbit_monitor.exchanges.descriptor import (
    ConnectionSpec,
    ConnectorFactory,
    ExchangeDescriptor,
    check_connector,
)

DESCRIPTORS: tuple[ExchangeDescriptor, ...] = (
    upbit.DESCRIPTOR, bithumb.DESCRIPTOR, binance.DESCRIPTOR, bybit.DESCRIPTOR
)
"""Every built-in venue: the Korean (KRW) venues first, then the premium references."""

_BY_VENUE = {d.venue: d for d in DESCRIPTORS}
_BY_CONNECTION = {spec.name: (d, spec) for d in DESCRIPTORS for spec in d.connections}
_CUSTOM: dict[str, ConnectorFactory] = {}


def descriptors() -> tuple[ExchangeDescriptor, ...]:
    """Every built-in venue (see :data:`DESCRIPTORS`)."""
    return DESCRIPTORS


def descriptor(venue: str) -> ExchangeDescriptor:
    """The descriptor of ``venue``.

    Raises:
        ConfigError: no such venue.
    """
    found = _BY_VENUE.get(venue)
    if found is None:
        raise ConfigError(f"unknown venue {venue!r} (known: {', '.join(_BY_VENUE)})")
    return found


def descriptor_for_connection(name: str) -> ExchangeDescriptor | None:
    """The venue that owns the built-in connection ``name`` (None for custom connectors)."""
    found = _BY_CONNECTION.get(name)
    return found[0] if found is not None else None


def krw_venues() -> tuple[ExchangeDescriptor, ...]:
    """The Korean venues (those speaking the Upbit protocol, with a profile), Upbit first."""
    return tuple(d for d in DESCRIPTORS if d.profile is not None)


def premium_venues() -> tuple[ExchangeDescriptor, ...]:
    """The foreign reference venues of the kimchi premium, in display order."""
    return tuple(d for d in DESCRIPTORS if d.premium_reference)


def register_connector(name: str, factory: ConnectorFactory, *, replace: bool = False) -> None:
    """Make ``factory(settings)`` the way to build the connector called ``name``.

    Raises:
        ConfigError: ``name`` is empty, or already known and ``replace`` is False.
    """
    if not name:
        raise ConfigError("connector name must not be empty")
    if (name in _CUSTOM or name in _BY_CONNECTION) and not replace:
        raise ConfigError(f"connector {name!r} is already registered")
    _CUSTOM[name] = factory


def unregister_connector(name: str) -> None:
    """Forget a factory added with :func:`register_connector` (no error if unknown; used by tests).

    A built-in connection whose factory was replaced is built by its descriptor again.
    """
    _CUSTOM.pop(name, None)


def available_connectors() -> list[str]:
    """Names of all known connections (built-in and registered), sorted."""
    return sorted({*_BY_CONNECTION, *_CUSTOM})


def create_connector(name: str, settings: Settings | None = None) -> Connector:
    """Build a fresh connector instance for one connection.

    Raises:
        ConfigError: unknown name, or the factory built a connector of another name (or another
            private/public kind than its descriptor says).
    """
    settings = settings if settings is not None else Settings()
    factory = _CUSTOM.get(name)
    builtin = _BY_CONNECTION.get(name)
    if factory is not None:
        connector = factory(settings)
        spec = builtin[1] if builtin is not None else ConnectionSpec(name, factory, "", connector.private)
        check_connector(spec, connector)
        return connector
    if builtin is None:
        raise ConfigError(f"unknown connection {name!r} (registered: {', '.join(available_connectors())})")
    return builtin[0].create(settings, name=name)
