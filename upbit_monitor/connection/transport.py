"""Opening a websockets client socket for a connector, and how a session ended.

Split out of :mod:`upbit_monitor.connection.connection`; websockets exceptions raised while
connecting are mapped to :mod:`upbit_monitor.errors` here.
"""

from __future__ import annotations

from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI, WebSocketException

from upbit_monitor.errors import ConfigError, ConnectionFailure, HandshakeRejected
from upbit_monitor.exchanges.base import Connector
from upbit_monitor.protocol.policy import Disposition

MAX_FRAME = 4 * 1024 * 1024  # an all-KRW-markets orderbook snapshot list stays far below this
# Frames websockets buffers before it stops reading the socket. A deep queue rides out bursts and
# avoids pause/resume cycles of the transport, which are slow on a qasync loop.
MAX_QUEUE = 4096


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a session ended and what to do next."""

    disposition: Disposition
    reason: str
    code: int | None = None
    delay_s: float | None = None  # overrides the backoff (0 = reconnect at once)
    key_problem: bool = False
    clean: bool = False  # our own close (shutdown): not an error
    expected: bool = False  # a planned reconnect (e.g. to clear subscriptions): not an error


async def open_socket(
    connector: Connector, *, connect_timeout_s: float, close_timeout_s: float, proxy: str | None = None
) -> ClientConnection:
    """Open the socket of ``connector``.

    ``proxy``: the proxy URL to tunnel through (see :func:`~upbit_monitor.connection.proxy.proxy_for`,
    the same rule REST follows), None for a direct connection: websockets' own environment lookup
    is never used. No ``Origin`` header (Upbit throttles requests with one); keepalive pings per
    the connector's policy.

    Raises:
        HandshakeRejected: HTTP error status on the upgrade (``.status``).
        ConfigError: the URL is invalid.
        ConnectionFailure: timeout, refused, reset, bad handshake.
    """
    try:
        return await connect(
            connector.url,
            additional_headers=dict(connector.headers()),
            proxy=proxy,
            open_timeout=connect_timeout_s,
            close_timeout=close_timeout_s,
            ping_interval=connector.keepalive.ping_interval_s,
            ping_timeout=connector.keepalive.ping_timeout_s,
            max_size=MAX_FRAME,
            max_queue=MAX_QUEUE,
        )
    except InvalidStatus as exc:
        status = exc.response.status_code
        raise HandshakeRejected(f"handshake rejected: HTTP {status}", status) from exc
    except InvalidURI as exc:
        raise ConfigError(f"{connector.name}: invalid URL {connector.url!r}") from exc
    except TimeoutError as exc:
        raise ConnectionFailure(f"connect timeout after {connect_timeout_s:g} s") from exc
    except (OSError, WebSocketException) as exc:
        raise ConnectionFailure(f"connect failed: {type(exc).__name__}: {exc}") from exc


def close_outcome(connector: Connector, ws: ClientConnection, exc: ConnectionClosed | None) -> Outcome:
    """Describe and classify the end of a socket (a close frame, or the connection lost)."""
    code = ws.close_code
    reason = ws.close_reason or ""
    lost = exc is not None and exc.rcvd is None  # no close frame from the peer
    text = f"{'connection lost' if lost else 'closed by peer'}: code {code}"
    if reason:
        text += f" {reason!r}"
    # A FATAL close about credentials (Upbit: 1008 "INVALID_AUTH") is a key problem on a private
    # connection, exactly like an INVALID_AUTH error frame or a 401 handshake; on a public one it is an
    # ordinary (slow) reconnect (protocol.policy.auth_rule).
    disposition, key_problem = connector.failure(connector.classify_close(code, reason), reason)
    return Outcome(disposition, text, code=code, key_problem=key_problem)
