"""Theme details a user clicks on: dock title-bar buttons and check boxes are visible in both themes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QAbstractButton, QApplication, QCheckBox, QDockWidget

from tests.ui.test_window_behaviour import _source, _window
from upbit_monitor.resources import resource_dir
from upbit_monitor.ui.common.theme import style_sheet

ICONS = resource_dir("styles/icons")  # package data since the theme moved into upbit_monitor/resources


def _contrasting_pixels(image: QImage, background: QColor) -> int:
    """Pixels that differ clearly from the background (an icon or a tick mark)."""
    count = 0
    bg = background.lightness()
    for y in range(image.height()):
        for x in range(image.width()):
            if abs(QColor(image.pixel(x, y)).lightness() - bg) > 60:
                count += 1
    return count


def test_sheets_point_at_icons_that_exist() -> None:
    for dark in (True, False):
        sheet = style_sheet(dark)
        assert "@ICONS@" not in sheet and "titlebar-close-icon: none" not in sheet
        names = ("close", "float", "check")
        suffix = "dark" if dark else "light"
        for name in names:
            icon = ICONS / f"{name}-{suffix}.svg"
            assert icon.is_file() and icon.as_posix() in sheet


@pytest.mark.parametrize("light", [False, True])
def test_dock_close_and_float_buttons_are_visible(qtbot, tmp_path, light) -> None:
    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = _window(qtbot, _source(), store)
    win.set_light(light)
    win.show()
    qtbot.waitExposed(win)
    title_bg = QColor("#f0f3f6" if light else "#1a2029")
    for dock in win.findChildren(QDockWidget):
        buttons = [
            b for b in dock.findChildren(QAbstractButton) if b.objectName().startswith("qt_dockwidget_")
        ]
        assert {b.objectName() for b in buttons} >= {"qt_dockwidget_closebutton", "qt_dockwidget_floatbutton"}
        title = dock.grab().toImage()  # a button grabbed alone is drawn without the title bar
        for button in buttons:
            image = title.copy(button.geometry())
            # A visible glyph: a clear stroke of pixels far from the title bar's colour.
            assert _contrasting_pixels(image, title_bg) >= 8, (dock.objectName(), button.objectName())
    QApplication.instance().setStyleSheet(style_sheet(True))


@pytest.mark.parametrize("light", [False, True])
def test_checked_box_shows_a_tick(qtbot, tmp_path, light) -> None:
    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = _window(qtbot, _source(), store)
    win.set_light(light)
    box = win.orderbook.depth_toggle
    assert isinstance(box, QCheckBox)
    win.show()
    qtbot.waitExposed(win)
    box.setChecked(False)
    off = box.grab().toImage()
    box.setChecked(True)
    on = box.grab().toImage()
    height = min(off.height(), on.height())
    # The indicator is the left square: checked = filled blue with a white tick (white pixels).
    square = on.copy(0, 0, height, height)
    whites = sum(
        1 for y in range(square.height()) for x in range(square.width())
        if QColor(square.pixel(x, y)).lightness() > 230
    )
    blues = sum(
        1 for y in range(square.height()) for x in range(square.width())
        if QColor(square.pixel(x, y)).blue() > 180 and QColor(square.pixel(x, y)).red() < 120
    )
    assert blues >= 20 and whites >= 6
    QApplication.instance().setStyleSheet(style_sheet(True))
