"""Shared test setup: offscreen Qt and a qasync loop for every asyncio test.

Every ``@pytest.mark.asyncio`` test and async fixture runs on a ``qasync.QEventLoop`` (the same loop
kind the app uses), via pytest-asyncio's loop-factory hook (>= 1.4.1). Non-Qt layers are still
plain asyncio code; running them on qasync in tests proves they behave under the real loop.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

from collections.abc import Callable
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication


def _qasync_loop() -> Any:
    app = QApplication.instance() or QApplication([])
    return qasync.QEventLoop(app)


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Callable[[], Any]]:
    return {"qasync": _qasync_loop}
