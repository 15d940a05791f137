"""Test a key pair without touching the live feed: a throw-away private connection with no retries.

Success means the server answered our ``LIST_SUBSCRIPTIONS`` query, which it only does on an
authenticated connection; failure is ``INVALID_AUTH``, a refused handshake (401/403), a connection
error, or no answer in time. It uses the same :class:`~upbit_monitor.connection.connection.Connection`
machinery as the real feed. Messages never contain key material.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from upbit_monitor.config import Settings
from upbit_monitor.connection.connection import Connection
from upbit_monitor.connection.state import ConnState, StateChange
from upbit_monitor.exchanges.base import Connector, CredentialsProvider
from upbit_monitor.exchanges.bithumb import BithumbPrivateConnector
from upbit_monitor.exchanges.registry import descriptor
from upbit_monitor.exchanges.upbit import UpbitPrivateConnector
from upbit_monitor.protocol.auth import Credentials
from upbit_monitor.protocol.events import ServerError, SubscriptionList
from upbit_monitor.protocol.requests import build_list_subscriptions, new_ticket
from upbit_monitor.protocol.subscriptions import MergedSubscriptions, SubscriptionSet, SubscriptionSpec


def _then_list(requests: list[str]) -> list[str]:
    return [*requests, build_list_subscriptions(ticket=new_ticket())]


class _ListAfterRequest(UpbitPrivateConnector):
    """Private connector that follows its subscription request with a LIST_SUBSCRIPTIONS query."""

    def build_requests(self, previous: MergedSubscriptions | None, current: MergedSubscriptions) -> list[str]:
        """The normal request, then the query whose reply proves the server accepted us."""
        return _then_list(super().build_requests(previous, current))


class _BithumbProbe(BithumbPrivateConnector):
    """Bithumb's private connector (v2 claims and names) with the same query after its request."""

    def build_requests(self, previous: MergedSubscriptions | None, current: MergedSubscriptions) -> list[str]:
        """The normal request, then the query whose reply proves the server accepted us."""
        return _then_list(super().build_requests(previous, current))


def _probe_connector(settings: Settings, venue: str, creds: Credentials) -> Connector:
    exchange = descriptor(venue)
    private = exchange.private
    url = exchange.url(settings, private.name) if private is not None else ""
    provider = CredentialsProvider(creds)
    if venue == "bithumb":
        return _BithumbProbe(url, provider)
    return _ListAfterRequest(url, provider)


async def probe_private(
    settings: Settings, creds: Credentials, *, timeout_s: float = 10.0, venue: str = "upbit"
) -> tuple[bool, str]:
    """Test ``creds`` against ``venue``'s private URL; returns ``(ok, message)`` without key material."""
    label = descriptor(venue).label
    loop = asyncio.get_running_loop()
    result: asyncio.Future[tuple[bool, str]] = loop.create_future()

    def settle(ok: bool, message: str) -> None:
        if not result.done():
            result.set_result((ok, message))

    def sink(_name: str, events: Sequence[Any], _epoch: int) -> None:
        for ev in events:
            if isinstance(ev, ServerError):
                if ev.name == "INVALID_AUTH":
                    settle(False, f"{label} rejected the key (INVALID_AUTH).")
                else:
                    settle(False, f"{label} answered with error {ev.name}.")
            elif isinstance(ev, SubscriptionList):
                settle(True, "Keys accepted: the private feed answered.")

    def on_state(change: StateChange) -> None:
        if change.state is ConnState.KEY_PROBLEM:
            settle(False, f"{label} rejected the key ({change.reason}).")
        elif change.state is ConnState.FAILED:
            settle(False, f"Connection failed: {change.reason}")
        elif change.state is ConnState.RECONNECTING and change.reason != "connecting":
            settle(False, f"Could not connect: {change.reason}")

    subs = SubscriptionSet()
    subs.set_owner("probe", [SubscriptionSpec("myAsset")])
    conn = Connection(
        _probe_connector(settings, venue, creds),
        sink=sink,
        on_state=on_state,
        connect_timeout_s=min(settings.connect_timeout_s, timeout_s),
        close_timeout_s=settings.close_timeout_s,
    )
    conn.set_subscriptions(subs.merged())
    conn.start()
    try:
        return await asyncio.wait_for(result, timeout_s)
    except TimeoutError:
        return False, f"No answer from the private feed within {timeout_s:g} s."
    finally:
        await conn.close()
