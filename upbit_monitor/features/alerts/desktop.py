"""Native desktop notifications through the ``desktop-notifier`` library.

Chosen over ``QSystemTrayIcon.showMessage``: it is Qt-free (the engine stays testable on plain
asyncio), asynchronous (a slow D-Bus never blocks the loop), and it talks to each platform's own
notification service (freedesktop D-Bus, macOS Notification Center, Windows toasts) instead of a
tray balloon, which many Linux desktops no longer show. It needs a notification service: on a
desktop without one (headless, minimal window managers) the first send raises
:class:`NotifierUnavailable` and :class:`~upbit_monitor.features.alerts.delivery.Delivery` says
so once and falls back.

``desktop-notifier`` logs and swallows send errors itself, so success is detected by its
``on_dispatched`` callback, which it calls only after the service accepted the notification.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from upbit_monitor.features.alerts.delivery import NotifierUnavailable

log = logging.getLogger(__name__)


class DesktopNotifierBackend:
    """A :class:`~upbit_monitor.features.alerts.delivery.Notifier` over ``desktop-notifier``.

    Args:
        app_name: shown by the notification service.
        sound: ask for the platform's default notification sound.
    """

    name = "desktop"

    def __init__(self, app_name: str = "upbit-monitor", *, sound: bool = False) -> None:
        self.app_name = app_name
        self.sound = sound
        self._notifier: Any = None

    @staticmethod
    def unavailable_reason() -> str | None:
        """Why this desktop certainly cannot show notifications (checked without sending), or None."""
        if sys.platform.startswith("linux") and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            # dbus-fast would guess a socket path and fail slowly; say the real reason at once.
            return "no D-Bus session bus"
        try:
            import desktop_notifier  # noqa: F401
        except ImportError:  # optional at run time: the app works without it
            return "desktop-notifier is not installed"
        return None

    def _ensure(self) -> Any:
        if self._notifier is None:
            reason = self.unavailable_reason()
            if reason is not None:
                raise NotifierUnavailable(reason)
            from desktop_notifier import DesktopNotifier

            # desktop-notifier logs a warning with a traceback on every failed send; we report
            # failures ourselves, once, so keep its logger quiet.
            logging.getLogger("desktop_notifier").setLevel(logging.ERROR)
            self._notifier = DesktopNotifier(app_name=self.app_name)
        return self._notifier

    async def send(self, title: str, body: str) -> None:
        """Show the notification; :class:`NotifierUnavailable` when no service accepted it."""
        notifier = self._ensure()
        from desktop_notifier import DEFAULT_SOUND, Notification

        dispatched: list[bool] = []
        note = Notification(
            title, body, sound=DEFAULT_SOUND if self.sound else None,
            on_dispatched=lambda: dispatched.append(True),
        )
        await notifier.send_notification(note)
        if not dispatched:
            raise NotifierUnavailable("no notification service answered")
