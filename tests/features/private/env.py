"""Private-feed test environment: a simulator with known keys, a manager pointed at it, a feed; and the
GC fixture the private, credentials and private-UI tests use (see their conftest.py)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from tests.features.private.helpers import ACCESS, SECRET, MemoryKeyring
from tests.manager.waiting import wait_until as _wait_until
from upbit_monitor.config import Settings
from upbit_monitor.credentials.keystore import KeyStore
from upbit_monitor.features.private.feed import PrivateFeed, PrivateState, PrivateStatus
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.protocol.auth import Credentials
from upbit_monitor.sim.server import Simulator


@pytest.fixture(autouse=True)
def collect_garbage_on_the_main_thread() -> Iterator[None]:
    """Collect the previous tests' garbage (closed qasync loops with their timer QObjects, dead
    widgets) here, on the main thread. Otherwise Python's GC may run it on whichever thread allocates
    next (our keyring and REST calls run on worker threads), destroying main-thread QObjects from a
    foreign thread while Qt is activating timers: an intermittent segfault in
    QTimerInfoList::activateTimers (seen under load)."""
    gc.collect()
    yield
    gc.collect()


@contextlib.asynccontextmanager
async def private_env(**sim_overrides: Any) -> AsyncIterator[tuple[Simulator, GlobalWebSocketManager]]:
    """A quiet simulator whose private endpoint accepts ACCESS/SECRET, and a started manager on it.

    Used *inside* test bodies (not as fixtures): pytest-qt processes Qt events between test phases,
    which would run qasync socket callbacks outside the running loop if sockets were live then.
    """
    options: dict[str, Any] = {"seed": 3, "msg_rate": 50, "n_krw_markets": 20, "connect_rate_per_s": 0,
                               "access_key": ACCESS, "secret_key": SECRET, **sim_overrides}
    async with Simulator(**options) as sim:
        settings = Settings(ws_public_url=sim.ws_url, ws_private_url=sim.ws_private_url,
                            rest_url=sim.rest_url,
                            coalesce_window_s=0.005, backoff_steps_s=(0.05, 0.1))
        mgr = GlobalWebSocketManager(settings)
        await mgr.start()
        try:
            yield sim, mgr
        finally:
            await mgr.shutdown()


class FeedHarness:
    """A PrivateFeed plus helpers to await its status."""

    def __init__(self, feed: PrivateFeed, keyring: MemoryKeyring, store: KeyStore) -> None:
        self.feed = feed
        self.keyring = keyring
        self.store = store
        self.history: list[PrivateStatus] = []
        self._waiters: list[tuple[Callable[[PrivateStatus], bool], asyncio.Future[PrivateStatus]]] = []
        feed.add_status_listener(self._on_status)

    def _on_status(self, status: PrivateStatus) -> None:
        self.history.append(status)
        for cond, fut in list(self._waiters):
            if not fut.done() and cond(status):
                fut.set_result(status)

    async def wait_state(self, state: PrivateState, within: float = 5.0) -> PrivateStatus:
        """Wait until the feed reports ``state`` (returns at once if it already does)."""
        if self.feed.status.state is state:
            return self.feed.status
        fut: asyncio.Future[PrivateStatus] = asyncio.get_running_loop().create_future()
        entry = (lambda s: s.state is state, fut)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(fut, within)
        finally:
            self._waiters.remove(entry)


@contextlib.asynccontextmanager
async def feed_env(
    creds: Credentials | None = None, *, sim_overrides: dict[str, Any] | None = None, **feed_kwargs: Any
) -> AsyncIterator[tuple[Simulator, GlobalWebSocketManager, FeedHarness]]:
    """Simulator + manager + a (not yet started) PrivateFeed whose key store holds ``creds``.

    Everything is torn down before the block exits (see :func:`private_env` for why).
    """
    async with private_env(**(sim_overrides or {})) as (sim, mgr):
        keyring = MemoryKeyring()
        store = KeyStore(backend=keyring, env={})
        if creds is not None:
            store.save(creds)
        feed = PrivateFeed(mgr, store, **feed_kwargs)
        try:
            yield sim, mgr, FeedHarness(feed, keyring, store)
        finally:
            await feed.close()


class Sink:
    """A plain component collecting events (held weakly by the manager: keep a reference)."""

    def __init__(self) -> None:
        self.events: list[object] = []
        self.arrived = asyncio.Event()

    def on_event(self, event: object) -> None:
        self.events.append(event)
        self.arrived.set()


def valid_creds(alg: str = "HS512") -> Credentials:
    return Credentials.create(ACCESS, SECRET, alg)


async def wait_until(cond: Callable[[], object], within: float = 5.0, step: float = 0.005) -> None:
    """The suite's poll-with-deadline helper, with this package's longer default deadline."""
    await _wait_until(cond, within=within, step=step)
