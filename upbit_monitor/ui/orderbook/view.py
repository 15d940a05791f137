"""OrderbookView: the ladder of the selected coin with spread, totals, imbalance and the trade tape.

One manager component subscribing ``orderbook`` (15 or 30 levels) and ``trade`` for the selected
coin only. A coin switch is a single ``want()`` call, merged by the manager with the chart's into one
request; the new coin's first snapshot is painted the moment it is routed (the component's
callback), the tape fills from a REST page of recent fills at the same time. After that, repaints
come from the pool on the shared frame clock, skipped when ``version()`` is unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from upbit_monitor.features.orderbook.levels import GROUPS
from upbit_monitor.features.orderbook.strength import strength, tape_strength
from upbit_monitor.protocol.events import Event, Ticker, Trade
from upbit_monitor.protocol.subscriptions import SubscriptionSpec
from upbit_monitor.ui.common.formatting import display_code, quote_of
from upbit_monitor.ui.common.frame_clock import LADDER_MS, ClockedView
from upbit_monitor.ui.common.layout import flush_column
from upbit_monitor.ui.common.loop import running_loop
from upbit_monitor.ui.common.source import MarketSource
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.orderbook.delegate import DepthBarDelegate
from upbit_monitor.ui.orderbook.header import CoinHeader
from upbit_monitor.ui.orderbook.ladder import LadderTable
from upbit_monitor.ui.orderbook.model import OrderbookModel
from upbit_monitor.ui.orderbook.summary import LadderSummary
from upbit_monitor.ui.orderbook.tape_panel import TapePanel
from upbit_monitor.ui.orderbook.trade_tape import TradeTapeModel

FAST_POLL_S = 2.0  # longest fast-poll phase after a coin switch
GROUP_KEY = "orderbook/group"
TAPE_MIN_S = 0.1  # shortest interval between two tape updates
STRENGTH_FILLS = 100  # the short-window 체결강도 runs over this many latest fills

TradesLoader = Callable[[str], Awaitable[Sequence[Trade]]]
log = logging.getLogger(__name__)


def _stored_group(store: QSettings | None) -> int:
    """The saved grouping, 1 when absent or not one of :data:`GROUPS` (a hand-edited file)."""
    try:
        group = int(store.value(GROUP_KEY, 1)) if store is not None else 1  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 1
    return group if group in GROUPS else 1


class OrderbookView(ClockedView):
    """Ladder + summary + tape for one coin."""

    # Emitted once per coin switch, when the ladder of the new coin has been painted.
    first_paint = Signal(str)

    def __init__(
        self,
        source: MarketSource,
        palette: Palette,
        *,
        depth: int = 15,
        repaint_hz: float = 25.0,
        store: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("OrderbookView", parent, hz=repaint_hz, phase_ms=LADDER_MS)
        self._source = source
        self._palette = palette
        self._code: str | None = None
        self._names: dict[str, str] = {}
        self._venue_label = ""  # shown before the coin when the window can switch venues
        self._ob_version = -1
        self._tr_version = -1
        self._tk_version = -1
        self._awaiting_paint: str | None = None
        self._stale_ob: int | None = None
        self._fast_until = 0.0
        self._tape_at = 0.0  # monotonic time of the last tape update
        self._store = store
        self._day_strength: float | None = None
        self._trades_loader: TradesLoader | None = None
        self._backfill: asyncio.Task[None] | None = None

        self.model = OrderbookModel(palette, depth, self)
        self.tape_model = TradeTapeModel(palette, parent=self)

        group = _stored_group(store)
        self.model.set_group(group)
        self.header = CoinHeader(palette, depth, group, self)
        self.title = self.header.title
        self.depth_toggle = self.header.depth_toggle
        self.depth_toggle.toggled.connect(lambda on: self.set_depth(30 if on else 15))
        self.group_box = self.header.group_box
        self.group_box.currentIndexChanged.connect(self._group_picked)

        self.table = LadderTable(self.model, self)
        self.table.setItemDelegate(DepthBarDelegate(palette, self.model, self.table))
        self.table.viewport().installEventFilter(self)

        self.summary = LadderSummary(palette, self)
        self.gauge = self.summary.gauge

        ladder = QWidget(self)
        flush_column(ladder, self.header, (self.table, 1), self.summary, spacing=3)

        self.tape_panel = TapePanel(self.tape_model, palette, store, self)
        self.tape = self.tape_panel.tape

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("OrderbookSplitter")
        self.splitter.addWidget(ladder)
        self.splitter.addWidget(self.tape_panel)
        # The ladder's rows grow to fill whatever height it gets, so the tape can have a fair share:
        # 3:2 by default, never fewer than TapePanel.MIN_ROWS fills (it used to show four).
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)

        self._fast = QTimer(self)
        self._fast.setInterval(8)
        self._fast.timeout.connect(self.refresh)

    # -- selection ------------------------------------------------------------------------
    @property
    def code(self) -> str | None:
        """The coin shown."""
        return self._code

    def set_venue_label(self, label: str) -> None:
        """Name the venue in the pane title ("" = none)."""
        self._venue_label = label
        self._update_title()

    def set_names(self, names: dict[str, str]) -> None:
        """Display names per code (Korean name), used in the title."""
        self._names = names
        self._update_title()

    def specs(self) -> list[SubscriptionSpec]:
        """This component's subscriptions for the current coin and depth."""
        if self._code is None:
            return []
        return [
            SubscriptionSpec("orderbook", (self._code,), depth=self.model.depth),
            SubscriptionSpec("trade", (self._code,)),
        ]

    def set_code(self, code: str) -> None:
        """Switch to another coin: one subscription update, then repaint from the pool."""
        if code == self._code:
            return
        self._code = code
        self._ob_version = self._tr_version = self._tk_version = -1
        self.model.clear()
        self.tape_model.clear()
        self.summary.reset()
        self.header.show_strength(None, None, 0)
        self._day_strength = None
        self._start_backfill(code)
        self._awaiting_paint = code
        # The pool may still hold this coin's book from an earlier subscription: it is stale
        # (possibly minutes old), so only a version newer than now counts as the first book.
        self._stale_ob = self._source.version("orderbook", code)
        self._sync_subscription()
        self._update_title()
        # Until the fresh snapshot arrives, poll the pool every few ms instead of every frame:
        # a coin switch should not wait up to a whole frame interval.
        self._fast_until = time.monotonic() + FAST_POLL_S
        self._fast.start()
        self.refresh()

    def reload(self) -> None:
        """Start over on the same coin (the source now reads another venue's pool)."""
        code, self._code = self._code, None
        if code is not None:
            self.set_code(code)

    def set_depth(self, depth: int) -> None:
        """Show 15 or 30 levels (re-subscribes with the new depth)."""
        if depth == self.model.depth:
            return
        self.model.set_depth(depth)
        self.depth_toggle.setChecked(depth == 30)
        self.centre_on_spread()
        self._ob_version = -1
        self._sync_subscription()
        self.refresh()

    def set_group(self, group: int) -> None:
        """Group the ladder's levels into buckets of ``group`` ticks (1 = native levels)."""
        if group not in GROUPS:
            return
        if self.group_box.currentData() != group:
            self.group_box.setCurrentIndex(GROUPS.index(group))  # comes back here once
            return
        self.model.set_group(group)
        if self._store is not None:
            self._store.setValue(GROUP_KEY, group)
        self.table.fit_columns()
        self.table.centre()
        self._update_summary()

    def _group_picked(self, _index: int) -> None:
        self.set_group(int(self.group_box.currentData()))

    def set_trades_loader(self, loader: TradesLoader | None) -> None:
        """Where a coin switch fetches recent fills (REST), so the tape is full at once."""
        self._trades_loader = loader

    def pending_reads(self) -> list[asyncio.Task[None]]:
        """The tape's REST fill if it is still running (the window cancels it on close)."""
        task = self._backfill
        return [task] if task is not None and not task.done() else []

    def _start_backfill(self, code: str) -> None:
        if self._backfill is not None and not self._backfill.done():
            self._backfill.cancel()
        self._backfill = None
        if self._trades_loader is None:
            return
        loop = running_loop()
        if loop is None:
            return  # a synchronous test: the live fills fill the tape
        self._backfill = loop.create_task(self._load_recent(code, self._trades_loader))

    async def _load_recent(self, code: str, loader: TradesLoader) -> None:
        try:
            trades = await loader(code)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the tape must survive any REST failure; live fills still come
            log.warning("recent trades for %s unavailable: %s", code, exc)
            return
        if not shiboken6.isValid(self) or code != self._code:
            return  # switched again meanwhile, or the widget is gone
        self.tape_model.set_trades(trades)
        self._show_strength()

    def _show_strength(self) -> None:
        recent = self.tape_model.kept()[:STRENGTH_FILLS]
        self.header.show_strength(self._day_strength, tape_strength(recent), len(recent))

    def _sync_subscription(self) -> None:
        self._source.want(self, self.specs(), callback=self._on_event)

    def _on_event(self, event: Event) -> None:
        """Paint on arrival: the first snapshot of a new coin is shown the moment it is routed.

        Every other event returns at once (the frame clock repaints from the pool); the 8 ms fast
        poll stays as the fallback for sources that do not call back.
        """
        code = self._awaiting_paint
        if code is None or event.type != "orderbook" or getattr(event, "code", None) != code:
            return
        self.refresh()
        if self.model.code == code and self.table.isVisible():
            # A synchronous paint of the ladder alone (no event loop runs inside): waiting for
            # Qt's next update pass cost the click up to a frame.
            self.table.viewport().repaint()

    # -- repaint --------------------------------------------------------------------------
    def refresh(self) -> None:
        """Timer tick: repaint what changed in the pool since the last tick."""
        code = self._code
        if code is None:
            return
        now = time.monotonic()
        tv = self._source.version("ticker", code)
        if tv != self._tk_version:
            self._tk_version = tv
            t = self._source.latest_ticker(code)
            if t is not None:
                self._show_ticker(t, code)
        ov = self._source.version("orderbook", code)
        if ov != self._ob_version and (self._stale_ob is None or ov > self._stale_ob):
            self._ob_version = ov
            book = self._source.latest_orderbook(code)
            if book is not None:
                first = self.model.code != book.code
                self.model.set_book(book, now)
                self._update_summary()
                self.table.fit_columns()
                if first:
                    self._stale_ob = None
                    self._fast.stop()
                    self.table.follow_spread()
                else:
                    self.table.centre()
        else:
            self.model.expire_flashes(now)
        if self._fast.isActive() and now > self._fast_until:
            self._fast.stop()
        rv = self._source.version("trade", code)
        if rv != self._tr_version and (now - self._tape_at >= TAPE_MIN_S or not self.tape_model.rowCount()):
            # At most 10 tape updates a second: every insert repaints the whole tape, and nobody
            # reads fills faster than that; the first fills of a coin go in at once.
            self._tr_version = rv
            self._tape_at = now
            trades = self._source.recent_trades(code, self.tape_model.limit)
            if trades:
                if self._tk_version == -1 or self._source.latest_ticker(code) is None:
                    self.model.set_prev_close(trades[0].prev_closing_price)
                self.tape_model.set_krw_per_quote(self._krw_per_quote(code))
                self.tape_model.set_trades(trades)
                self._show_strength()

    def _krw_per_quote(self, code: str) -> float | None:
        """KRW price of the market's quote currency, for the tape's KRW thresholds."""
        quote = quote_of(code)
        if quote == "KRW":
            return 1.0
        t = self._source.latest_ticker(f"KRW-{quote}")
        return None if t is None else t.trade_price

    def _show_ticker(self, t: Ticker, code: str) -> None:
        self.model.set_prev_close(t.prev_closing_price)
        self.header.show_ticker(t, code)
        try:
            self._day_strength = strength(t.acc_bid_volume, t.acc_ask_volume)
        except TypeError:
            self._day_strength = None  # odd values: the label shows a dash, the ladder carries on
        self._show_strength()

    def centre_on_spread(self) -> None:
        """Scroll the ladder back to the spread and follow it again."""
        self.table.follow_spread()

    def refresh_colours(self) -> None:
        """Recolour the title price and the tape after a colour-scheme switch."""
        self._tk_version = -1
        self.header.forget_colours()
        self.model.repaint()
        self.tape_model.repaint()
        self.refresh()

    def _update_title(self) -> None:
        if self._code is None:
            self.header.show_title("-")
            return
        code = display_code(self._code)
        name = self._names.get(self._code, "")
        named = f"{name}  {code}" if name else code
        full = f"{self._venue_label} · {named}" if self._venue_label else named
        # A narrow pane drops the venue, then the name (the window title still names both).
        self.header.show_title(*dict.fromkeys((full, named, code)))

    def _update_summary(self) -> None:
        self.summary.show_book(self.model, quote_of(self._code or ""))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Report the first paint of a new coin's ladder (latency measurement, tests)."""
        if (
            event.type() == QEvent.Type.Paint
            and self._awaiting_paint is not None
            and self.model.code == self._awaiting_paint
        ):
            code = self._awaiting_paint
            self._awaiting_paint = None
            # Emit after the paint completes, so a listener sees a painted ladder.
            QTimer.singleShot(0, self, lambda: self.first_paint.emit(code))
        return super().eventFilter(watched, event)

    def splitter_state(self) -> bytes:
        """Ladder/tape split, for QSettings."""
        return bytes(self.splitter.saveState().data())
