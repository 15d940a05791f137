"""The window's File, Market and Chart menus: quit, coin stepping and timeframe hotkeys.

Every hotkey lives on a menu action, so the menu shows it next to the entry (the one place a new user
looks for them) and the key works wherever the focus is in the main window. Timeframes use Ctrl+digit
rather than bare digits: bare digits would be swallowed or misread by the coin list's keyboard search
and by the number fields in docks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from upbit_monitor.ui.chart.toolbar import TIMEFRAME_LABELS, TIMEFRAME_NAMES

QUIT_KEY = "Ctrl+Q"
NEXT_COIN_KEY = "Ctrl+Down"
PREVIOUS_COIN_KEY = "Ctrl+Up"
# "/" and Ctrl+F belong to the coin list's own shortcuts (it works without this window); the menu
# only shows them, after a tab, which Qt draws in the shortcut column.
SEARCH_KEYS_TEXT = "/, Ctrl+F"


YEAR_KEY = "Ctrl+Y"  # the eleventh timeframe: the digit row is used up (nothing else binds Ctrl+Y)


def timeframe_key(position: int) -> str:
    """Ctrl+1 .. Ctrl+9, then Ctrl+0 for the tenth timeframe (the keyboard's digit row order), then
    Ctrl+Y for the year chart."""
    return f"Ctrl+{(position + 1) % 10}" if position < 10 else YEAR_KEY


class TimeframeTarget(Protocol):
    """What the Chart menu drives: the main chart."""

    @property
    def unit(self) -> int:
        """The shown timeframe in minutes."""

    def set_timeframe(self, unit: int) -> None:
        """Show another timeframe."""


class CoinStepper(Protocol):
    """What the Market menu drives: the coin list."""

    def step(self, delta: int) -> None:
        """Select the coin ``delta`` rows below (negative: above) the selected one, as listed."""

    def focus_search(self) -> None:
        """Move the keyboard focus to the search box."""


def _action(
    window: QMainWindow, menu: QMenu, text: str, slot: Callable[[], object], key: str = ""
) -> QAction:
    act = QAction(text, window)
    if key:
        act.setShortcut(QKeySequence(key))
    act.triggered.connect(lambda _checked=False: slot())
    menu.addAction(act)
    return act


def build_file_menu(window: QMainWindow) -> QAction:
    """File -> Quit (Ctrl+Q): closes the window, which saves the layout and stops the app."""
    menu = window.menuBar().addMenu("&File")
    quit_action = _action(window, menu, "&Quit", window.close, QUIT_KEY)
    quit_action.setObjectName("QuitAction")
    quit_action.setMenuRole(QAction.MenuRole.QuitRole)
    return quit_action


def build_market_menu(window: QMainWindow, coins: CoinStepper) -> tuple[QAction, QAction]:
    """Market -> Search, Next coin, Previous coin (in the list's current order and filter)."""
    menu = window.menuBar().addMenu("&Market")
    search = _action(window, menu, f"&Search markets\t{SEARCH_KEYS_TEXT}", coins.focus_search)
    search.setObjectName("SearchMarketsAction")
    menu.addSeparator()
    nxt = _action(window, menu, "&Next coin", lambda: coins.step(1), NEXT_COIN_KEY)
    nxt.setObjectName("NextCoinAction")
    prev = _action(window, menu, "&Previous coin", lambda: coins.step(-1), PREVIOUS_COIN_KEY)
    prev.setObjectName("PreviousCoinAction")
    return nxt, prev


class ChartMenu:
    """Chart -> one checkable entry per timeframe with its Ctrl+digit key; follows the chart."""

    def __init__(self, window: QMainWindow, chart: TimeframeTarget) -> None:
        self._chart = chart
        self.menu = window.menuBar().addMenu("&Chart")
        self.group = QActionGroup(window)
        self.group.setExclusive(True)
        self.actions: dict[int, QAction] = {}
        for position, (unit, label) in enumerate(TIMEFRAME_LABELS.items()):
            name = TIMEFRAME_NAMES.get(unit, label)
            act = QAction(f"{label} ({name} candles)" if name != label else f"{label} candles", window)
            act.setCheckable(True)
            act.setShortcut(QKeySequence(timeframe_key(position)))
            act.setData(unit)
            act.triggered.connect(lambda _checked=False, u=unit: self._chart.set_timeframe(u))
            self.group.addAction(act)
            self.menu.addAction(act)
            self.actions[unit] = act
        self.show_unit(chart.unit)

    def show_unit(self, unit: int) -> None:
        """Tick the shown timeframe (the chart's toolbar may have changed it)."""
        act = self.actions.get(int(unit))
        if act is not None and not act.isChecked():
            act.setChecked(True)
