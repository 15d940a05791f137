"""What the main window remembers between runs (QSettings): geometry, dock layout, coin list, chart, ladder.

Kept apart from the window's wiring so the list of saved keys and their restore rules sit in one place.
QSettings values are untyped (an INI file may hold anything), so every read coerces and falls back.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings

from upbit_monitor.ui.dock_reserve import save_docks
from upbit_monitor.ui.window_layout import LAYOUT_VERSION

OWN_DOCKS = ("CoinDock", "StatusDock")  # always built by the window itself, never reserved

if TYPE_CHECKING:
    from upbit_monitor.ui.main_window import MainWindow


def int_setting(value: object, default: int) -> int:
    """QSettings values are untyped: coerce, falling back to a default on garbage."""
    if isinstance(value, int | float | str):
        try:
            return int(value)
        except ValueError:
            return default
    return default


def _json_dict(raw: object) -> dict[str, object]:
    """A JSON object from the settings file, or {} for anything else (a hand-edited file)."""
    try:
        value = json.loads(str(raw)) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def restore_window_state(window: MainWindow, store: QSettings) -> bool:
    """Restore what ``save_window_state`` saved; False when there is no saved dock layout.

    Dock sizes only stick once the window is laid out, so without a saved layout the caller applies
    the default one on first show.
    """
    s = store
    geo = s.value("window/geometry")
    if isinstance(geo, QByteArray | bytes):
        window.restoreGeometry(geo)
    state = s.value("window/state")
    # False for a missing, damaged or older-version layout: the caller applies the default one.
    has_layout = isinstance(state, QByteArray | bytes) and window.restoreState(state, LAYOUT_VERSION)
    favs = s.value("coins/favourites", [])
    # QSettings returns a bare string for a one-element list and None/"" for an empty one.
    fav_list = [favs] if isinstance(favs, str) and favs else favs if isinstance(favs, list) else []
    window.coin_list.model.set_favourites(str(f) for f in fav_list)
    columns = window.coin_list.columns
    columns.restore(_json_dict(s.value("coins/columns")))
    columns.restore_sort(s.value("coins/sort", "value desc"))
    quote = str(s.value("coins/quote", "KRW"))
    window.coin_list.set_quote(quote)
    if window.chart is not None:
        unit = int_setting(s.value("chart/timeframe", 1, type=int), 1)
        window.chart.set_timeframe(unit)  # type: ignore[attr-defined]
    split = s.value("orderbook/splitter")
    if isinstance(split, QByteArray | bytes):
        window.orderbook.splitter.restoreState(split)
    return has_layout


def save_window_state(window: MainWindow, store: QSettings) -> None:
    """Persist geometry, dock layout, coin, timeframe, favourites and view options."""
    s = store
    if window.layout_settled:
        # Only a layout the window finished arranging: closing within the first event-loop turns
        # (e.g. --quit-after before the default layout was applied) keeps the previous one.
        s.setValue("window/geometry", window.saveGeometry())
        s.setValue("window/state", window.saveState(LAYOUT_VERSION))
        save_docks(window, s, OWN_DOCKS)  # the places to keep for late docks next time
    s.setValue("coins/favourites", sorted(window.coin_list.model.favourites()))
    # Columns by key, not the header's saveState: see ui/coin_list/columns.py.
    s.setValue("coins/columns", json.dumps(window.coin_list.columns.prefs()))
    s.setValue("coins/sort", window.coin_list.columns.sort_state())
    s.remove("coins/header")  # the old positional header state; never read again
    s.setValue("coins/quote", window.coin_list.proxy.quote)
    s.setValue("orderbook/depth", window.orderbook.model.depth)
    s.setValue("orderbook/splitter", QByteArray(window.orderbook.splitter_state()))
    if window.code is not None:
        s.setValue("coin/last", window.code)
    if window.chart is not None:
        s.setValue("chart/timeframe", int(window.chart.unit))  # type: ignore[attr-defined]
    if window.reservations is None:
        # Not while late docks are still on their way: the panes of the last session would be
        # saved as none (closing within the first second, e.g. --quit-after 0.5).
        window.extras.save()
    s.sync()
