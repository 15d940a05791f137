"""LadderTable: the orderbook table that keeps the spread in the middle and never clips a digit.

Centring is arithmetic, not ``scrollTo``: the boundary between the best ask (row ``depth-1``)
and the best bid (row ``depth``) sits at ``depth * row_height`` in content coordinates, so the
scroll value that puts it at the viewport's centre is known exactly. ``scrollTo(...,
PositionAtCenter)`` centred the best bid *row* and ran before the layout settled, which is how
15 levels showed 8 asks and 12 bids. When the viewport is taller than all rows, the rows grow
instead (a short ladder would otherwise hang from the top with its spread above the centre).

A user who scrolls (wheel, scroll bar, keys) pins the view where they left it; a "Re-centre"
button appears over the table and ``Ctrl+Shift+S`` brings the spread back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSlider,
    QHeaderView,
    QPushButton,
    QWidget,
)

from upbit_monitor.ui.orderbook.fitted_table import FittedTable
from upbit_monitor.ui.orderbook.model import ObCol, OrderbookModel

ROW_PX = 20  # the smallest row height (what a 15-level ladder gets in a short window)
CELL_PAD = 14  # the delegate's 5 px text inset on each side plus a little air
RECENTRE_KEY = "Ctrl+Shift+S"  # S for spread; no other pane binds it
# The widest % a ladder normally shows: reserving it up front keeps the column from jumping.
WIDEST_RATE = "+88.88%"
# A size column narrower than this would elide sizes: the % column is hidden instead.
NARROWEST_SIZE = "0.00888888"


class LadderTable(FittedTable):
    """QTableView over an :class:`OrderbookModel`, centred on the spread unless the user scrolled."""

    # True when following the spread, False after the user scrolled away.
    pinned_changed = Signal(bool)

    def __init__(self, model: OrderbookModel, parent: QWidget | None = None) -> None:
        super().__init__("OrderbookTable", ROW_PX, parent)
        self._model = model
        self._following = True
        self._code: str | None = None
        self._widths = (0, 0)  # (price, change) reserved for the current coin: grow only
        self._row_fit: tuple[int, int, int] | None = None  # (rows, px, extra per side) applied
        self.setModel(model)
        # Per-pixel scrolling: the spread is centred exactly, not to the nearest row.
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        h = self.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # Prices and % must never elide; the size columns share what is left.
        h.setSectionResizeMode(ObCol.PRICE, QHeaderView.ResizeMode.Fixed)
        h.setSectionResizeMode(ObCol.CHANGE, QHeaderView.ResizeMode.Fixed)
        self.fit_columns()

        self.recentre_button = QPushButton("Re-centre", self.viewport())
        self.recentre_button.setObjectName("RecentreButton")
        self.recentre_button.setToolTip(f"Scroll back to the spread ({RECENTRE_KEY})")
        self.recentre_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.recentre_button.clicked.connect(self.follow_spread)
        self.recentre_button.hide()
        self.recentre_shortcut = QShortcut(QKeySequence(RECENTRE_KEY), self)
        self.recentre_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.recentre_shortcut.activated.connect(self.follow_spread)

        # Only user actions emit actionTriggered (wheel, drag, arrows, page clicks); our own
        # setValue does not, so this tells "the user scrolled" from "we re-centred".
        self.verticalScrollBar().actionTriggered.connect(self._user_scrolled)
        model.modelReset.connect(self._rows_reset)
        model.layoutChanged.connect(self.centre)

    # -- centring -------------------------------------------------------------------------
    @property
    def following(self) -> bool:
        """True while the view keeps the spread centred."""
        return self._following

    def follow_spread(self) -> None:
        """Back to the spread, and keep following it (button, shortcut, coin switch)."""
        if not self._following:
            self._following = True
            self.recentre_button.hide()
            self.pinned_changed.emit(True)
        self.centre()

    def _user_scrolled(self, action: int) -> None:
        if action == QAbstractSlider.SliderAction.SliderNoAction.value:
            return
        if self._following:
            self._following = False
            self._place_button()
            self.recentre_button.show()
            self.pinned_changed.emit(False)

    def spread_y(self) -> int:
        """Content y of the best-ask / best-bid boundary."""
        return self.verticalHeader().sectionPosition(self._model.depth)

    def centre(self) -> None:
        """Fit the row heights to the viewport, then put the spread at its centre (if following)."""
        self._fit_rows()
        if not self._following:
            return
        vh = self.viewport().height()
        bar = self.verticalScrollBar()
        bar.setValue(max(bar.minimum(), min(bar.maximum(), self.spread_y() - vh // 2)))

    def _fit_rows(self) -> None:
        """Rows of at least ``ROW_PX``; in a viewport taller than that they grow to fill it.

        The pixels left over after an even split go one each to rows on both sides of the spread,
        half above and half below, so the spread stays on the centre within a pixel.
        """
        rows = self._model.rowCount()
        if rows <= 0:
            return
        vh = self.viewport().height()
        min_px = max(ROW_PX, self.fontMetrics().height() + 4)
        px = max(min_px, vh // rows)
        extra = vh - px * rows if vh >= px * rows else 0
        half = extra // 2
        sizes = [px] * rows
        for i in range(half):  # worst levels first: the rows near the spread keep one height
            sizes[i] += 1
            sizes[rows - 1 - i] += 1
        key = (rows, px, half)
        if key == self._row_fit:
            return
        self._row_fit = key
        header = self.verticalHeader()
        header.setDefaultSectionSize(px)
        for r, size in enumerate(sizes):
            if header.sectionSize(r) != size:
                header.resizeSection(r, size)
        self.updateGeometries()  # the scroll range follows the new content height now

    def _rows_reset(self) -> None:
        self._row_fit = None  # a reset forgets per-row sizes
        self.centre()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Re-fit rows and re-centre on every size change (dock drag, window resize)."""
        super().resizeEvent(event)
        self._fit_width()
        self.centre()
        self._place_button()

    def _fit_width(self) -> None:
        """Hide the % column when keeping it would squeeze the sizes into "0.0…"."""
        size_w = self.fontMetrics().horizontalAdvance(NARROWEST_SIZE) + CELL_PAD
        need = self._widths[0] + self._widths[1] + 2 * size_w
        hide = self.viewport().width() < need
        if hide != self.isColumnHidden(ObCol.CHANGE):
            self.setColumnHidden(ObCol.CHANGE, hide)

    def _place_button(self) -> None:
        b = self.recentre_button
        b.adjustSize()
        vp = self.viewport()
        # Bottom centre: visible without covering the prices around the spread the user is reading.
        b.move((vp.width() - b.width()) // 2, vp.height() - b.height() - 6)

    # -- column widths --------------------------------------------------------------------
    def fit_columns(self) -> None:
        """Size price and % from the widest text they can show in the current font.

        Called on a font change and after each snapshot: the extreme rows (worst ask, worst
        bid) hold the longest price and the largest |%|, so two measurements cover the book.
        Widths only grow while one coin is shown (a column that breathes with the market would
        make the ladder jitter) and start over on a coin switch.
        """
        code = self._model.code
        if code != self._code:
            self._code = code
            self._widths = (0, 0)
        bold = QFont(self.font())
        bold.setBold(True)
        fm_bold, fm = QFontMetrics(bold), QFontMetrics(self.font())
        rows = (0, self._model.rowCount() - 1)
        prices = [self._model.cell(r, ObCol.PRICE).text for r in rows] + ["88,888"]
        rates = [self._model.cell(r, ObCol.CHANGE).text for r in rows] + [WIDEST_RATE]
        header = self.horizontalHeader()
        hm = QFontMetrics(header.font())
        price_w = max(max(fm_bold.horizontalAdvance(t) for t in prices),
                      hm.horizontalAdvance(OrderbookModel.HEADERS[ObCol.PRICE])) + CELL_PAD
        rate_w = max(max(fm.horizontalAdvance(t) for t in rates),
                     hm.horizontalAdvance(OrderbookModel.HEADERS[ObCol.CHANGE])) + CELL_PAD
        price_w, rate_w = max(price_w, self._widths[0]), max(rate_w, self._widths[1])
        if (price_w, rate_w) != self._widths:
            self._widths = (price_w, rate_w)
            self.setColumnWidth(ObCol.PRICE, price_w)
            self.setColumnWidth(ObCol.CHANGE, rate_w)
            self._fit_width()

    def _font_changed(self) -> None:
        self._widths = (0, 0)
        self.fit_columns()
