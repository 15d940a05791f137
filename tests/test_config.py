from __future__ import annotations

import pytest

from upbit_monitor.config import UPBIT_WS_PUBLIC, Settings, settings_from_env
from upbit_monitor.errors import ConfigError, UpbitMonitorError


def test_defaults_point_at_real_upbit() -> None:
    s = settings_from_env({})
    assert s.ws_public_url == UPBIT_WS_PUBLIC
    assert s.db_url is None
    assert s.coalesce_window_s == pytest.approx(0.025)


def test_env_overrides() -> None:
    s = settings_from_env(
        {
            "UPBIT_MONITOR_WS_URL": "ws://127.0.0.1:9/websocket/v1",
            "UPBIT_MONITOR_DB_URL": "sqlite:///x.db",
            "UPBIT_MONITOR_STALE_S": "5",
        }
    )
    assert s.ws_public_url == "ws://127.0.0.1:9/websocket/v1"
    assert s.db_url == "sqlite:///x.db"
    assert s.stale_after_s == 5.0


@pytest.mark.parametrize("value", ["abc", "-1", "0"])
def test_bad_numbers_raise_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="UPBIT_MONITOR_STALE_S") as info:
        settings_from_env({"UPBIT_MONITOR_STALE_S": value})
    assert isinstance(info.value, UpbitMonitorError)


def test_with_overrides_returns_new_frozen_copy() -> None:
    s = Settings()
    t = s.with_overrides(demo=True)
    assert t.demo and not s.demo
    with pytest.raises(AttributeError):
        s.demo = True  # type: ignore[misc]
