"""Table model of the market list: names, last price, change, 24 h traded value, warnings, stars.

The model is fed twice: once with the market catalogue (REST ``/v1/market/all``) and then, on the
window's repaint timer, from the manager's ticker pool. :meth:`CoinListModel.refresh` asks
``version("ticker", code)`` per row, and signals only the cells whose shown text or colour changed
(one small ``dataChanged`` per row): the cost is bounded by the frame rate, not the message rate,
and the view repaints those cells, not the whole list.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont

from upbit_monitor.models import MarketInfo
from upbit_monitor.protocol.events import Ticker
from upbit_monitor.ui.common.display_guard import PLACEHOLDER, display_text, guarded
from upbit_monitor.ui.common.formatting import (
    display_code,
    format_change_rate,
    format_price,
    format_traded_value,
    quote_of,
)
from upbit_monitor.ui.common.source import MarketSource
from upbit_monitor.ui.common.theme import Palette

Index = QModelIndex | QPersistentModelIndex

SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
CODE_ROLE = int(Qt.ItemDataRole.UserRole) + 2
ENGLISH_ROLE = int(Qt.ItemDataRole.UserRole) + 3
FAVOURITE_ROLE = int(Qt.ItemDataRole.UserRole) + 4
WARNING_ROLE = int(Qt.ItemDataRole.UserRole) + 5
SEARCH_ROLE = int(Qt.ItemDataRole.UserRole) + 6
NAMES_ROLE = int(Qt.ItemDataRole.UserRole) + 7  # (base code, Korean name, English name), casefolded


class Col(IntEnum):
    """Columns of the coin list."""

    FAV = 0
    NAME = 1
    CODE = 2
    PRICE = 3
    CHANGE = 4
    VALUE = 5
    WARN = 6


# Where a column's text sits in a row's face tuple (see refresh()).
_FACE_INDEX: dict[int, int] = {Col.PRICE: 0, Col.CHANGE: 1, Col.VALUE: 2}
N_COLS = len(Col)  # a constant: len() of an Enum is a slow call, and Qt asks columnCount() a lot

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
# Alignment per column, indexed by Col.
_ALIGN = (_CENTER, _LEFT, _LEFT, _RIGHT, _RIGHT, _RIGHT, _CENTER)

HEADERS = {
    Col.FAV: "★",
    Col.NAME: "Name",
    Col.CODE: "Market",
    Col.PRICE: "Price",
    Col.CHANGE: "Change",
    Col.VALUE: "Value 24h",
    Col.WARN: "Warn",
}
HEADER_TIPS = {
    Col.FAV: "Favourites are pinned on top",
    Col.NAME: "Korean name (English name below)",
    Col.CODE: "Market code",
    Col.PRICE: "Last trade price",
    Col.CHANGE: "Change versus the previous close (UTC 00:00)",
    Col.VALUE: "Traded value over the last 24 hours",
    Col.WARN: "Upbit market warning / caution flags",
}


class CoinListModel(QAbstractTableModel):
    """Markets x (star, name, code, price, change, value, warning).

    Cells keep Qt's table flags: selectable, enabled, never editable (stars toggle through the view).
    """

    favourites_changed = Signal()

    def __init__(self, palette: Palette, parent: Any = None) -> None:
        super().__init__(parent)
        self._palette = palette
        self._markets: list[MarketInfo] = []
        self._row_of: dict[str, int] = {}
        self._tickers: dict[str, Ticker] = {}
        self._versions: dict[str, int] = {}
        # Shown (price, change, value, colour) per code at the last refresh: see refresh().
        self._faces: dict[str, tuple[str, str, str, QColor]] = {}
        self._favourites: set[str] = set()
        # Bumped whenever a sort key may have changed; the proxy caches keys per version.
        self.key_version = 0
        self.korean_units = True
        self._bold = QFont()
        self._bold.setBold(True)

    # -- feeding ---------------------------------------------------------------------------
    def set_markets(self, markets: Iterable[MarketInfo]) -> None:
        """Replace the catalogue (keeps tickers already seen for codes that remain)."""
        self.beginResetModel()
        self._markets = list(markets)
        self._row_of = {m.code: i for i, m in enumerate(self._markets)}
        self._versions = {c: v for c, v in self._versions.items() if c in self._row_of}
        self._faces = {c: f for c, f in self._faces.items() if c in self._row_of}
        self.key_version += 1
        self.endResetModel()

    def markets(self) -> list[MarketInfo]:
        """The catalogue, in model order."""
        return list(self._markets)

    def codes(self, quote: str | None = None) -> list[str]:
        """Codes of the catalogue, optionally only those of one quote currency."""
        return [m.code for m in self._markets if quote is None or m.quote == quote]

    def market(self, code: str) -> MarketInfo | None:
        """The catalogue entry of a code."""
        row = self._row_of.get(code)
        return None if row is None else self._markets[row]

    def ticker_count(self) -> int:
        """How many markets have a ticker yet."""
        return len(self._tickers)

    def ticker(self, code: str) -> Ticker | None:
        """The last ticker the model has seen for a code."""
        return self._tickers.get(code)

    def refresh(self, source: MarketSource) -> int:
        """Pull changed tickers from the source; returns how many rows got a new ticker.

        Only cells whose *shown* text or colour changed are signalled, one ``dataChanged`` per row
        (spanning just that row's changed columns): a range over every changed row would make the
        view repaint the whole viewport, and a new ticker often leaves price, change % and the
        rounded 24 h value exactly as they were.
        """
        n = 0
        spans: list[tuple[int, Col, Col]] = []
        faces = self._faces
        for row, m in enumerate(self._markets):
            code = m.code
            v = source.version("ticker", code)
            if v == self._versions.get(code, -1):
                continue
            t = source.latest_ticker(code)
            self._versions[code] = v
            if t is None:
                continue
            self._tickers[code] = t
            n += 1
            face = self._face(m, t)
            old = faces.get(code)
            faces[code] = face
            if old == face:
                continue
            if old is None:
                spans.append((row, Col.PRICE, Col.VALUE))
                continue
            # face = (price text, change text, value text, colour): colour tints price and change.
            colour = old[3] != face[3]
            first = Col.PRICE if colour or old[0] != face[0] else (
                Col.CHANGE if old[1] != face[1] else Col.VALUE)
            last = Col.VALUE if old[2] != face[2] else (
                Col.CHANGE if colour or old[1] != face[1] else Col.PRICE)
            spans.append((row, first, last))
        if n:
            self.key_version += 1  # sort keys may move even when the shown text did not
        for row, first, last in spans:
            self.dataChanged.emit(self.index(row, first), self.index(row, last))
        return n

    def _placeholder_face(self, m: MarketInfo, t: Ticker) -> tuple[str, str, str, QColor]:
        return PLACEHOLDER, PLACEHOLDER, PLACEHOLDER, self._palette.muted

    @guarded("coin_list.face", _placeholder_face)
    def _face(self, m: MarketInfo, t: Ticker) -> tuple[str, str, str, QColor]:
        """What a ticker shows in the live columns: the change detector of :meth:`refresh`."""
        return (
            format_price(t.trade_price, m.quote),
            format_change_rate(t.signed_change_rate),
            format_traded_value(t.acc_trade_price_24h, m.quote, self.korean_units),
            self._palette.change_colour(t.signed_change_rate),
        )

    def widest(self, col: int, quote: str) -> str:
        """The longest text column PRICE, CHANGE or VALUE shows now on ``quote`` markets."""
        i = _FACE_INDEX.get(col)
        if i is None:
            return ""
        texts = [str(face[i]) for code, face in self._faces.items() if quote_of(code) == quote]
        return max(texts, key=len, default="")

    def repaint_all(self) -> None:
        """Re-emit every cell (after a colour-scheme or unit switch)."""
        self._faces.clear()  # shown texts/colours change: the next refresh compares afresh
        if self._markets:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._markets) - 1, N_COLS - 1))

    # -- favourites ------------------------------------------------------------------------
    def favourites(self) -> set[str]:
        """Codes marked with a star."""
        return set(self._favourites)

    def set_favourites(self, codes: Iterable[str]) -> None:
        """Replace the favourites (e.g. restored from QSettings)."""
        self._favourites = set(codes)
        self.key_version += 1
        self.repaint_all()
        self.favourites_changed.emit()

    def toggle_favourite(self, code: str) -> bool:
        """Star or unstar a code; returns the new state."""
        if code in self._favourites:
            self._favourites.discard(code)
        else:
            self._favourites.add(code)
        self.key_version += 1
        row = self._row_of.get(code)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, N_COLS - 1))
        self.favourites_changed.emit()
        return code in self._favourites

    # -- Qt model API ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Number of markets (0 under any parent: this is a flat table)."""
        return 0 if parent.isValid() else len(self._markets)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else N_COLS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles and tooltips."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < N_COLS:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]  # type: ignore[index]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[section]  # type: ignore[index]
        return None

    @guarded("coin_list.data", display_text)
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell contents per role (display text, colours, numeric sort keys, search text)."""
        if not index.isValid() or not 0 <= index.row() < len(self._markets):
            return None
        m = self._markets[index.row()]
        col = index.column()  # compared with the IntEnum members; no Col(...) call per cell
        t = self._tickers.get(m.code)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(m, t, col)
        if role == SORT_ROLE:
            return self._sort_key(m, t, col)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col in (Col.PRICE, Col.CHANGE) and t is not None:
                return self._palette.change_colour(t.signed_change_rate)
            if col == Col.FAV:
                return self._palette.warning if m.code in self._favourites else self._palette.muted
            if col in (Col.CODE, Col.VALUE):
                return self._palette.muted
            if col == Col.WARN:
                return self._palette.warning
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN[col]
        if role == Qt.ItemDataRole.FontRole and col == Col.PRICE:
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(m, t)
        if role == CODE_ROLE:
            return m.code
        if role == ENGLISH_ROLE:
            return f"{display_code(m.code)} · {m.english_name}" if m.english_name else display_code(m.code)
        if role == FAVOURITE_ROLE:
            return m.code in self._favourites
        if role == WARNING_ROLE:
            return m.flagged
        if role == SEARCH_ROLE:
            return f"{m.code} {display_code(m.code)} {m.korean_name} {m.english_name}".casefold()
        if role == NAMES_ROLE:
            return (m.base.casefold(), m.korean_name.casefold(), m.english_name.casefold())
        return None

    def _placeholder_cell(self, row: int, col: int) -> tuple[str, QColor | None, int, bool]:
        return PLACEHOLDER, None, _ALIGN[col], False

    @guarded("coin_list.cell", _placeholder_cell)
    def cell(self, row: int, col: int) -> tuple[str, QColor | None, int, bool]:
        """``(text, colour, alignment, bold)`` of a cell: the delegate's fast path (no roles)."""
        m = self._markets[row]
        t = self._tickers.get(m.code)
        text = self._display(m, t, col)
        colour: QColor | None = None
        if col == Col.PRICE or col == Col.CHANGE:
            colour = self._palette.change_colour(t.signed_change_rate) if t is not None else None
        elif col == Col.FAV:
            colour = self._palette.warning if m.code in self._favourites else self._palette.muted
        elif col == Col.CODE or col == Col.VALUE:
            colour = self._palette.muted
        return text, colour, _ALIGN[col], col == Col.PRICE

    def name_cell(self, row: int) -> tuple[str, str, bool]:
        """``(korean name, code · english name, flagged)`` of a row."""
        m = self._markets[row]
        sub = f"{display_code(m.code)} · {m.english_name}" if m.english_name else display_code(m.code)
        return m.korean_name, sub, m.flagged

    def _display(self, m: MarketInfo, t: Ticker | None, col: int) -> str:
        if col == Col.FAV:
            return "★" if m.code in self._favourites else "☆"
        if col == Col.NAME:
            return m.korean_name
        if col == Col.CODE:
            return display_code(m.code)
        if col == Col.WARN:
            return "유의" if m.flagged else ""
        if t is None:
            return "-"
        if col == Col.PRICE:
            return format_price(t.trade_price, m.quote)
        if col == Col.CHANGE:
            return format_change_rate(t.signed_change_rate)
        return format_traded_value(t.acc_trade_price_24h, m.quote, self.korean_units)

    def sort_keys(self, col: int) -> list[tuple[bool, Any, str]]:
        """``(favourite, key, code)`` per source row for one column (the proxy's fast path)."""
        favs, tickers = self._favourites, self._tickers
        return [
            (m.code in favs, self._sort_key(m, tickers.get(m.code), col), m.code) for m in self._markets
        ]

    @guarded("coin_list.sort_key", lambda *_a, **_k: float("-inf"))
    def _sort_key(self, m: MarketInfo, t: Ticker | None, col: int) -> Any:
        if col == Col.FAV:
            return int(m.code in self._favourites)
        if col == Col.NAME:
            return m.korean_name
        if col == Col.CODE:
            return m.code
        if col == Col.WARN:
            return int(m.flagged)
        if t is None:
            return float("-inf")
        if col == Col.PRICE:
            return float(t.trade_price)
        if col == Col.CHANGE:
            return float(t.signed_change_rate)
        return float(t.acc_trade_price_24h)

    def _tooltip(self, m: MarketInfo, t: Ticker | None) -> str:
        lines = [f"{m.korean_name} / {m.english_name} ({m.code})"]
        if t is not None:
            lines.append(
                f"High {format_price(t.high_price, m.quote)}  Low {format_price(t.low_price, m.quote)}"
            )
        if m.warning:
            lines.append("Market warning (투자유의)")
        if m.cautions:
            lines.append("Caution: " + ", ".join(c.replace("_", " ").lower() for c in m.cautions))
        return "\n".join(lines)
