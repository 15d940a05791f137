"""TriggerLog: where the engine's triggers go once a rule fired.

Each trigger is shown (the in-memory ``recent`` log and the unseen badge count), handed to the
trigger listeners (the Alerts dock), delivered (sound, desktop notice...) and, for a stored rule,
written to the database in a background task. A listener or a database failure is counted and
logged: the trigger was already shown, so losing a listener or a history row must not break alerts.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from upbit_monitor.features.alerts.delivery import Delivery
from upbit_monitor.features.alerts.store import AlertStore
from upbit_monitor.features.alerts.triggers import Trigger

log = logging.getLogger(__name__)

__all__ = ["RECENT_TRIGGERS", "TriggerLog"]

RECENT_TRIGGERS = 500


class TriggerLog:
    """Recent triggers, their listeners, delivery and storage."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, store: AlertStore | None, delivery: Delivery | None
    ) -> None:
        self._loop = loop
        self.store = store
        self.delivery = delivery
        self.recent: deque[Trigger] = deque(maxlen=RECENT_TRIGGERS)
        self.unseen = 0  # triggers since the UI last called mark_seen() (the status-bar badge)
        self.errors = 0
        self._memory_ids = 0
        self._listeners: tuple[Callable[[Trigger], None], ...] = ()
        self._tasks: set[asyncio.Task[Any]] = set()

    def record(self, trig: Trigger, *, persist: bool) -> None:
        """Show, announce and deliver ``trig``; store it too when ``persist`` (a stored rule)."""
        if self.store is None:
            self._memory_ids += 1
            trig = trig._replace(id=self._memory_ids)
        self.recent.appendleft(trig)
        self.unseen += 1
        for cb in self._listeners:
            try:
                cb(trig)
            except Exception:
                self.errors += 1
                log.exception("trigger listener raised")
        if self.delivery is not None:
            self.delivery.deliver(trig)
        if self.store is not None and persist:
            self._spawn(self._persist(trig))

    async def _persist(self, trig: Trigger) -> None:
        assert self.store is not None
        try:
            await self.store.record_trigger(trig)
        except Exception:  # the trigger was shown; losing its history row must not break alerts
            self.errors += 1
            log.exception("could not store an alert trigger")

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = self._loop.create_task(coro, name="upbit-monitor:alert-store")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def add_listener(self, cb: Callable[[Trigger], None]) -> Callable[[], None]:
        """``cb(trigger)`` on every trigger; returns the function that removes it."""
        self._listeners = (*self._listeners, cb)

        def remove() -> None:
            self._listeners = tuple(x for x in self._listeners if x is not cb)

        return remove

    async def history(
        self, limit: int, before_id: int | None, *, market: str | None, rule_id: int | None
    ) -> list[Trigger]:
        """A page of the history, newest first (from the database when there is one)."""
        if self.store is not None:
            await self.flush()
            return await self.store.history(limit, before_id, market=market, rule_id=rule_id)
        items = [
            t
            for t in self.recent
            if (market is None or t.market == market)
            and (rule_id is None or t.rule_id == rule_id)
            and (before_id is None or (t.id or 0) < before_id)
        ]
        return items[:limit]

    async def flush(self) -> None:
        """Wait until every trigger so far is stored."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Finish pending writes and deliveries."""
        await self.flush()
        if self.delivery is not None:
            await self.delivery.aclose()
