"""A private D-Bus session bus with a minimal freedesktop notification server, for bench/alerts.py.

``private_notification_bus()`` starts ``dbus-daemon --session`` and, in a second process, a server
owning ``org.freedesktop.Notifications`` that accepts every ``Notify`` (what a desktop's
notification daemon does before drawing the bubble). It yields a
:class:`~upbit_monitor.features.alerts.DesktopNotifierBackend` pointed at that bus, so the trigger
latency includes the real ``desktop-notifier`` path: message encoding, the bus round trip, the
server's reply. Drawing the bubble on screen is the desktop's business and is not measured.

Run directly (``python bench/alerts_dbus.py --serve``) it is the server process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusDict, DBusInt32, DBusSignature, DBusStr, DBusUInt32
from dbus_fast.service import ServiceInterface, dbus_method, dbus_signal

from upbit_monitor.features.alerts import DesktopNotifierBackend

Strings = Annotated[list[str], DBusSignature("as")]
Info = Annotated[list[str], DBusSignature("ssss")]
Closed = Annotated[list[int], DBusSignature("uu")]


class Notifications(ServiceInterface):
    """The part of org.freedesktop.Notifications that desktop-notifier calls."""

    def __init__(self) -> None:
        super().__init__("org.freedesktop.Notifications")
        self.count = 0

    @dbus_method()
    def GetCapabilities(self) -> Strings:
        return ["body", "actions"]

    @dbus_method()
    def Notify(self, app_name: DBusStr, replaces_id: DBusUInt32, app_icon: DBusStr,
               summary: DBusStr, body: DBusStr, actions: Strings, hints: DBusDict,
               expire_timeout: DBusInt32) -> DBusUInt32:
        self.count += 1
        return self.count

    @dbus_method()
    def CloseNotification(self, notification_id: DBusUInt32):  # type: ignore[no-untyped-def]
        pass

    @dbus_method()
    def GetServerInformation(self) -> Info:
        return ["bench", "upbit-monitor", "1", "1.2"]

    @dbus_signal()
    def NotificationClosed(self) -> Closed:
        return [0, 0]


async def serve() -> None:
    """Own org.freedesktop.Notifications on the session bus; print READY; serve forever."""
    bus = await MessageBus().connect()
    bus.export("/org/freedesktop/Notifications", Notifications())
    await bus.request_name("org.freedesktop.Notifications")
    print("READY", flush=True)
    await asyncio.Future()


@contextlib.asynccontextmanager
async def private_notification_bus() -> AsyncIterator[DesktopNotifierBackend]:
    """dbus-daemon + notification server; yields a desktop backend using them."""
    daemon = subprocess.Popen(  # noqa: ASYNC220 - qasync loops have no child watcher
        ["dbus-daemon", "--session", "--nofork", "--print-address"], stdout=subprocess.PIPE, text=True)
    assert daemon.stdout is not None
    address = (await asyncio.to_thread(daemon.stdout.readline)).strip()
    old = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    server = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(server.stdout.readline), 20.0)
        if line.strip() != "READY":
            raise RuntimeError("notification server did not start")
        yield DesktopNotifierBackend("upbit-monitor bench")
    finally:
        server.terminate()
        server.wait(5)
        daemon.terminate()
        daemon.wait(5)
        if old is None:
            os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = old


if __name__ == "__main__" and "--serve" in sys.argv:
    asyncio.run(serve())
