"""Colours and style sheets: dark/light theme and the up/down colour convention.

Korean exchanges colour a rising price red and a falling one blue; western users expect green/red.
Views never hard-code those two colours: they ask the shared :class:`Palette`, which the main window
switches at run time (menu View -> Colours).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from upbit_monitor.resources import resource_dir, resource_text

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Palette:
    """The colours views paint with. One instance is shared by all views of a window."""

    dark: bool = True
    korean_colours: bool = True  # red up / blue down

    @property
    def up(self) -> QColor:
        """Colour of a rising price / buy-side (bid) in the current convention."""
        if self.korean_colours:
            return QColor("#f75467") if self.dark else QColor("#d60000")
        return QColor("#26c281") if self.dark else QColor("#0a8a4a")

    @property
    def down(self) -> QColor:
        """Colour of a falling price / sell-side (ask) in the current convention."""
        if self.korean_colours:
            return QColor("#4c8dff") if self.dark else QColor("#0051c7")
        return QColor("#f75467") if self.dark else QColor("#d60000")

    @property
    def flat(self) -> QColor:
        """Colour of an unchanged price."""
        return QColor("#c9ced6") if self.dark else QColor("#333333")

    @property
    def muted(self) -> QColor:
        """Secondary text (English names, codes, labels)."""
        return QColor("#7d8590") if self.dark else QColor("#80868b")

    @property
    def flash(self) -> QColor:
        """Outline of a cell whose value just changed."""
        return QColor(255, 221, 87, 150) if self.dark else QColor(200, 140, 0, 230)

    @property
    def warning(self) -> QColor:
        """Market-warning badge colour."""
        return QColor("#ff9f1a")

    def change_colour(self, signed_value: float) -> QColor:
        """Up, down or flat colour for a signed change."""
        if signed_value > 0:
            return self.up
        if signed_value < 0:
            return self.down
        return self.flat

    def bar(self, bid: bool) -> QColor:
        """Translucent depth-bar colour for a bid (up colour) or ask (down colour) level."""
        c = QColor(self.up if bid else self.down)
        c.setAlpha(70 if self.dark else 55)
        return c


def apply_palette(widget: object, palette: Palette) -> None:
    """Give ``widget`` the window's theme and up/down colours if it takes them (``set_dark``,
    ``set_colors``). Charts and pane bodies are duck-typed: a widget without them, or None, is left
    alone."""
    set_dark = getattr(widget, "set_dark", None)
    if callable(set_dark):
        set_dark(palette.dark)
    set_colors = getattr(widget, "set_colors", None)
    if callable(set_colors):
        set_colors(palette.up, palette.down)


def health_colour(health: float | None) -> QColor:
    """Green / amber / red / grey for a 0..1 health score (None = unknown)."""
    if health is None:
        return QColor("#7d8590")
    if health >= 0.8:
        return QColor("#2ecc71")
    if health >= 0.4:
        return QColor("#f1c40f")
    return QColor("#e74c3c")


def style_sheet(dark: bool) -> str:
    """The QSS text of the dark or light theme ('' if the file is missing: Qt's default look).

    A QSS ``url()`` is resolved against the working directory, so the sheets name their icons
    ``@ICONS@/...`` and get the absolute folder here (the app may be started from anywhere).
    A missing file is a broken install (package data left out of a wheel or bundle), not a user
    error: the app still runs with Qt's default look, and the log says why. CI installs the wheel
    and checks every resource is there (scripts/check_install.py), so this is the last line only.
    """
    name = "styles/dark.qss" if dark else "styles/light.qss"
    try:
        icons = resource_dir("styles/icons").as_posix()
        return resource_text(name).replace("@ICONS@", icons)
    except OSError as exc:
        log.error("theme %s missing from the installed package: %s", name, exc)
        return ""


def apply_theme(app: QApplication, dark: bool) -> None:
    """Apply the theme to the whole application (Fusion style + our QSS)."""
    sheet = style_sheet(dark)
    if app.styleSheet() == sheet:
        # Already so (main() themes the app, then the window its saved theme; only this function
        # sets our sheet, Fusion with it): setting it again re-polishes every widget, tens of
        # milliseconds before the first prices are on screen.
        return
    app.setStyle("Fusion")
    app.setStyleSheet(sheet)
