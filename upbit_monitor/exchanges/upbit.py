"""Upbit connectors: the public quotation stream (and the base the private stream builds on).

Upbit specifics (upbit-protocol.md): every request REPLACES the whole subscription set, so
:meth:`UpbitConnector.build_requests` ignores ``previous`` and sends one full-set request; an empty
set cannot be requested, so the socket is recycled instead (``clear_by_reconnect``). Keepalive is a
protocol PING every ``keepalive_interval_s`` plus the text ``PING`` on quiet streams, whose
``{"status":"UP"}`` reply proves liveness to the staleness watchdog. 5 messages/s per connection
(protocol-2026.md: the per-minute cap is gone from Upbit's rate-limit page; a setting can turn
per-minute pacing back on).
"""

from __future__ import annotations

from collections.abc import Sequence

from upbit_monitor.config import Settings
from upbit_monitor.exchanges.base import Connector, KeepalivePolicy, RateLimit
from upbit_monitor.protocol.events import Event
from upbit_monitor.protocol.parser import Parser
from upbit_monitor.protocol.policy import (
    Disposition,
    classify_close,
    classify_handshake_status,
    classify_server_error,
)
from upbit_monitor.protocol.requests import PING_TEXT, build_request, new_ticket
from upbit_monitor.protocol.subscriptions import MergedSubscriptions

UPBIT_RATE_LIMIT = RateLimit(per_second=5, per_minute=0)


def upbit_rate_limit(settings: Settings) -> RateLimit:
    """Per-connection request pacing: 5/s, plus ``settings.ws_requests_per_minute`` when set."""
    return RateLimit(per_second=UPBIT_RATE_LIMIT.per_second, per_minute=settings.ws_requests_per_minute)


class UpbitConnector(Connector):
    """An Upbit WebSocket endpoint (public by default). One instance per connection.

    Args:
        name: connection name.
        url: endpoint URL (the simulator's in demo mode and tests).
        fmt: response format requested (SIMPLE keeps frames ~40% smaller; the parser reads all).
        keepalive_interval_s: protocol PING interval and quiet time before a text PING.
    """

    clear_by_reconnect = True

    def __init__(
        self,
        name: str = "upbit-public",
        url: str = "wss://api.upbit.com/websocket/v1",
        *,
        fmt: str = "SIMPLE",
        keepalive_interval_s: float = 30.0,
    ) -> None:
        self.name = name
        self.url = url
        self.fmt = fmt
        self.keepalive = KeepalivePolicy(
            ping_interval_s=keepalive_interval_s,
            ping_timeout_s=min(20.0, keepalive_interval_s),
            text_ping=PING_TEXT,
            text_ping_after_s=keepalive_interval_s,
        )
        self.rate_limit = UPBIT_RATE_LIMIT
        self.parser = Parser()

    def build_requests(
        self, previous: MergedSubscriptions | None, current: MergedSubscriptions
    ) -> list[str]:
        """One full-set request (Upbit replaces everything on every request); ``[]`` if empty."""
        if current.is_empty:
            return []
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


def upbit_public(settings: Settings) -> UpbitConnector:
    """Factory for ``"upbit-public"`` from settings."""
    connector = UpbitConnector(
        "upbit-public",
        settings.ws_public_url,
        keepalive_interval_s=settings.keepalive_interval_s,
    )
    connector.rate_limit = upbit_rate_limit(settings)
    return connector


FACTORIES = {"upbit-public": upbit_public}
"""Connectors this module provides (registered by :mod:`upbit_monitor.exchanges.registry`)."""
