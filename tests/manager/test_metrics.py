from __future__ import annotations

from upbit_monitor.connection.state import ConnState
from upbit_monitor.manager.metrics import health_score


def score(**kw: object) -> float:
    base: dict[str, object] = dict(state=ConnState.CONNECTED, subscribed=True, last_message_age_s=0.1,
                                   stale_after_s=60.0, recent_errors=0, recent_reconnects=0)
    base.update(kw)
    return health_score(**base)  # type: ignore[arg-type]


def test_healthy_is_one_and_not_connected_is_zero() -> None:
    assert score() == 1.0
    for state in (ConnState.RECONNECTING, ConnState.FAILED, ConnState.CONNECTING, ConnState.CLOSED):
        assert score(state=state) == 0.0


def test_message_age_knee() -> None:
    assert score(last_message_age_s=30.0) == 1.0
    assert score(last_message_age_s=45.0) == 0.5
    assert score(last_message_age_s=60.0) == 0.0
    assert score(last_message_age_s=600.0, subscribed=False) == 1.0  # nothing expected


def test_errors_and_reconnects_weakest_wins() -> None:
    assert score(recent_errors=5) == 0.5
    assert score(recent_errors=50) == 0.0
    assert score(recent_reconnects=1) == 0.8
    assert score(recent_errors=1, recent_reconnects=2, last_message_age_s=40.0) == 0.6
