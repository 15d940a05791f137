"""CoinList: every market of a quote currency with live tickers; selecting a row switches the coin.

It is ONE manager component: a single ``ticker`` spec carries every code of the shown quote
currency, and toggling KRW/BTC/USDT replaces it with :meth:`update`. It repaints from the manager's
pool on a timer (never per message) and registers itself once; the manager drops it through the
weakref/``destroyed`` path when the widget dies.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from upbit_monitor.models import MarketInfo
from upbit_monitor.protocol.subscriptions import SubscriptionSpec
from upbit_monitor.ui.coin_list.columns import ColumnFit, builtin_specs
from upbit_monitor.ui.coin_list.delegate import CoinListDelegate
from upbit_monitor.ui.coin_list.model import CODE_ROLE, CoinListModel, Col
from upbit_monitor.ui.coin_list.proxy import CoinFilterProxy
from upbit_monitor.ui.coin_list.table import CoinTable
from upbit_monitor.ui.common.frame_clock import LIST_MS, ClockedView
from upbit_monitor.ui.common.source import MarketSource
from upbit_monitor.ui.common.theme import Palette

log = logging.getLogger(__name__)

MarketLoader = Callable[[], Awaitable[Sequence[MarketInfo]]]
QUOTES = ("KRW", "BTC", "USDT")
# Seconds between catalogue load attempts when REST fails (no network, 429...).
RETRY_DELAYS = (2.0, 5.0, 10.0, 30.0)
LIST_HZ = 10.0
# Minimum seconds between two re-sorts: a re-sort is a layoutChanged (whole-list repaint), and rows
# jumping around more than twice a second are unreadable anyway. Values still update at LIST_HZ.
RESORT_S = 0.5
NAME_MIN = 104  # a Korean name of six syllables; the English line below is elided
# The name's floor on the narrowest list (a 1024 px screen): four syllables, the rest elided, so
# the change % keeps its place beside the price.
NAME_FLOOR = 64
MIN_WIDTH = 300
FIT_S = 1.0  # seconds between two column-width checks (one text measure per column)


class CoinList(ClockedView):
    """Market list with quote toggle, search, favourites and live prices."""

    coin_selected = Signal(str)
    notice = Signal(str)  # human-readable, non-blocking problems (REST failures)
    markets_loaded = Signal(int)

    def __init__(
        self,
        source: MarketSource,
        palette: Palette,
        load_markets: MarketLoader | None = None,
        *,
        repaint_hz: float = 25.0,
        parent: QWidget | None = None,
    ) -> None:
        # A list of ~200 rows re-sorted on every change: 10 Hz reads as live and costs far less
        # than the ladder's frame rate.
        super().__init__("CoinList", parent, hz=min(repaint_hz, LIST_HZ), phase_ms=LIST_MS)
        self._source = source
        self._load_markets = load_markets
        self._load_task: asyncio.Task[None] | None = None
        self.model = CoinListModel(palette, self)
        self.proxy = CoinFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.search = QLineEdit(self)
        self.search.setObjectName("CoinSearch")
        self.search.setPlaceholderText("Search code / 이름 / name   ( / or Ctrl+F )")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_search)
        self.search.installEventFilter(self)

        self._quote_group = QButtonGroup(self)
        self._quote_group.setExclusive(True)
        quotes = QHBoxLayout()
        quotes.setSpacing(2)
        for q in QUOTES:
            b = QPushButton(q, self)
            b.setObjectName("QuoteToggle")
            b.setCheckable(True)
            b.setChecked(q == "KRW")
            b.setToolTip(f"Show {q} markets")
            self._quote_group.addButton(b)
            quotes.addWidget(b)
        self._quote_group.buttonClicked.connect(lambda b: self.set_quote(b.text()))

        self.table = CoinTable(self)
        self.table.setModel(self.proxy)
        self.table.setItemDelegate(CoinListDelegate(palette, self.model, self.proxy, self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Col.VALUE, Qt.SortOrder.DescendingOrder)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(CoinListDelegate.ROW_HEIGHT)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(24)
        # Shown, hidden and sized by ColumnFit: the user's choice, the data, then the room. The code
        # shows under the name and the warning badge beside it, so their own columns (sortable) are
        # optional, off by default: the header's context menu shows them.
        self.columns = ColumnFit(self.table, self)
        self.columns.reserve = {Col.NAME: NAME_MIN}
        for spec in builtin_specs(self.model, lambda: self.proxy.quote):
            self.columns.add(spec)
        self.columns.prefs_changed.connect(self._fit_name_column)
        header.sortIndicatorChanged.connect(lambda *_: self.fit_columns())  # the arrow needs room
        self._next_fit = 0.0
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        self.table.chosen.connect(self._choose)
        self.table.star_clicked.connect(self._toggle_star)
        self.table.activated.connect(self._on_table_activated)
        self.table.installEventFilter(self)
        # The name column takes whatever width the others leave, but never less than NAME_FLOOR
        # (other features may add columns; a plain Stretch section would shrink to nothing).
        self.table.viewport().installEventFilter(self)
        header.sectionResized.connect(self._on_section_resized)
        header.sectionCountChanged.connect(lambda *_: self._fit_name_column())

        # Shown while there is no catalogue (loading, or REST failing and retrying).
        self.placeholder = QLabel("Loading markets…", self)
        self.placeholder.setObjectName("CoinListPlaceholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)

        top = QHBoxLayout()
        top.addLayout(quotes)
        top.addWidget(self.search, 1)
        # Star, name and price always fit; the other columns hide when narrower (ColumnFit).
        self.setMinimumWidth(MIN_WIDTH)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.table, 1)

        for seq in (QKeySequence("/"), QKeySequence(QKeySequence.StandardKey.Find)):
            sc = QShortcut(seq, self.window() or self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(self.focus_search)

        self._selected: str | None = None
        self._scroll_pending = False
        # Keep the selected row in view through re-sorts and resizes until the user scrolls the list
        # himself (actionTriggered fires for wheel, drag and arrow clicks, never for scrollTo).
        self._follow = False
        self.table.verticalScrollBar().actionTriggered.connect(self._user_scrolled)
        # The dock settles its height after the first scroll (and rows come and go with the filter):
        # the scroll range changes then, after the resize event, so follow it rather than the resize.
        self.table.verticalScrollBar().rangeChanged.connect(lambda *_: self._keep_selected_in_view())
        self._next_sort = 0.0

    # -- catalogue ------------------------------------------------------------------------
    def set_markets(self, markets: Sequence[MarketInfo]) -> None:
        """Install the catalogue and (re)subscribe the ticker of every shown code."""
        self.model.set_markets(markets)
        self.proxy.resort_if_needed()  # a non-dynamic proxy does not sort after a model reset
        self.placeholder.setVisible(not markets)
        self._subscribe()
        if self._selected is not None:
            self._select_row(self._selected)
        self.markets_loaded.emit(len(markets))

    def set_loader(self, load_markets: MarketLoader) -> None:
        """Load another venue's catalogue (a venue switch): the running load is dropped."""
        if self._load_task is not None and not self._load_task.done():
            self._load_task.cancel()
        self._load_task = None
        self._load_markets = load_markets
        self.start_loading()

    def start_loading(self) -> None:
        """Load the catalogue in the background, retrying on failure (notices, no dialog)."""
        if self._load_markets is None or (self._load_task is not None and not self._load_task.done()):
            return
        task = asyncio.ensure_future(self._load_with_retry())
        self._load_task = task
        # The task must not outlive the widget: cancel it from a closure that holds only the task.
        self.destroyed.connect(lambda *_: task.cancel())

    async def _load_with_retry(self) -> None:
        assert self._load_markets is not None
        attempt = 0
        while True:
            try:
                markets = await self._load_markets()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any REST failure becomes a notice, never a crash
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                attempt += 1
                log.warning("market list load failed: %s", exc)
                text = f"Market list unavailable ({exc}); retrying in {delay:.0f} s"
                self.notice.emit(text)
                if not self.model.rowCount():
                    self.placeholder.setText(text)
                await asyncio.sleep(delay)
                continue
            self.set_markets(markets)
            return

    # -- subscription ---------------------------------------------------------------------
    def shown_codes(self) -> list[str]:
        """Codes this component subscribes to: every market of the shown quote currency."""
        return self.model.codes(self.proxy.quote)

    def _subscribe(self) -> None:
        codes = tuple(self.shown_codes())
        specs = [SubscriptionSpec("ticker", codes)] if codes else []
        self._source.want(self, specs)

    def set_quote(self, quote: str) -> None:
        """Show KRW, BTC or USDT markets (one ticker spec update)."""
        if quote not in QUOTES:
            return
        for b in self._quote_group.buttons():
            b.setChecked(b.text() == quote)
        if quote == self.proxy.quote:
            return
        self.proxy.set_quote(quote)
        self.fit_columns()  # other quote, other texts (BTC prices have 8 decimals)
        if self.model.rowCount():
            self._subscribe()

    # -- selection ------------------------------------------------------------------------
    @property
    def selected_code(self) -> str | None:
        """The coin last selected by the user (or restored)."""
        return self._selected

    def select(self, code: str, *, emit: bool = True) -> None:
        """Select a coin programmatically (e.g. the last coin at start)."""
        self._selected = code
        self._follow = True
        self._select_row(code)
        # Rows re-sort while the first tickers arrive: re-centre once they are in.
        self._scroll_pending = True
        if emit:
            self.coin_selected.emit(code)

    def _select_row(self, code: str) -> None:
        row = self.proxy.row_of(code)
        if row >= 0:
            idx = self.proxy.index(row, Col.NAME)
            self.table.setCurrentIndex(idx)
            self.table.scrollTo(idx, QAbstractItemView.ScrollHint.EnsureVisible)

    def _toggle_star(self, code: str) -> None:
        self.model.toggle_favourite(code)
        self.proxy.invalidate()  # favourites re-pin whatever the sort column

    def _on_table_activated(self, index: QModelIndex) -> None:
        code = index.data(CODE_ROLE)
        if isinstance(code, str):
            self._choose(code)

    def _user_scrolled(self, _action: int) -> None:
        self._follow = False

    def _keep_selected_in_view(self) -> None:
        current = self.table.currentIndex()
        if self._follow and current.isValid():
            self.table.scrollTo(current, QAbstractItemView.ScrollHint.EnsureVisible)

    def _choose(self, code: str) -> None:
        self._follow = True  # the chosen row is on screen: keep it there
        if code != self._selected:
            self._selected = code
            self.coin_selected.emit(code)

    def step(self, delta: int) -> None:
        """Select the coin ``delta`` rows below (negative: above) the selected one, as listed now.

        The list's own order and filter decide ("next" is the row under it on screen); without a
        listed selection it starts from the top. It stops at the ends instead of wrapping, so holding
        the key does not jump from the last coin to the first.
        """
        rows = self.proxy.rowCount()
        if not rows:
            return
        row = self.proxy.row_of(self._selected) if self._selected is not None else -1
        target = 0 if row < 0 else min(max(row + delta, 0), rows - 1)
        code = self.proxy.index(target, Col.NAME).data(CODE_ROLE)
        if isinstance(code, str) and code != self._selected:
            self.select(code)

    def toggle_current_favourite(self) -> None:
        """Star/unstar the current row (Space key)."""
        code = self.table.currentIndex().data(CODE_ROLE)
        if isinstance(code, str):
            self._toggle_star(code)

    def _header_menu(self, pos: QPoint) -> None:
        self.columns.header_menu(self).popup(self.table.horizontalHeader().mapToGlobal(pos))

    def fit_columns(self) -> None:
        """Re-decide shown columns and widths now (a feature column's data came or went)."""
        self.columns.fit()
        self._fit_name_column()

    def focus_search(self) -> None:
        """Move the keyboard focus to the search box."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_section_resized(self, index: int, _old: int, _new: int) -> None:
        if index != Col.NAME:
            self._fit_name_column()

    def _fit_name_column(self) -> None:
        header = self.table.horizontalHeader()
        visible = (i for i in range(header.count()) if i != Col.NAME and not header.isSectionHidden(i))
        others = sum(header.sectionSize(i) for i in visible)
        # The feature columns' room stays free until their data comes (ColumnFit.reserved).
        width = max(NAME_FLOOR, self.table.viewport().width() - others - self.columns.reserved)
        if header.sectionSize(Col.NAME) != width:
            header.resizeSection(Col.NAME, width)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Search box: Esc clears, Down/Enter jump to the list. Table: Space toggles the star."""
        if event.type() == QEvent.Type.Resize and watched is self.table.viewport():
            self.fit_columns()
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if watched is self.search:
                if key == Qt.Key.Key_Escape:
                    self.search.clear()
                    self.table.setFocus()
                    return True
                if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    self.table.setFocus()
                    # While searching, the top row is the best match (the proxy ranks exact code and
                    # name matches first), whatever row was highlighted before the filter.
                    current = self.table.currentIndex()
                    if self.proxy.rowCount() and (self.proxy.search_text or not current.isValid()):
                        current = self.proxy.index(0, Col.NAME)
                        self.table.setCurrentIndex(current)
                    if current.isValid():
                        self._on_table_activated(current)
                    return True
            elif watched is self.table and key == Qt.Key.Key_Space:
                self.toggle_current_favourite()
                return True
        return super().eventFilter(watched, event)

    # -- repaint --------------------------------------------------------------------------
    def refresh(self) -> None:
        """Timer tick: pull changed tickers from the pool (cheap when nothing changed).

        Changed cells repaint now; the row order is checked and fixed at most every RESORT_S.
        """
        self.model.refresh(self._source)
        now = time.monotonic()
        if now >= self._next_sort and self.proxy.resort_if_needed():
            self._next_sort = now + RESORT_S
            self._keep_selected_in_view()
        if self._scroll_pending and self.model.ticker_count() >= 0.9 * max(1, len(self.shown_codes())):
            self._scroll_pending = False
            self._keep_selected_in_view()
        if now >= self._next_fit:
            # Texts grow (a price gains a digit, a change passes 10 %): widen before they clip.
            self._next_fit = now + FIT_S
            if self.columns.fit():
                self._fit_name_column()
