"""tests/ui/conftest.py's autouse restore: a theme applied inside a test does not reach the next one."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from tests.ui.conftest import app_look_restored
from upbit_monitor.ui.common.theme import apply_theme


def test_a_theme_applied_inside_is_undone_on_exit(qapp: QApplication) -> None:
    with app_look_restored():  # whatever an earlier test (outside tests/ui) left stays as it was
        qapp.setStyleSheet("")
        window = qapp.palette().window().color().name()
        for dark in (True, False):
            with app_look_restored():
                apply_theme(qapp, dark=dark)
                assert qapp.styleSheet()
            assert qapp.styleSheet() == ""
            assert qapp.palette().window().color().name() == window
