"""The application icon (window title bar, taskbar, Alt+Tab), from the packaged PNGs.

Raster sizes rendered from the SVG (scripts/make_icons.py) rather than the SVG itself: Qt draws an
SVG icon only through the optional svg icon-engine plugin, which a trimmed bundle may lack; PNGs
need nothing beyond QtGui. Each size is drawn for its own pixel grid, so small ones stay sharp.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QIcon, QPixmap

from upbit_monitor.resources import APP_ID, ICON_SIZES, resource_bytes

log = logging.getLogger(__name__)


def app_icon() -> QIcon:
    """All packaged sizes in one QIcon (a null icon, logged, if the install lacks them)."""
    icon = QIcon()
    for size in ICON_SIZES:
        name = f"icons/{APP_ID}-{size}.png"
        pixmap = QPixmap()
        try:
            loaded = pixmap.loadFromData(resource_bytes(name), "PNG")
        except OSError as exc:
            loaded = False
            log.error("icon %s missing from the installed package: %s", name, exc)
        if loaded:
            icon.addPixmap(pixmap)
    return icon
