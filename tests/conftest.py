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
from collections.abc import Callable
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


def _qasync_loop() -> Any:
    app = QApplication.instance() or QApplication([])
    return _TestQEventLoop(app)


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Callable[[], Any]]:
    return {"qasync": _qasync_loop}
