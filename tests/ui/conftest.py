"""UI tests: each test starts from the same application look.

``apply_theme`` (window tests, theme switches) sets the application's style sheet, style and palette,
which outlive the test's widgets: a later test then measured widgets under a theme it never asked
for (a ladder header 322 px wide instead of 300). Restoring them after every test keeps the tests
independent of their order.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication


@contextmanager
def app_look_restored() -> Iterator[None]:
    """Put the application's style, style sheet and palette back as they were on entry."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        yield  # no application yet: nothing to restore (the first Qt test makes one)
        return
    sheet, style, palette = app.styleSheet(), app.style().name(), QPalette(app.palette())
    try:
        yield
    finally:
        if app.style().name() != style:
            app.setStyle(style)
        if app.styleSheet() != sheet:
            app.setStyleSheet(sheet)
        if app.palette() != palette:
            app.setPalette(palette)


@pytest.fixture(autouse=True)
def _restore_app_look() -> Iterator[None]:
    with app_look_restored():
        yield
