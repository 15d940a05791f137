"""Kimchi premium in the app: a tracker fed by the manager and two optional CoinList columns.

* :class:`PremiumTracker` (no widgets) subscribes foreign tickers through the manager - every shown
  KRW coin on the primary venue (Binance: one ``@ticker`` per coin, 1 msg/s each), the selected coin
  only on the other venues (Bybit pushes every 50-100 ms per symbol, too much for 200 coins) - plus
  Upbit's ``KRW-USDT`` ticker for the rate. It listens to ``"quote"`` events into a
  :class:`~upbit_monitor.exchanges.quotes.QuoteCache` (TTL: stale quotes are never shown) and keeps a
  short premium history per (coin, venue) for the chart.
* :class:`PremiumColumns` is an identity proxy that appends "Binance ₩" and "Premium" columns to the
  coin list model (sortable through the list's numeric sort role).
* :func:`install_premium` wires both into a ``CoinList`` without touching its code: the proxy goes
  between the list's model and its filter proxy, the columns hide while no primary quote is fresh.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import (
    QIdentityProxyModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import QStyledItemDelegate

from upbit_monitor.exchanges.quotes import (
    QUOTE_TYPE,
    USDT_KRW_CODE,
    PremiumValue,
    PriceQuote,
    QuoteCache,
    foreign_symbol,
    subscription_code,
)
from upbit_monitor.protocol.events import Ticker
from upbit_monitor.protocol.subscriptions import SubscriptionSpec
from upbit_monitor.ui.coin_list_model import CODE_ROLE, FAVOURITE_ROLE, SORT_ROLE, Col
from upbit_monitor.ui.formatting import format_price
from upbit_monitor.ui.theme import Palette

Index = QModelIndex | QPersistentModelIndex

VENUE_CONNECTIONS: dict[str, str] = {"binance": "binance-public", "bybit": "bybit-public"}
VENUE_LABELS: dict[str, str] = {"binance": "Binance", "bybit": "Bybit"}
HISTORY_POINTS = 3600  # per (coin, venue): one hour at one sample a second
HISTORY_SERIES = 64  # (coin, venue) series kept; the least recently sampled is dropped first


class PremiumSource(Protocol):
    """What the tracker needs of the manager (the real one satisfies it structurally)."""

    def register(
        self,
        component: object,
        specs: Sequence[SubscriptionSpec],
        *,
        connection: str = ...,
        callback: Callable[[Any], None] | None = ...,
    ) -> None:
        """Register a component (held weakly) with its subscription specs."""

    def update(self, component: object, specs: Sequence[SubscriptionSpec]) -> None:
        """Replace a component's specs."""

    def unregister(self, component: object) -> None:
        """Forget a component."""

    def latest_ticker(self, code: str) -> Ticker | None:
        """Newest Upbit ticker of a code."""

    def add_listener(
        self, callback: Callable[[Any], None], *, types: Collection[str] | None = ...
    ) -> Callable[[], None]:
        """Receive every event of the given types; returns an unsubscribe function."""


