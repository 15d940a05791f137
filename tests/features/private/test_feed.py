"""The upbit-private connection against the simulator: auth, key problems, resume, no retry storm."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.features.private.env import Sink, feed_env, valid_creds, wait_until
from tests.features.private.helpers import ACCESS, SECRET, WRONG_SECRET
from upbit_monitor.connection.state import ConnState
from upbit_monitor.credentials import redact
from upbit_monitor.exchanges.upbit import PRIVATE as NAME
from upbit_monitor.features.private.feed import PrivateState
from upbit_monitor.protocol.auth import Credentials, Secret
from upbit_monitor.protocol.subscriptions import SubscriptionSpec

PRIVATE_SPECS = [SubscriptionSpec("myOrder"), SubscriptionSpec("myAsset")]


async def _key_checks(feed, n: int) -> None:
    """Wait until the feed's periodic key check has run ``n`` more times."""
    done = asyncio.Event()
    original = feed.check_keys
    count = 0

    async def counted() -> None:
        nonlocal count
        await original()
        count += 1
        if count >= n:
            done.set()

    feed.check_keys = counted
    try:
        await asyncio.wait_for(done.wait(), 5)
    finally:
        feed.check_keys = original


def _private_records(sim):
    return [r for r in sim.connections if r.private]


@pytest.mark.asyncio
@pytest.mark.parametrize("alg", ["HS256", "HS512"])
async def test_valid_keys_connect_and_subscribe(alg: str) -> None:
    async with feed_env(valid_creds(alg)) as (sim, mgr, h):
        sink = Sink()
        await h.feed.start()
        h.feed.attach(sink, PRIVATE_SPECS, sink.on_event)
        await h.wait_state(PrivateState.CONNECTED)
        records = _private_records(sim)
        assert len(records) == 1 and records[0].auth_ok and records[0].auth_alg == alg
        req = await sim.wait_for_request(lambda r: r.parsed is not None and "myAsset" in r.text, timeout_s=5)
        assert '"myOrder"' in req.text
        # myOrder for all markets: no codes; myAsset must never carry codes (WRONG_FORMAT).
        assert '"codes"' not in req.text
        assert mgr.metrics()[NAME].state is ConnState.CONNECTED


@pytest.mark.asyncio
async def test_no_keys_means_no_private_connection() -> None:
    async with feed_env(None) as (sim, mgr, h):
        sink = Sink()
        await h.feed.start()
        h.feed.attach(sink, PRIVATE_SPECS, sink.on_event)
        assert h.feed.status.state is PrivateState.NO_KEYS
        assert "No Upbit API keys" in h.feed.status.message
        # The public connection works meanwhile; the private one was never created.
        await sim.wait_for(lambda: len(sim.open_connections(private=False)) >= 1, 5)
        assert NAME not in mgr.metrics()
        assert _private_records(sim) == [] and sim.stats.get("rejected_auth", 0) == 0


@pytest.mark.asyncio
@pytest.mark.parametrize("failure", ["frame", "http"])
async def test_wrong_secret_stops_then_valid_keys_resume(failure: str) -> None:
    bad = Credentials.create(ACCESS, WRONG_SECRET)
    async with feed_env(bad, sim_overrides={"auth_failure": failure}, check_interval_s=0.02) as (sim, mgr, h):
        sink = Sink()
        await h.feed.start()
        h.feed.attach(sink, PRIVATE_SPECS, sink.on_event)
        status = await h.wait_state(PrivateState.KEY_PROBLEM)
        assert "rejected the API key" in status.message and "Keys…" in status.message
        conn = mgr.connection(NAME)
        attempts = conn.connector.tokens_issued
        assert attempts == 1
        # No retry storm: 10 key-check rounds (0.2 s, longer than the 0.05-0.1 s backoff) pass without a
        # new attempt.
        await _key_checks(h.feed, 10)
        assert conn.connector.tokens_issued == attempts
        assert sim.stats["rejected_auth"] == 1
        assert conn.state is ConnState.KEY_PROBLEM and not conn.running
        late = Sink()  # a panel opened while the key is rejected must not trigger another attempt
        h.feed.attach(late, [SubscriptionSpec("myOrder")], late.on_event)
        await _key_checks(h.feed, 2)
        assert conn.connector.tokens_issued == attempts and not conn.running
        await sim.wait_for(lambda: not sim.open_connections(private=True), 5)  # the private socket is closed
        assert len(sim.open_connections(private=False)) >= 1  # public unaffected
        # Valid keys entered (the dialog path): the connection resumes by itself.
        message = await h.feed.apply_keys(ACCESS, Secret(SECRET), "HS256")
        assert "connecting" in message
        await h.wait_state(PrivateState.CONNECTED)
        assert conn.connector.tokens_issued == attempts + 1
        names = [r.component_name for r in mgr.registrations() if r.connection == NAME]
        assert names == ["Sink", "Sink"]  # the late one is registered now too
        assert _private_records(sim)[-1].auth_ok is True
        after = len(sim.requests)
        await sim.wait_for_request(lambda r: r.parsed is not None and "myAsset" in r.text, after=after - 1,
                                   timeout_s=5)


