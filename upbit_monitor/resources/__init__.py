"""Files the app reads at run time (themes, icons), shipped inside the package.

They live here, not in the repository's top-level ``resources/`` (screenshots for the README), so
that a wheel, a pipx install and a PyInstaller bundle carry them: everything is read through
:mod:`importlib.resources`, never through a path computed from ``__file__`` of some other module.
Names are relative to this package, e.g. ``"styles/dark.qss"`` or ``"icons/upbit-monitor.svg"``.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

APP_ID = "upbit-monitor"  # file names of the icon and the desktop entry, the organisation name
# icons/upbit-monitor-<size>.png, rendered from icons/upbit-monitor.svg by scripts/make_icons.py.
ICON_SIZES = (16, 32, 48, 64, 128, 256)


def resource(name: str) -> Traversable:
    """The packaged file ``name`` (it may not exist: a broken install is reported by the reader)."""
    node: Traversable = resources.files(__name__)
    for part in name.split("/"):
        node = node.joinpath(part)
    return node


def resource_text(name: str) -> str:
    """Text of a packaged file; ``OSError`` (FileNotFoundError) when the install lacks it."""
    return resource(name).read_text(encoding="utf-8")


def resource_bytes(name: str) -> bytes:
    """Bytes of a packaged file; ``OSError`` (FileNotFoundError) when the install lacks it."""
    return resource(name).read_bytes()


def resource_dir(name: str) -> Path:
    """A packaged directory as a real path, for consumers that need files on disk (QSS ``url()``).

    Wheels install unpacked and PyInstaller unpacks its data files, so this is always a directory
    in practice; an install from a zip archive raises ``OSError`` instead of returning a bad path.
    """
    node = resource(name)
    if not isinstance(node, Path) or not node.is_dir():
        raise FileNotFoundError(f"packaged directory {name!r} is not on the file system: {node}")
    return node