class _Owner:
    """A subscription owner per connection: the manager keys registrations by component."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"PremiumTracker[{self.name}]"


class PremiumTracker:
    """Foreign quotes + Upbit USDT rate -> premium per coin, with a short history per coin and venue.

    Args:
        source: the manager (or a fake with the same methods).
        primary: venue shown in the coin list columns (subscribed for every shown coin).
        venues: all venues; the non-primary ones follow only the selected coin (chart, tooltip).
        ttl_s: a quote older than this (local receive time) is not used.
        clock: monotonic clock for the cache (tests inject one).
        wall: wall clock (seconds) for the history timestamps.
    """

    def __init__(
        self,
        source: PremiumSource,
        *,
        primary: str = "binance",
        venues: Sequence[str] = ("binance", "bybit"),
        ttl_s: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        if primary not in venues:
            raise ValueError("the primary venue must be one of the venues")
        self.source = source
        self.primary = primary
        self.venues = tuple(venues)
        self.cache = QuoteCache(ttl_s, clock=clock)
        self._wall = wall
        self.version = 0  # bumped on every quote: views repaint only when it changed
        self.quotes_received = 0
        self._codes: tuple[str, ...] = ()
        self._selected: str | None = None
        self._owners = {v: _Owner(v) for v in self.venues}
        self._upbit_owner = _Owner("upbit")
        self._registered: set[str] = set()
        self._history: OrderedDict[tuple[str, str], deque[tuple[float, float]]] = OrderedDict()
        self._unlisten: Callable[[], None] | None = source.add_listener(self._on_event, types=(QUOTE_TYPE,))
        self._apply()

    # -- subscriptions -------------------------------------------------------------------------------
    def set_codes(self, codes: Iterable[str]) -> None:
        """The Upbit markets shown in the list; their foreign tickers are subscribed on the primary venue."""
        codes = tuple(sorted({c for c in codes if foreign_symbol(c) is not None and c.startswith("KRW-")}))
        if codes != self._codes:
            self._codes = codes
            self._apply()

    def set_selected(self, code: str | None) -> None:
        """The selected coin: followed on every venue (and its Upbit ticker kept subscribed)."""
        if code != self._selected:
            self._selected = code
            self._apply()

    @property
    def selected(self) -> str | None:
        """The selected coin."""
        return self._selected

    def _apply(self) -> None:
        selected = self._selected if self._selected and foreign_symbol(self._selected) else None
        for venue in self.venues:
            wanted = set(self._codes) if venue == self.primary else set()
            if selected is not None:
                wanted.add(selected)
            subs = tuple(sorted(filter(None, (subscription_code(c) for c in wanted))))
            self._set(self._owners[venue], VENUE_CONNECTIONS[venue], subs)
        upbit = tuple(sorted({USDT_KRW_CODE, *([selected] if selected else [])}))
        self._set(self._upbit_owner, "upbit-public", upbit)

    def _set(self, owner: _Owner, connection: str, codes: tuple[str, ...]) -> None:
        specs = [SubscriptionSpec("ticker", codes)] if codes else []
        if owner.name in self._registered:
            self.source.update(owner, specs)
        elif specs:  # registering nothing would open an idle socket to that venue
            self.source.register(owner, specs, connection=connection)
            self._registered.add(owner.name)

    def close(self) -> None:
        """Stop listening and drop every subscription."""
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        for owner in (*self._owners.values(), self._upbit_owner):
            if owner.name in self._registered:
                self.source.unregister(owner)
        self._registered.clear()

    # -- data -----------------------------------------------------------------------------------------
    def _on_event(self, event: object) -> None:
        if isinstance(event, PriceQuote) and event.exchange in self._owners:
            self.cache.put(event)
            self.quotes_received += 1
            self.version += 1

    def usdt_krw(self) -> float | None:
        """Upbit's last KRW-USDT price (the conversion rate), None until it is known."""
        ticker = self.source.latest_ticker(USDT_KRW_CODE)
        return None if ticker is None else float(ticker.trade_price)

    def upbit_price(self, code: str) -> float | None:
        """Upbit's last price of ``code``."""
        ticker = self.source.latest_ticker(code)
        return None if ticker is None else float(ticker.trade_price)

    def premium(
        self, code: str, exchange: str | None = None, upbit_krw: float | None = None
    ) -> PremiumValue | None:
        """The premium of ``code`` against ``exchange`` (default primary); None if not computable now."""
        price = upbit_krw if upbit_krw is not None else self.upbit_price(code)
        return self.cache.premium_for(code, price, self.usdt_krw(), exchange or self.primary)

    def has_fresh(self, exchange: str | None = None) -> bool:
        """True if any quote of ``exchange`` (default primary) is fresh: the columns are shown."""
        return self.cache.has_fresh(exchange or self.primary)

    # -- history -------------------------------------------------------------------------------------
    def sample(self, code: str) -> dict[str, float]:
        """Record the current premium of ``code`` per venue (percent) and return what was recorded."""
        now = self._wall()
        recorded: dict[str, float] = {}
        for venue in self.venues:
            value = self.premium(code, venue)
            if value is None:
                continue
            key = (code, venue)
            ring = self._history.get(key)
            if ring is None:
                ring = self._history[key] = deque(maxlen=HISTORY_POINTS)
                while len(self._history) > HISTORY_SERIES:  # bound memory over a long session
                    self._history.popitem(last=False)
            self._history.move_to_end(key)
            ring.append((now, value.premium * 100.0))
            recorded[venue] = value.premium * 100.0
        return recorded

    def history(self, code: str, exchange: str) -> list[tuple[float, float]]:
        """``[(unix seconds, premium %)]`` recorded for ``code`` against ``exchange``, oldest first."""
        return list(self._history.get((code, exchange), ()))


# --- the coin list columns ----------------------------------------------------------------------------


def format_premium(value: float | None) -> str:
    """A premium fraction as signed percent: ``0.0253`` -> ``"+2.53%"``; None -> ``"-"``."""
    return "-" if value is None else f"{value * 100:+.2f}%"


