"""Full balance snapshots for the private feed: ``GET /v1/accounts`` after every (re)connect.

``myAsset`` only reports balances that *change*, so a panel started now would never learn about holdings
that do not move. The feed therefore asks REST for every balance whenever the private connection comes
up and hands the snapshot to its listeners. Fetches run on worker threads (urllib): they are tracked and
awaited (bounded) by :meth:`BalanceSnapshots.close`, so no thread outlives the loop it reports to.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from upbit_monitor.connection.rest import RestClient
from upbit_monitor.errors import RestError
from upbit_monitor.exchanges.base import CredentialsProvider
from upbit_monitor.features.private.status import WeakListeners
from upbit_monitor.protocol.events import AssetBalance

log = logging.getLogger(__name__)

BalancesCallback = Callable[[list[AssetBalance], int], None]
"""``cb(balances, taken_at_ms)``: a full balance snapshot (REST ``/v1/accounts``)."""
REST_TIMEOUT_S = 5.0


class BalanceSnapshots:
    """Fetch balances with the provider's current keys and fan them out to weakly held listeners."""

    def __init__(self, provider: CredentialsProvider, rest: RestClient, *, timestamp: bool = False) -> None:
        self._provider = provider
        self._rest = rest
        # Bithumb's JWT (v2 API generation) carries the current time in ms; Upbit's does not.
        self._timestamp = timestamp
        self._listeners: WeakListeners[[list[AssetBalance], int]] = WeakListeners("balances")
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.fetched = 0

    def add_listener(self, cb: BalancesCallback) -> Callable[[], None]:
        """Register ``cb`` (bound methods held weakly); returns an unsubscribe function."""
        return self._listeners.add(cb)

    async def fetch(self) -> list[AssetBalance] | None:
        """All balances now, or None without keys or on a REST failure (logged without key material)."""
        creds = self._provider.get()
        if creds is None:
            return None
        try:
            stamp = int(time.time() * 1000) if self._timestamp else None
            return await self._rest.accounts(f"Bearer {creds.token(timestamp_ms=stamp)}")
        except RestError as exc:
            log.warning("could not load account balances: %s", exc)
            return None

    def schedule(self) -> None:
        """Fetch in the background and deliver to the listeners (no-op without listeners)."""
        if self._closed or not self._listeners:
            return
        task = asyncio.get_running_loop().create_task(self._run(), name="upbit-monitor:balances")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self) -> None:
        taken_at = int(time.time() * 1000)
        balances = await self.fetch()
        if balances is None:
            return
        self.fetched += 1
        self._listeners.call(balances, taken_at)

    async def close(self) -> None:
        """Stop scheduling; wait (bounded by the REST timeout) for fetches in flight."""
        self._closed = True
        if self._tasks:
            _done, pending = await asyncio.wait(list(self._tasks), timeout=REST_TIMEOUT_S + 1.0)
            for task in pending:
                task.cancel()
