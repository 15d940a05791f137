"""The live notice list: subscribes to ``announcement`` on the private connection through the manager.

Upbit serves notices on the private endpoint, so the feed needs API keys (any key, no scope); without
them the private connection never connects and the feed stays empty (the dock says why). Events come
from the manager's router (``callback``), are deduplicated by uuid (an UPDATED event replaces the
notice in place, CREATED of a known uuid is a repeat), kept newest first up to ``limit``, stored, and
passed to listeners as ``(notice, is_new)``. A store failure is counted and reported, never raised
into the router.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from upbit_monitor.features.announcements.model import Notice, notice_from_event
from upbit_monitor.features.announcements.store import AnnouncementStore
from upbit_monitor.protocol.subscriptions import SubscriptionSpec

log = logging.getLogger(__name__)
PRIVATE = "upbit-private"
Listener = Callable[[Notice, bool], None]


@dataclass(eq=False)
class AnnouncementFeed:
    """Notices of one venue, newest first, with an unread count."""

    manager: Any
    _: KW_ONLY
    # The PrivateFeed (``attach``/``detach``): it registers us whenever usable keys exist and
    # creates the private connection; without one, the manager is asked directly.
    private: Any = None
    store: AnnouncementStore | None = None
    venue: str = "upbit"
    connection: str = PRIVATE
    include_body: bool = True
    limit: int = 500
    notices: list[Notice] = field(default_factory=list, init=False)
    unread: int = field(default=0, init=False)
    store_errors: int = field(default=0, init=False)
    last_store_error: str = field(default="", init=False)
    _listeners: list[Listener] = field(default_factory=list, init=False)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, init=False)
    # Saves run one at a time, in arrival order (asyncio.Lock wakes waiters FIFO): a CREATED and its
    # UPDATED on two worker threads raced get-then-insert into a UNIQUE violation.
    _save_lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _started: bool = field(default=False, init=False)

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        """Load stored notices, then subscribe (one spec on the private connection)."""
        if self.store is not None:
            try:
                for notice in reversed(await self.store.recent(self.venue, self.limit)):
                    self._insert(notice)
            except Exception as exc:  # storage is optional; say so and go on live
                self._store_failed(exc)
        spec = SubscriptionSpec("announcement", include_body=self.include_body)
        if self.private is not None:
            self.private.attach(self, [spec], self.on_event)
        else:
            self.manager.want(self, [spec], connection=self.connection, callback=self.on_event)
        self._started = True

    async def stop(self) -> None:
        """Unsubscribe and wait for pending writes."""
        if self._started:
            if self.private is not None:
                self.private.detach(self)
            else:
                self.manager.unregister(self)
            self._started = False
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(notice, is_new)`` for every applied event; returns a remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- events ----------------------------------------------------------------------------------
    def on_event(self, event: Any) -> None:
        """Router callback: apply an ``announcement`` event (other types are ignored)."""
        if getattr(event, "type", None) != "announcement":
            return
        self.apply(notice_from_event(event, self.venue))

    def apply(self, notice: Notice) -> bool:
        """Add or replace ``notice``; returns True if its uuid was new."""
        old = next((n for n in self.notices if n.uuid == notice.uuid), None)
        if old is not None and notice.timestamp_ms < old.timestamp_ms:
            return False  # a late, older state: keep the newer one
        is_new = old is None
        if old is not None:
            self.notices.remove(old)
        self._insert(notice)
        if is_new:
            self.unread += 1
        if self.store is not None:
            self._save(notice)
        for listener in tuple(self._listeners):
            try:
                listener(notice, is_new)
            except Exception:  # one bad listener must not stop the others
                log.exception("announcement listener failed")
        return is_new

    def mark_read(self) -> None:
        """The user has seen everything."""
        self.unread = 0

    def categories(self) -> list[str]:
        """Categories present, sorted."""
        return sorted({n.category for n in self.notices})

    # -- internals -------------------------------------------------------------------------------
    def _insert(self, notice: Notice) -> None:
        i = 0
        while i < len(self.notices) and self.notices[i].timestamp_ms > notice.timestamp_ms:
            i += 1
        self.notices.insert(i, notice)
        del self.notices[self.limit:]

    def _save(self, notice: Notice) -> None:
        store = self.store
        assert store is not None

        async def write() -> None:
            try:
                async with self._save_lock:
                    await store.save(notice)
            except Exception as exc:  # counted and shown, the live list goes on
                self._store_failed(exc)

        try:
            task = asyncio.get_running_loop().create_task(write(), name=f"announcement-save-{notice.uuid}")
        except RuntimeError:
            return  # no loop (shutdown): the notice stays in memory only
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _store_failed(self, exc: BaseException) -> None:
        self.store_errors += 1
        self.last_store_error = f"{type(exc).__name__}: {exc}"
        log.warning("announcements: database write failed: %s", self.last_store_error)
