"""Shared test setup: offscreen Qt and a qasync loop for every asyncio test.

Every ``@pytest.mark.asyncio`` test and async fixture runs on a ``qasync.QEventLoop`` (the same loop
kind the app uses), via pytest-asyncio's loop-factory hook (>= 1.4.1). Non-Qt layers are still
plain asyncio code; running them on qasync in tests proves they behave under the real loop.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

import asyncio
import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication


class _TestQEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """qasync's loop minus one hazard: the extra ``processEvents()`` after ``run_until_complete``.

    qasync 0.28 pumps Qt once more after ``run_forever`` returns, when asyncio no longer sees a
    running loop. Task steps and callbacks that fire in that pump (a websockets handler finishing,
    a connection being opened) fail with "no running event loop", and the broken task later
    corrupts an unrelated test. Without the pump those callbacks simply run in the next
    ``run_until_complete`` (pytest-asyncio's task cancellation / asyncgen shutdown), inside a running
    loop, where they belong.
    """

    def run_until_complete(self, future: Any) -> Any:
        if self.is_running():
            raise RuntimeError("Event loop already running")
        fut = asyncio.ensure_future(future, loop=self)

        def _stop(_f: object) -> None:
            self.stop()

        fut.add_done_callback(_stop)
        try:
            self.run_forever()
        finally:
            fut.remove_done_callback(_stop)
        if not fut.done():
            raise RuntimeError("Event loop stopped before Future completed.")
        return fut.result()

    def close(self) -> None:
        timer = self._timer
        super().close()
        # Kill the Qt timers of handles that never fired, here on the GUI thread. Otherwise the
        # timer QObject may later be freed by a garbage collection that happens to run on a worker
        # thread, which cannot unregister the timers: the next timer event is a use-after-free.
        callbacks = timer._SimpleTimer__callbacks
        for timer_id in list(callbacks):
            timer.killTimer(timer_id)
        callbacks.clear()


def _qasync_loop() -> Any:
    app = QApplication.instance() or QApplication([])
    return _TestQEventLoop(app)


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Callable[[], Any]]:
    return {"qasync": _qasync_loop}


@pytest.fixture(autouse=True, scope="session")
def _gc_on_gui_thread_only() -> Iterator[None]:
    """Run Python's cyclic GC only on the main (Qt GUI) thread, as the app does.

    A cycle holding a QObject with live timers that is collected on a worker thread (asyncio.to_thread,
    the storage writer) frees it on the wrong thread and crashes Qt later (pyqtgraph's
    GarbageCollector exists for the same reason). Each test ends with a collection on this thread.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_test() -> Iterator[None]:
    yield
    gc.collect()


@pytest.fixture
def keep_loop_on_close(qapp: QApplication) -> Iterator[None]:
    """Closing the last window must not quit QApplication and with it the test's qasync loop.

    The app sets the same flag in main(); window tests opt in with
    ``pytestmark = pytest.mark.usefixtures("keep_loop_on_close")``.
    """
    old = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)
    yield
    qapp.setQuitOnLastWindowClosed(old)