@pytest.mark.asyncio
async def test_periodic_check_picks_up_fixed_keys() -> None:
    async with feed_env(Credentials.create(ACCESS, WRONG_SECRET), check_interval_s=0.02) as (_sim, _mgr, h):
        sink = Sink()
        await h.feed.start()
        h.feed.attach(sink, PRIVATE_SPECS, sink.on_event)
        await h.wait_state(PrivateState.KEY_PROBLEM)
        # Another tool fixes the key in the keyring; the periodic check notices and resumes.
        h.store.save(valid_creds())
        await h.wait_state(PrivateState.CONNECTED)


@pytest.mark.asyncio
async def test_delete_keys_closes_private_only() -> None:
    async with feed_env(valid_creds()) as (sim, _mgr, h):
        sink = Sink()
        await h.feed.start()
        h.feed.attach(sink, PRIVATE_SPECS, sink.on_event)
        await h.wait_state(PrivateState.CONNECTED)
        await sim.wait_for(lambda: len(sim.open_connections(private=False)) >= 1, 5)
        message = await h.feed.delete_keys()
        assert "deleted" in message
        assert h.feed.status.state is PrivateState.NO_KEYS
        await sim.wait_for(lambda: not sim.open_connections(private=True), 5)
        assert len(sim.open_connections(private=False)) >= 1  # public untouched
        assert h.keyring.data == {}
        # And keys again: back on.
        await h.feed.apply_keys(ACCESS, Secret(SECRET), "HS512")
        await h.wait_state(PrivateState.CONNECTED)


@pytest.mark.asyncio
async def test_probe_reports_good_and_bad_keys() -> None:
    async with feed_env(None) as (_sim, _mgr, h):
        ok, message = await h.feed.test_keys(ACCESS, Secret(SECRET), "HS512")
        assert ok, message
        ok, message = await h.feed.test_keys(ACCESS, Secret(WRONG_SECRET), "HS256")
        assert not ok and "rejected" in message
        assert SECRET not in message and WRONG_SECRET not in message


@pytest.mark.asyncio
async def test_secret_never_in_logs_reprs_or_errors(caplog, capsys) -> None:
    uninstall = redact.install_log_redaction()
    errors: list[str] = []
    try:
        with caplog.at_level(logging.DEBUG):
            async with feed_env(Credentials.create(ACCESS, WRONG_SECRET)) as (sim, mgr, h):
                sink = Sink()
                await h.feed.start()
                h.feed.attach(sink, PRIVATE_SPECS, sink.on_event)
                await h.wait_state(PrivateState.KEY_PROBLEM)
                balances_loaded = asyncio.Event()

                def on_balances(_balances: object, _taken_at: int) -> None:
                    balances_loaded.set()

                h.feed.add_balances_listener(on_balances)  # exercises the REST /v1/accounts path too
                await h.feed.apply_keys(ACCESS, Secret(SECRET), "HS512")
                await h.wait_state(PrivateState.CONNECTED)
                await asyncio.wait_for(balances_loaded.wait(), 5)
                await h.feed.test_keys(ACCESS, Secret(SECRET), "HS256")
                try:
                    await h.feed.apply_keys(ACCESS, Secret(SECRET + " !"), "HS512")
                except Exception as exc:  # malformed secret: the error must not quote it
                    errors += [str(exc), repr(exc)]
                conn = mgr.connection(NAME)
                texts = [
                    repr(h.feed.status), repr(conn.connector.credentials.get()), conn.connector.describe(),
                    repr(mgr.metrics()), repr(h.history), h.feed.storage_text(), repr(sim.connections),
                ]
        captured = capsys.readouterr()
        everything = "\n".join([caplog.text, captured.out, captured.err, *texts, *errors])
        assert errors, "the malformed secret should have been refused"
        assert "Authorization" in caplog.text  # DEBUG logging really was on (websockets logs the handshake)
        assert SECRET not in everything and WRONG_SECRET not in everything
        assert "Bearer ey" not in everything  # tokens are redacted too
    finally:
        uninstall()
        redact.clear_secrets()


@pytest.mark.asyncio
async def test_auth_close_without_error_frame_is_a_key_problem() -> None:
    from upbit_monitor.connection.state import StateChange

    async with feed_env(valid_creds()) as (sim, _mgr, h):
        sink = Sink()
        await h.feed.start()
        h.feed.attach(sink, PRIVATE_SPECS, sink.on_event)
        await h.wait_state(PrivateState.CONNECTED)
        # The server closes with an auth reason and no error frame before it: the connection layer
        # classifies the close (Connector.is_auth_problem) and the panel shows a key problem.
        await sim.faults.close_all(1008, "INVALID_AUTH", private=True)
        await wait_until(lambda: h.feed.status.state is not PrivateState.CONNECTED)
        assert h.feed.status.state is PrivateState.KEY_PROBLEM
        h.feed._on_state(StateChange(NAME, ConnState.FAILED, 1, "invalid URL"))
        assert h.feed.status.state is PrivateState.FAILED
        h.feed._on_state(StateChange("upbit-public", ConnState.KEY_PROBLEM, 1, "other connection"))
        assert h.feed.status.state is PrivateState.FAILED
