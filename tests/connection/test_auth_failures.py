"""Credential problems end in KEY_PROBLEM and are never retried, whatever form they take."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from tests.manager.simtools import running
from tests.manager.waiting import wait_until
from upbit_monitor.errors import AuthError, ConnectionFailure
from upbit_monitor.exchanges.base import mentions_auth
from upbit_monitor.exchanges.upbit import UpbitConnector
from upbit_monitor.manager import ConnState, StateChange
from upbit_monitor.protocol.policy import Disposition, classify_close
from upbit_monitor.protocol.subscriptions import SubscriptionSpec as Spec


class Comp:
    def on_event(self, ev: object) -> None:
        pass


class Signed(UpbitConnector):
    """A connection that (in the app's eyes) signs with the user's keys: the only kind auth may stop."""

    private = True

    def __init__(self, url: str) -> None:
        super().__init__("signed-feed", url)


class CannotSign(UpbitConnector):
    """A connector whose JWT signing fails (e.g. the keystore handed back an unusable secret)."""

    def __init__(self, url: str) -> None:
        super().__init__("signing-feed", url)
        self.attempts = 0

    def headers(self) -> Mapping[str, str]:
        self.attempts += 1
        raise AuthError("could not sign the JWT (InvalidKeyError)")


@pytest.mark.asyncio
async def test_auth_close_frame_is_a_key_problem_not_failed() -> None:
    async with running() as (sim, mgr):
        states: list[StateChange] = []
        mgr.add_state_listener(states.append)
        await wait_until(lambda: mgr.connection().state is ConnState.CONNECTED)  # upbit-public
        mgr.add_connection(Signed(sim.ws_url))
        mgr.register(comp := Comp(), [Spec("ticker", ("KRW-BTC",))], connection="signed-feed")
        conn = mgr.connection("signed-feed")
        await wait_until(lambda: conn.state is ConnState.CONNECTED)
        # What the simulator (and Upbit's private endpoint) does on a bad JWT: close 1008 INVALID_AUTH.
        await sim.faults.close_all(1008, "INVALID_AUTH")
        await wait_until(lambda: not conn.running)
        mine = [s for s in states if s.connection == "signed-feed"]
        assert mine[-1].state is ConnState.KEY_PROBLEM and "INVALID_AUTH" in mine[-1].reason
        assert ConnState.FAILED not in {s.state for s in mine}
        # The same close on the public connection (no credentials) is an ordinary reconnect.
        await wait_until(lambda: mgr.connection().state is ConnState.CONNECTED, 5)
        assert not any(s.state is ConnState.KEY_PROBLEM for s in states if s.connection == "upbit-public")
        del comp


@pytest.mark.asyncio
async def test_connector_raising_auth_error_is_fatal_without_retries() -> None:
    assert issubclass(AuthError, ConnectionFailure)  # why it needs its own branch
    async with running() as (sim, mgr):
        states: list[StateChange] = []
        mgr.add_state_listener(states.append)
        await wait_until(lambda: mgr.connection().state is ConnState.CONNECTED)  # upbit-public
        connector = CannotSign(sim.ws_url)
        mgr.add_connection(connector)
        comp = Comp()
        mgr.register(comp, [Spec("ticker", ("KRW-BTC",))], connection="signing-feed")
        conn = mgr.connection("signing-feed")
        await wait_until(lambda: conn.state is ConnState.KEY_PROBLEM)
        await wait_until(lambda: not conn.running)  # the supervisor gave up for good
        assert connector.attempts == 1
        assert [s.state for s in states if s.connection == "signing-feed"] == [
            ConnState.CONNECTING, ConnState.KEY_PROBLEM]
        assert "could not sign" in mgr.metrics()["signing-feed"].last_error
        assert len(sim.connections) == 1  # only upbit-public: the failing feed never knocked


def test_close_classification_and_key_problem_agree() -> None:
    for reason in ("INVALID_AUTH", "jwt verification failed", "Unauthorized", "authentication failed"):
        assert classify_close(1008, reason) is Disposition.FATAL
        assert UpbitConnector("x", "ws://127.0.0.1:1").is_auth_problem(reason)
        assert Signed("ws://127.0.0.1:1").failure(Disposition.FATAL, reason) == (Disposition.FATAL, True)
        assert UpbitConnector("x", "ws://127.0.0.1:1").failure(Disposition.FATAL, reason)[1] is False
    assert not mentions_auth("too many requests") and not mentions_auth("idle timeout")
