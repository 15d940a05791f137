"""``upbit-info``: Upbit's indicator endpoint ``wss://api.upbit.com/websocket/v1/info`` (protocol-2026.md).

Server-computed ``indicator`` values (at each candle close) and ``indicator_signal`` events for KRW
markets. Same JWT upgrade as the private endpoint (any key, no scope), so this is the private connector
under another name and URL; the connection is created when the first component wants an indicator.
"""

from __future__ import annotations

from upbit_monitor.config import Settings
from upbit_monitor.exchanges.upbit import upbit_rate_limit
from upbit_monitor.exchanges.upbit_private import (
    PRIVATE_CREDENTIALS,
    CredentialsProvider,
    UpbitPrivateConnector,
)

NAME = "upbit-info"


class UpbitInfoConnector(UpbitPrivateConnector):
    """The indicator endpoint: signed like ``upbit-private``, its own connection, state and metrics."""

    def __init__(self, url: str, credentials: CredentialsProvider, *, fmt: str = "SIMPLE",
                 keepalive_interval_s: float = 30.0) -> None:
        super().__init__(url, credentials, fmt=fmt, keepalive_interval_s=keepalive_interval_s)
        self.name = NAME


def upbit_info(settings: Settings) -> UpbitInfoConnector:
    """Factory for ``"upbit-info"``: URL from settings, keys from the private provider."""
    connector = UpbitInfoConnector(settings.ws_info_url, PRIVATE_CREDENTIALS,
                                   keepalive_interval_s=settings.keepalive_interval_s)
    connector.rate_limit = upbit_rate_limit(settings)
    return connector


FACTORIES = {NAME: upbit_info}
"""Connectors this module provides (registered by :mod:`upbit_monitor.exchanges.registry`)."""
