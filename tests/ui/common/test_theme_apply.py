"""apply_theme: a theme the app already has is not applied again (a re-polish of every widget)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from upbit_monitor.ui.common.theme import apply_theme, style_sheet


def test_the_same_theme_twice_keeps_the_style_and_a_switch_applies(qapp: QApplication) -> None:
    old_sheet, old_style = qapp.styleSheet(), qapp.style().name()
    try:
        apply_theme(qapp, True)
        style = qapp.style()
        apply_theme(qapp, True)  # e.g. main() themed the app, then the window its saved (same) theme
        assert qapp.style() is style  # not re-created: nothing re-polished
        apply_theme(qapp, False)
        assert qapp.styleSheet() == style_sheet(False)
        apply_theme(qapp, True)
        assert qapp.styleSheet() == style_sheet(True)
    finally:
        qapp.setStyleSheet(old_sheet)
        qapp.setStyle(old_style)
