"""Per-connection metrics snapshots and the health score.

Health score in [0, 1], the *weakest* of four inputs (so one bad signal is never averaged away):

* **state**: 1.0 when CONNECTED; 0.0 otherwise (connecting, reconnecting, failed, closed).
* **data age** (only while subscribed): 1.0 up to half the stale limit, then falling linearly
  to 0.0 at the stale limit. For a set with market data it is the age of the last frame that
  carried data: the ``{"status":"UP"}`` answers to keepalive pings prove liveness (the watchdog
  reconnects only when even they stop) but not freshness, so a feed that stops sending data
  reaches 0 within the stale limit. Private-only sets (``myOrder``/``myAsset``) are quiet by
  nature: there any frame counts.
* **error rate**: errors (failed connects, abnormal closes, parse errors, server error frames)
  in the last 60 s; ``1 - n/10``, so 10 errors a minute = 0.
* **recent reconnects**: unplanned reconnects in the last 5 minutes; ``1 - n/5``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from upbit_monitor.connection.connection import Connection
from upbit_monitor.connection.proxy import display_proxy
from upbit_monitor.connection.state import ConnState
from upbit_monitor.connection.stats import CONTROL_TYPES, ConnStats
from upbit_monitor.manager.router import RouteStats
from upbit_monitor.protocol.events import PRIVATE_TYPES

ERROR_WINDOW_S = 60.0
ERRORS_FOR_ZERO = 10
RECONNECT_WINDOW_S = 300.0
RECONNECTS_FOR_ZERO = 5


def health_score(
    *,
    state: ConnState,
    subscribed: bool,
    last_message_age_s: float | None,
    stale_after_s: float,
    recent_errors: int,
    recent_reconnects: int,
) -> float:
    """Combine the documented inputs (see the module docstring) into a score in [0, 1]."""
    if state is not ConnState.CONNECTED:
        return 0.0
    age_factor = 1.0
    if subscribed and last_message_age_s is not None and stale_after_s > 0:
        knee = stale_after_s / 2
        if last_message_age_s > knee:
            age_factor = max(0.0, 1.0 - (last_message_age_s - knee) / (stale_after_s - knee))
    error_factor = max(0.0, 1.0 - recent_errors / ERRORS_FOR_ZERO)
    reconnect_factor = max(0.0, 1.0 - recent_reconnects / RECONNECTS_FOR_ZERO)
    return round(min(age_factor, error_factor, reconnect_factor), 3)


@dataclass(frozen=True, slots=True)
class ConnectionMetrics:
    """A frozen snapshot of one connection (what the status panel shows)."""

    name: str
    state: ConnState
    connected_since: float | None  # wall clock (time.time()) of the current session
    msgs_total: int
    bytes_total: int
    msgs_per_s: float  # sliding 5 s window
    bytes_per_s: float
    last_message_age_s: float | None
    errors: int
    reconnects: int
    last_close_code: int | None
    last_close_reason: str
    epoch: int
    stale_dropped: int
    requests_sent: int
    last_request: str | None
    rate_budget_s: int  # messages still allowed this second (-1 = unlimited)
    rate_budget_min: int  # ... and this minute
    health: float
    last_server_error: tuple[str, str] | None  # (name, message)
    unknown_messages: int
    parse_errors: int = 0
    # Rejected frames per ParseError reason ("ticker.trade_price: wrong type": count); the status
    # panel shows it so a misbehaving server is visible, not silent.
    parse_errors_by_reason: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    server_errors: int = 0
    # Market events of pairs nobody subscribed to (routed, not stored in the pool).
    unexpected_events: int = 0
    callback_errors: int = 0
    last_error: str = ""
    url: str = ""
    subscribed_pairs: int = 0
    # Pairs whose newest data predates the current session: kept across a reconnect (views keep
    # showing it) until the new session's snapshot replaces it. While not connected: every pair.
    carried_over_pairs: int = 0
    last_message_age_by_key: Mapping[tuple[str, str], float] = field(
        default_factory=lambda: MappingProxyType({})
    )
    last_data_age_s: float | None = None  # age of the last frame with data (ping answers excluded)
    proxy: str = "direct"  # the proxy this connection goes through, without credentials


def snapshot(conn: Connection, route: RouteStats, now: float) -> ConnectionMetrics:
    """Build the snapshot of ``conn`` at monotonic time ``now``."""
    st: ConnStats = conn.stats
    since = st.connected_since_mono
    msgs_s, bytes_s = st.window.rates(now, since) if since is not None else (0.0, 0.0)
    age = None if st.last_message_at is None else max(0.0, now - st.last_message_at)
    sent = conn.sent
    subscribed = sent is not None and not sent.is_empty
    wants_data = subscribed and any(e.type not in PRIVATE_TYPES for e in sent.entries)  # type: ignore[union-attr]
    data_age = None
    if since is not None:
        # Nothing yet in this session counts from the connect: a new socket has a grace period.
        ref = st.last_data_at if st.last_data_at is not None and st.last_data_at >= since else since
        data_age = max(0.0, now - ref)
    recent_errors = ConnStats.recent(st.error_times, now, ERROR_WINDOW_S)
    left_s, left_min = conn.limiter.remaining()
    desired = conn.desired
    pairs = sum(len(e.codes) or 1 for e in desired.entries)
    carried = (
        len(route.last_seen) if since is None
        else sum(1 for t in route.last_seen.values() if t < since)
    )
    return ConnectionMetrics(
        name=conn.name,
        state=conn.state,
        connected_since=st.connected_since,
        msgs_total=st.msgs_total,
        bytes_total=st.bytes_total,
        msgs_per_s=round(msgs_s, 2),
        bytes_per_s=round(bytes_s, 1),
        last_message_age_s=age,
        errors=st.errors,
        reconnects=st.reconnects,
        last_close_code=st.last_close_code,
        last_close_reason=st.last_close_reason,
        epoch=conn.epoch,
        stale_dropped=route.stale_dropped,
        requests_sent=st.requests_sent,
        last_request=st.last_request,
        rate_budget_s=left_s,
        rate_budget_min=left_min,
        health=health_score(
            state=conn.state,
            subscribed=subscribed,
            last_message_age_s=data_age if wants_data else age,
            stale_after_s=conn.stale_after_s,
            recent_errors=recent_errors,
            recent_reconnects=ConnStats.recent(st.reconnect_times, now, RECONNECT_WINDOW_S),
        ),
        last_server_error=route.last_server_error,
        unknown_messages=route.unknown_messages,
        parse_errors=st.parse_errors,
        parse_errors_by_reason=MappingProxyType(dict(st.parse_errors_by_reason)),
        server_errors=route.server_errors,
        unexpected_events=route.unexpected,
        callback_errors=route.callback_errors,
        last_error=st.last_error,
        url=conn.connector.url,
        subscribed_pairs=pairs,
        carried_over_pairs=carried,
        last_message_age_by_key=MappingProxyType(
            {key: max(0.0, now - t) for key, t in route.last_seen.items() if _is_stream(key)}
        ),
        last_data_age_s=data_age,
        proxy=display_proxy(st.proxy),
    )


def _is_stream(key: tuple[str, str]) -> bool:
    # ('error', ''), ('unknown', ''), ('status', '') are not streams anyone subscribed to: they
    # never update on schedule and would always be the "stalest stream".
    return key[0] not in CONTROL_TYPES
