"""Application settings: one frozen dataclass, built from defaults, the environment and CLI flags.

Layers receive the values they need from here; nothing reads the environment on its own, so tests
can build any configuration explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar

from upbit_monitor.errors import ConfigError

UPBIT_WS_PUBLIC = "wss://api.upbit.com/websocket/v1"
UPBIT_WS_PRIVATE = "wss://api.upbit.com/websocket/v1/private"
UPBIT_WS_INFO = "wss://api.upbit.com/websocket/v1/info"
UPBIT_REST = "https://api.upbit.com"
BITHUMB_WS_PUBLIC = "wss://ws-api.bithumb.com/websocket/v1"
BITHUMB_WS_PRIVATE = "wss://ws-api.bithumb.com/websocket/v2/private"
BITHUMB_REST = "https://api.bithumb.com"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable. Defaults match the real exchange."""

    ws_public_url: str = UPBIT_WS_PUBLIC
    ws_private_url: str = UPBIT_WS_PRIVATE
    ws_info_url: str = UPBIT_WS_INFO  # server indicators (JWT, like private)
    rest_url: str = UPBIT_REST
    # Extra exchanges (kimchi premium); empty string disables a venue.
    binance_ws_url: str = "wss://stream.binance.com:9443/stream"
    bybit_ws_url: str = "wss://stream.bybit.com/v5/public/spot"
    # Bithumb, Korea's second venue (same protocol family as Upbit; exchanges/bithumb.py).
    bithumb_ws_url: str = BITHUMB_WS_PUBLIC
    bithumb_ws_private_url: str = BITHUMB_WS_PRIVATE
    bithumb_rest_url: str = BITHUMB_REST
    # Subscription requests made within this window are merged into one (a coin switch touches
    # orderbook, trade and candle at once; Upbit replaces the whole set on every request).
    coalesce_window_s: float = 0.025
    connect_timeout_s: float = 10.0
    # Treat a connection with no message for this long as dead even if TCP is open.
    stale_after_s: float = 60.0
    # Keep quiet streams under Upbit's ~120 s idle timeout.
    keepalive_interval_s: float = 30.0
    repaint_hz: float = 25.0
    # Reconnect backoff (protocol.policy.backoff): steps in seconds, the last one repeats as the cap.
    backoff_steps_s: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 20.0)
    backoff_jitter: float = 0.2
    # Delay after a "slow down" signal (HTTP 429/418 on the handshake, rate-limit close).
    retry_slow_s: float = 10.0
    # websockets waits this long for the closing handshake; its 10 s default delays every reconnect.
    close_timeout_s: float = 1.0
    # Upbit's WebSocket data-request limit is 5/s per connection (protocol-2026.md); the old
    # 100/min cap is no longer documented. >0 paces Upbit requests per minute too (0 = off).
    ws_requests_per_minute: int = 0
    trade_ring: int = 500  # recent trades kept per code in the manager's data pool
    orderflow_minutes: float = 30.0  # book/trade history per coin a heatmap pane watches
    orderflow_record: bool = False  # write watched coins' book snapshots to the database (replay)
    orderflow_keep_hours: float = 24.0  # recorded snapshots older than this are deleted
    db_url: str | None = None  # None = SQLite file in the user data directory
    demo: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with some fields replaced."""
        return replace(self, **changes)  # type: ignore[arg-type]


_N = TypeVar("_N", int, float)


def _number_env(
    env: Mapping[str, str], name: str, default: _N, parse: Callable[[str], _N], kind: str,
    allowed: Callable[[_N], bool], rule: str,
) -> _N:
    """``env[name]`` parsed as ``kind`` (unset or empty: ``default``); ConfigError unless ``allowed``."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = parse(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be {kind}, got {raw!r}") from exc
    if not allowed(value):
        raise ConfigError(f"{name} must be {rule}, got {raw!r}")
    return value


def _float_env(env: Mapping[str, str], name: str, default: float) -> float:
    return _number_env(env, name, default, float, "a number", lambda v: v > 0, "positive")


def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    return _number_env(env, name, default, int, "a whole number", lambda v: v >= 0, "0 (off) or positive")


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``UPBIT_MONITOR_*`` environment variables (API keys are NOT read here)."""
    env = os.environ if env is None else env
    base = Settings()
    return Settings(
        ws_public_url=env.get("UPBIT_MONITOR_WS_URL", base.ws_public_url),
        ws_private_url=env.get("UPBIT_MONITOR_WS_PRIVATE_URL", base.ws_private_url),
        ws_info_url=env.get("UPBIT_MONITOR_WS_INFO_URL", base.ws_info_url),
        rest_url=env.get("UPBIT_MONITOR_REST_URL", base.rest_url),
        bithumb_ws_url=env.get("UPBIT_MONITOR_BITHUMB_WS_URL", base.bithumb_ws_url),
        bithumb_ws_private_url=env.get("UPBIT_MONITOR_BITHUMB_WS_PRIVATE_URL",
                                       base.bithumb_ws_private_url),
        bithumb_rest_url=env.get("UPBIT_MONITOR_BITHUMB_REST_URL", base.bithumb_rest_url),
        coalesce_window_s=_float_env(env, "UPBIT_MONITOR_COALESCE_S", base.coalesce_window_s),
        stale_after_s=_float_env(env, "UPBIT_MONITOR_STALE_S", base.stale_after_s),
        db_url=env.get("UPBIT_MONITOR_DB_URL") or None,
        ws_requests_per_minute=_int_env(env, "UPBIT_MONITOR_WS_PER_MINUTE", base.ws_requests_per_minute),
        orderflow_minutes=_float_env(env, "UPBIT_MONITOR_ORDERFLOW_MINUTES", base.orderflow_minutes),
        orderflow_record=env.get("UPBIT_MONITOR_ORDERFLOW_RECORD", "") in ("1", "true", "yes", "on"),
        orderflow_keep_hours=_float_env(env, "UPBIT_MONITOR_ORDERFLOW_KEEP_HOURS", base.orderflow_keep_hours),
    )
