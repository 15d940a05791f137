"""Delivering triggers to people: a Qt-free notifier interface, a fan-out with graceful fallback.

A :class:`Notifier` sends one title + body and says whether it was shown. :class:`Delivery` tries
its notifiers in order on the loop (never blocking the event path: each trigger is one task), and
when a notifier reports it cannot deliver (no notification service on this desktop) it is marked
unavailable, the reason is reported ONCE through ``on_notice`` (the status panel), and later
triggers go straight to the next notifier. The in-app Alerts dock is the always-available last
resort; it reads the engine's trigger log and needs no notifier.

Backends: :class:`~upbit_monitor.features.alerts.desktop.DesktopNotifierBackend` (the
``desktop-notifier`` library: D-Bus on Linux, the Notification Center on macOS, WinRT toasts on
Windows); a Qt tray-icon notifier belongs in ``ui/`` and plugs in through the same interface.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from upbit_monitor.features.alerts.triggers import Trigger

log = logging.getLogger(__name__)


class NotifierUnavailable(Exception):
    """Raised by a notifier that cannot deliver at all on this desktop (with the reason)."""


class Notifier(Protocol):
    """Shows one notification."""

    name: str

    async def send(self, title: str, body: str) -> None:
        """Show it; raise :class:`NotifierUnavailable` when this desktop cannot show it at all."""


class Delivery:
    """Sends each trigger through the first available notifier (see the module docstring).

    Args:
        notifiers: in order of preference.
        on_notice: called once per notifier that turned out unavailable, with a sentence for people.
        timeout_s: a notifier that has not answered by then counts as failed for that trigger.
    """

    def __init__(
        self,
        notifiers: Sequence[Notifier],
        *,
        on_notice: Callable[[str], None] | None = None,
        timeout_s: float = 5.0,
    ) -> None:
        self.notifiers = list(notifiers)
        self.on_notice = on_notice
        self.timeout_s = timeout_s
        self.unavailable: dict[str, str] = {}  # notifier name -> reason
        self.delivered = 0
        self.failed = 0
        self.notices: list[str] = []
        self._delivered_listeners: tuple[Callable[[Trigger, str, float], None], ...] = ()
        self._tasks: set[asyncio.Task[None]] = set()

    def add_delivered_listener(self, cb: Callable[[Trigger, str, float], None]) -> None:
        """``cb(trigger, notifier name, perf_counter at delivery)`` after each delivery (benchmarks)."""
        self._delivered_listeners = (*self._delivered_listeners, cb)

    @property
    def active(self) -> str | None:
        """The notifier used now (None: only the in-app log)."""
        for n in self.notifiers:
            if n.name not in self.unavailable:
                return n.name
        return None

    def deliver(self, trig: Trigger) -> None:
        """Schedule delivery of ``trig`` (returns at once)."""
        task = asyncio.get_running_loop().create_task(self._send(trig), name="upbit-monitor:alert-delivery")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, trig: Trigger) -> None:
        for n in self.notifiers:
            if n.name in self.unavailable:
                continue
            try:
                async with asyncio.timeout(self.timeout_s):
                    await n.send(trig.title, trig.message)
            except NotifierUnavailable as exc:
                self._mark_unavailable(n.name, str(exc))
                continue
            except Exception:  # a notifier bug must not lose the trigger: try the next one
                self.failed += 1
                log.exception("notifier %s failed", n.name)
                continue
            self.delivered += 1
            now = time.perf_counter()
            for cb in self._delivered_listeners:
                cb(trig, n.name, now)
            return

    def mark_unavailable(self, name: str, reason: str) -> None:
        """Take notifier ``name`` out of use and say why (once); also used by a start-up probe."""
        self._mark_unavailable(name, reason)

    def _mark_unavailable(self, name: str, reason: str) -> None:
        if name in self.unavailable:
            return
        self.unavailable[name] = reason
        nxt = self.active
        where = f"using {nxt}" if nxt else "alerts show in the Alerts dock only"
        notice = f"Desktop notifications unavailable ({reason}); {where}"
        self.notices.append(notice)
        log.warning(notice)
        if self.on_notice is not None:
            self.on_notice(notice)

    async def aclose(self) -> None:
        """Wait for deliveries in flight (bounded by the timeout)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


class LogNotifier:
    """Writes each notification to the log: the headless fallback (also useful in ``--demo``)."""

    name = "log"

    async def send(self, title: str, body: str) -> None:
        """Log it at INFO."""
        log.info("ALERT %s: %s", title, body)


class RecordingNotifier:
    """Keeps what it was asked to show (tests and benchmarks)."""

    def __init__(self, name: str = "recording") -> None:
        self.name = name
        self.sent: list[tuple[str, str]] = []

    async def send(self, title: str, body: str) -> None:
        """Record it."""
        self.sent.append((title, body))
