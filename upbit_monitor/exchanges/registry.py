"""Connector factories by name: ``create_connector("upbit-public", settings)``.

Each exchange module declares ``FACTORIES = {name: factory}``; this module imports the built-in
:mod:`upbit_monitor.exchanges.upbit` at once and the other exchange modules on first use, and
registers what they declare. Applications or tests register custom connectors directly::

    register_connector("my-feed", lambda settings: MyConnector(url=...))
    mgr.register(widget, specs, connection="my-feed")   # the manager creates the connection lazily
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from types import ModuleType

from upbit_monitor.config import Settings
from upbit_monitor.errors import ConfigError
from upbit_monitor.exchanges.base import Connector

logger = logging.getLogger(__name__)

ConnectorFactory = Callable[[Settings], Connector]

_FACTORIES: dict[str, ConnectorFactory] = {}

# Modules whose FACTORIES are registered on first use. A missing module is skipped, so the registry
# works before (and without) those exchanges being built.
_OPTIONAL_MODULES = (
    "upbit_monitor.exchanges.bithumb",
    "upbit_monitor.exchanges.binance",
    "upbit_monitor.exchanges.bybit",
    "upbit_monitor.exchanges.upbit_private",
    "upbit_monitor.exchanges.upbit_info",
)
_loaded_optional = False


def register_connector(name: str, factory: ConnectorFactory, *, replace: bool = False) -> None:
    """Make ``factory(settings)`` the way to build the connector called ``name``.

    Raises:
        ConfigError: ``name`` is already registered and ``replace`` is False.
    """
    if not name:
        raise ConfigError("connector name must not be empty")
    if name in _FACTORIES and not replace:
        raise ConfigError(f"connector {name!r} is already registered")
    _FACTORIES[name] = factory


def unregister_connector(name: str) -> None:
    """Forget the factory for ``name`` (no error if unknown; used by tests)."""
    _FACTORIES.pop(name, None)


def _load_optional() -> None:
    global _loaded_optional
    if _loaded_optional:
        return
    _loaded_optional = True
    for module in _OPTIONAL_MODULES:
        try:
            _register_module(importlib.import_module(module), replace=True)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                logger.error("connector module %s cannot be imported: %s", module, exc)
        except Exception:
            # A broken optional exchange must not take the Upbit feed down with it.
            logger.exception("connector module %s failed to import", module)


def available_connectors() -> list[str]:
    """Names of all registered connectors, sorted."""
    _load_optional()
    return sorted(_FACTORIES)


def create_connector(name: str, settings: Settings | None = None) -> Connector:
    """Build a fresh connector instance for one connection.

    Raises:
        ConfigError: no connector of that name is registered.
    """
    _load_optional()
    factory = _FACTORIES.get(name)
    if factory is None:
        known = ", ".join(sorted(_FACTORIES)) or "none"
        raise ConfigError(f"unknown connection {name!r} (registered: {known})")
    connector = factory(settings if settings is not None else Settings())
    if connector.name != name:
        # Metrics, state events and registrations are keyed by name; a mismatch would split them.
        raise ConfigError(f"factory for {name!r} built a connector named {connector.name!r}")
    return connector


def _register_module(module: ModuleType, *, replace: bool) -> None:
    """Register every ``name: factory`` in ``module.FACTORIES`` (skipping taken names unless ``replace``)."""
    factories: dict[str, ConnectorFactory] = getattr(module, "FACTORIES", {})
    for name, factory in factories.items():
        if replace or name not in _FACTORIES:
            register_connector(name, factory, replace=replace)


def _register_builtins() -> None:
    from upbit_monitor.exchanges import upbit

    _register_module(upbit, replace=False)


_register_builtins()