class PremiumColumns(QIdentityProxyModel):
    """Appends "<venue> ₩" (foreign price in KRW) and "Premium" columns to a coin list model.

    The source model must provide ``CODE_ROLE`` on column 0 (the coin list model does). The extra
    columns answer the display, numeric sort (``SORT_ROLE``), colour, alignment and tooltip roles;
    every other role (code, favourite, search...) is taken from column 0 of the same row, so the
    list's filter proxy and favourite pinning keep working on them.
    """

    availability_changed = Signal(bool)  # True when the primary venue has fresh quotes
    visibility_changed = Signal()  # the KRW price column was switched on or off

    EXTRA = 2

    def __init__(
        self, tracker: PremiumTracker, palette: Palette | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.tracker = tracker
        self._palette = palette
        self._available = False
        self._seen_version = -1
        self._repaints = 0
        # The list dock is narrow: the foreign price in KRW is opt-in (View menu); the premium
        # tooltip shows it anyway.
        self.krw_price_visible = False
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    @property
    def first_extra(self) -> int:
        """Index of the first appended column (the foreign KRW price)."""
        src = self.sourceModel()
        return src.columnCount() if src is not None else 0

    def set_krw_price_visible(self, on: bool) -> None:
        """Show or hide the "<venue> ₩" column (it still hides while no quote is fresh)."""
        if on != self.krw_price_visible:
            self.krw_price_visible = on
            self.visibility_changed.emit()

    def column_hidden(self, col: int) -> bool:
        """Whether the view should hide appended column ``col`` right now."""
        if not self._available:
            return True
        return col == self.first_extra and not self.krw_price_visible

    @property
    def key_version(self) -> tuple[object, int] | None:
        """Changes whenever a sort key may have changed (the coin list proxy caches keys by it)."""
        src = self.sourceModel()
        base = getattr(src, "key_version", None)
        return None if base is None else (base, self._repaints)

    def sort_keys(self, col: int) -> list[tuple[bool, Any, str]]:
        """``(favourite, key, code)`` per row for one column: the coin list proxy's fast path."""
        src = self.sourceModel()
        if col < self.first_extra and hasattr(src, "sort_keys"):
            keys: list[tuple[bool, Any, str]] = src.sort_keys(col)
            return keys
        if hasattr(src, "sort_keys"):
            # One pass in Python (no per-cell data() round trips): ~10x cheaper for 200 rows.
            krw_column = col == self.first_extra
            fast: list[tuple[bool, Any, str]] = []
            for fav, _, code in src.sort_keys(0):
                value = self.tracker.premium(code)
                if value is None:
                    fast.append((fav, float("-inf"), code))
                else:
                    fast.append((fav, value.foreign_price_krw if krw_column else value.premium, code))
            return fast
        out: list[tuple[bool, Any, str]] = []
        for row in range(self.rowCount()):
            head = self.index(row, 0)
            key = self.index(row, col).data(SORT_ROLE)
            out.append((bool(head.data(FAVOURITE_ROLE)), key, str(head.data(CODE_ROLE))))
        return out

    @property
    def available(self) -> bool:
        """Whether the primary venue had fresh quotes at the last refresh."""
        return self._available

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Source columns plus the two premium columns."""
        return 0 if parent.isValid() else self.first_extra + self.EXTRA

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        """Identity for source columns; own indexes for the appended ones."""
        if parent.isValid() or not 0 <= row < self.rowCount() or not 0 <= column < self.columnCount():
            return QModelIndex()
        if column >= self.first_extra:
            return self.createIndex(row, column)
        return super().index(row, column, parent)

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        """A flat table: no parents."""
        return QModelIndex()

    def sibling(self, row: int, column: int, idx: Index) -> QModelIndex:
        """Siblings through :meth:`index` (the base maps through the source, which lacks our columns)."""
        return self.index(row, column)

    def mapToSource(self, proxy_index: Index) -> QModelIndex:
        """Appended columns have no source cell."""
        if proxy_index.isValid() and proxy_index.column() >= self.first_extra:
            return QModelIndex()
        return super().mapToSource(proxy_index)

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Appended cells are selectable like the rest of the row."""
        if index.isValid() and index.column() >= self.first_extra:
            return Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
        return super().flags(index)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Titles of the appended columns."""
        extra = section - self.first_extra
        if orientation == Qt.Orientation.Horizontal and 0 <= extra < self.EXTRA:
            venue = VENUE_LABELS.get(self.tracker.primary, self.tracker.primary)
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{venue} ₩" if extra == 0 else "Premium"
            if role == Qt.ItemDataRole.ToolTipRole:
                if extra == 0:
                    return f"{venue} USDT price x Upbit KRW-USDT"
                return f"Kimchi premium: Upbit KRW price / ({venue} USDT price x Upbit KRW-USDT) - 1"
            return None
        return super().headerData(section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Premium cells; other columns pass through."""
        if not index.isValid():
            return None
        extra = index.column() - self.first_extra
        if extra < 0:
            return super().data(index, role)
        src = self.sourceModel()
        row_head = src.index(index.row(), 0)
        code = src.data(row_head, CODE_ROLE)
        value = self.tracker.premium(code) if isinstance(code, str) else None
        if role == Qt.ItemDataRole.DisplayRole:
            if value is None:
                return "-"
            if extra == 0:
                return format_price(value.foreign_price_krw, "KRW")
            return format_premium(value.premium)
        if role == SORT_ROLE:
            if value is None:
                return float("-inf")
            return float(value.foreign_price_krw if extra == 0 else value.premium)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if self._palette is None or value is None:
                return None
            return self._palette.change_colour(value.premium) if extra == 1 else self._palette.muted
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(code) if isinstance(code, str) else None
        return src.data(row_head, role)  # code, favourite, search...: the row's own values

    def tooltip(self, code: str) -> str:
        """Every venue's premium for ``code`` with the inputs it was computed from."""
        rate = self.tracker.usdt_krw()
        lines = [f"{code}: Upbit KRW-USDT {format_price(rate, 'KRW') if rate else '-'}"]
        for venue in self.tracker.venues:
            value = self.tracker.premium(code, venue)
            label = VENUE_LABELS.get(venue, venue)
            if value is None:
                lines.append(f"{label}: no fresh quote")
            else:
                lines.append(
                    f"{label} {value.symbol} {value.foreign_price:,.8g} USDT = "
                    f"{format_price(value.foreign_price_krw, 'KRW')} KRW, premium "
                    f"{format_premium(value.premium)} (quote {value.quote_age_s:.1f} s old)"
                )
        return "\n".join(lines)

    def refresh(self) -> None:
        """Timer tick: repaint the premium columns if quotes arrived or freshness changed."""
        available = self.tracker.has_fresh()
        if available != self._available:
            self._available = available
            self.availability_changed.emit(available)
        if self.tracker.version == self._seen_version and not available:
            return
        self._seen_version = self.tracker.version
        self._repaints += 1
        rows = self.rowCount()
        if rows:
            first = self.first_extra
            self.dataChanged.emit(self.index(0, first), self.index(rows - 1, first + self.EXTRA - 1))


def install_premium(
    coin_list: Any, tracker: PremiumTracker, palette: Palette | None = None
) -> PremiumColumns:
    """Put :class:`PremiumColumns` into a ``CoinList`` and keep the tracker following it.

    ``coin_list`` needs ``model`` (CoinListModel), ``proxy`` (its filter proxy), ``table``,
    ``shown_codes()``, ``selected_code`` and the ``coin_selected`` / ``markets_loaded`` signals,
    which :class:`upbit_monitor.ui.coin_list.CoinList` has. Returns the proxy.
    """
    columns = PremiumColumns(tracker, palette, coin_list)
    columns.setSourceModel(coin_list.model)
    coin_list.proxy.setSourceModel(columns)
    table = coin_list.table

    def show(*_: object) -> None:
        for col in range(columns.first_extra, columns.first_extra + columns.EXTRA):
            table.setColumnHidden(col, columns.column_hidden(col))

    def follow_codes(*_: object) -> None:
        tracker.set_codes(coin_list.model.codes("KRW"))

    show()
    # The list's own delegate paints straight from CoinListModel cells it knows; our columns get
    # the standard delegate (display text, colour and alignment roles from PremiumColumns.data).
    plain = QStyledItemDelegate(table)
    for col, width in ((columns.first_extra, 104), (columns.first_extra + 1, 74)):
        table.setItemDelegateForColumn(col, plain)
        table.setColumnWidth(col, width)
    # Premium right after the change column (the list dock is narrow); the KRW price stays last.
    header = table.horizontalHeader()
    header.moveSection(header.visualIndex(columns.first_extra + 1), header.visualIndex(Col.CHANGE) + 1)
    columns.availability_changed.connect(show)
    columns.visibility_changed.connect(show)
    coin_list.markets_loaded.connect(follow_codes)
    coin_list.coin_selected.connect(tracker.set_selected)
    follow_codes()
    tracker.set_selected(coin_list.selected_code)
    return columns
