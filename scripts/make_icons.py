"""Render the app icon (upbit_monitor/resources/icons/upbit-monitor.svg) to the raster files we ship.

Run after editing the SVG: ``QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_icons.py``.
The PNGs are package data (window/taskbar icon, the freedesktop hicolor theme); the .ico and .icns
are only for the PyInstaller bundle on Windows/macOS (resources/bundle/). Qt writes all three
formats itself, so no image library is needed. The outputs are committed: a build never renders.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from upbit_monitor.resources import ICON_SIZES

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "upbit_monitor" / "resources" / "icons"
BUNDLE = ROOT / "resources" / "bundle"


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """The SVG at ``size`` x ``size`` pixels on a transparent background."""
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    painter = QPainter(img)
    renderer.render(painter)
    painter.end()
    return img


def main() -> None:
    """Write icons/upbit-monitor-<size>.png and the bundle's .ico/.icns."""
    app = QGuiApplication([])
    renderer = QSvgRenderer(str(ICONS / "upbit-monitor.svg"))
    if not renderer.isValid():
        raise SystemExit("the SVG does not parse")
    BUNDLE.mkdir(parents=True, exist_ok=True)
    for size in ICON_SIZES:
        if not render(renderer, size).save(str(ICONS / f"upbit-monitor-{size}.png"), "PNG"):
            raise SystemExit(f"could not write the {size} px PNG")
    big = render(renderer, 256)
    for ext in ("ico", "icns"):
        if not big.save(str(BUNDLE / f"upbit-monitor.{ext}"), ext.upper()):
            raise SystemExit(f"could not write the .{ext}")
    app.quit()


if __name__ == "__main__":
    main()
