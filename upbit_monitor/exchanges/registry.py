"""Connector factories by name: ``create_connector("upbit-public", settings)``.

Built-in connectors register themselves when their module is imported (this module imports
:mod:`upbit_monitor.exchanges.upbit`); other exchanges call :func:`register_connector` at import
time, and applications or tests can register custom connectors the same way::

    register_connector("my-feed", lambda settings: MyConnector(url=...))
    mgr.register(widget, specs, connection="my-feed")   # the manager creates the connection lazily
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from upbit_monitor.config import Settings
from upbit_monitor.errors import ConfigError
from upbit_monitor.exchanges.base import Connector

logger = logging.getLogger(__name__)

ConnectorFactory = Callable[[Settings], Connector]

_FACTORIES: dict[str, ConnectorFactory] = {}

# Modules that register connectors of other exchanges when imported. A missing module is skipped,
# so the registry works before (and without) those exchanges being built.
_OPTIONAL_MODULES = (
    "upbit_monitor.exchanges.binance",
    "upbit_monitor.exchanges.bybit",
    "upbit_monitor.exchanges.upbit_private",
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
            importlib.import_module(module)
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


def _register_builtins() -> None:
    from upbit_monitor.exchanges import upbit

    for name, factory in upbit.FACTORIES.items():
        if name not in _FACTORIES:
            register_connector(name, factory)


_register_builtins()
