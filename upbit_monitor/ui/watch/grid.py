"""The watch grid: one compact tile per favourite coin (last price, change, sparkline, premium).

One widget paints every tile (no widget per coin), from the manager's pull API on its own timer:
the ticker version tells whether a coin moved, so an idle grid costs a dictionary lookup per coin.
The grid subscribes to the favourites' tickers with ONE register-or-update call whenever the list
changes. The sparkline samples the last price every few seconds into a bounded ring covering ~10
minutes; a coin's tile starts with its last minutes from the chart's history loader when the
composition root gave one (the line between minute closes, a minute's worth of samples each), so
the line is there from the first paint instead of growing for ten minutes. Clicking a tile emits
``sigCodeClicked``; the pane host turns that into a link-aware selection.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF, QResizeEvent
from PySide6.QtWidgets import QScrollArea, QSizePolicy, QWidget
from shiboken6 import isValid

from upbit_monitor.errors import UpbitMonitorError
from upbit_monitor.protocol.events import Ticker
from upbit_monitor.protocol.subscriptions import SubscriptionSpec
from upbit_monitor.ui.common.formatting import display_code, format_change_rate, format_price, quote_of
from upbit_monitor.ui.common.frame_clock import LIST_MS, FrameClock
from upbit_monitor.ui.common.loop import running_loop
from upbit_monitor.ui.common.theme import Palette

TILE_W, TILE_H, GAP = 168, 66, 6
SAMPLE_S = 5.0
SAMPLES = 120  # 10 minutes at one sample per 5 s
PER_MINUTE = round(60 / SAMPLE_S)  # samples a minute's close stands for
HISTORY_MINUTES = SAMPLES // PER_MINUTE

RecentCloses = Callable[[str], Awaitable[Sequence[float]]]
"""``code`` -> the closes of its last :data:`HISTORY_MINUTES` minutes or so, oldest first."""

log = logging.getLogger(__name__)


class TickerSource(Protocol):
    def want(self, component: object, specs: Sequence[SubscriptionSpec]) -> None: ...
    def latest_ticker(self, code: str) -> Ticker | None: ...
    def version(self, type: str, code: str) -> int: ...


@dataclass(slots=True)
class _Tile:
    code: str
    ticker: Ticker | None = None
    version: int = -1
    samples: deque[float] = field(default_factory=lambda: deque(maxlen=SAMPLES))
    last_sample: float = 0.0


class _Tiles(QWidget):
    """The painted tiles (inside the grid's scroll area). Holds data, never the grid itself."""

    def __init__(self, palette: Palette, names: Callable[[str], str],
                 premium: Callable[[str], float | None] | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.palette_ = palette
        self.names = names
        self.premium = premium
        self.tiles: list[_Tile] = []
        self.current: str | None = None
        self._bold = QFont(self.font())
        self._bold.setBold(True)
        self._big = QFont(self.font())
        self._big.setPointSizeF(self.font().pointSizeF() * 1.25)
        self._big.setBold(True)

    def columns(self) -> int:
        return max(1, (self.width() - GAP) // (TILE_W + GAP))

    def rect_of(self, i: int) -> QRectF:
        cols = self.columns()
        width = (self.width() - GAP * (cols + 1)) / cols
        row, col = divmod(i, cols)
        return QRectF(GAP + col * (width + GAP), GAP + row * (TILE_H + GAP), width, TILE_H)

    def needed_height(self, width: int) -> int:
        cols = max(1, (width - GAP) // (TILE_W + GAP))
        rows = max(1, -(-len(self.tiles) // cols))
        return GAP + rows * (TILE_H + GAP)

    def code_at(self, x: float, y: float) -> str | None:
        for i, tile in enumerate(self.tiles):
            if self.rect_of(i).contains(QPointF(x, y)):
                return tile.code
        return None

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette_
        base = QColor("#1b1f27") if pal.dark else QColor("#f3f4f6")
        text = QColor("#e6e9ef") if pal.dark else QColor("#1d2330")
        if not self.tiles:
            p.setPen(pal.muted)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       "Star coins in the Markets list to watch them here.")
            return
        for i, tile in enumerate(self.tiles):
            r = self.rect_of(i)
            if not r.intersects(QRectF(event.rect())):
                continue
            p.setPen(QPen(pal.flash if tile.code == self.current else base, 1.5))
            p.setBrush(base)
            p.drawRoundedRect(r, 5, 5)
            self._paint_tile(p, tile, r.adjusted(8, 5, -8, -5), text)

    def _paint_tile(self, p: QPainter, tile: _Tile, r: QRectF, text: QColor) -> None:
        pal = self.palette_
        t = tile.ticker
        rate = t.signed_change_rate if t is not None else 0.0
        colour = pal.up if rate > 0 else pal.down if rate < 0 else pal.flat
        if len(tile.samples) >= 2:
            self._paint_sparkline(p, tile.samples, r.adjusted(0, 18, 0, 0), colour)
        line = r.height() / 3
        p.setFont(self._bold)
        p.setPen(text)
        top = QRectF(r.left(), r.top(), r.width(), line)
        p.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, display_code(tile.code))
        p.setFont(self.font())
        p.setPen(colour)
        p.drawText(top, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                   format_change_rate(rate) if t is not None else "")
        mid = QRectF(r.left(), r.top() + line, r.width(), line)
        p.setFont(self._big)
        p.drawText(mid, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   format_price(t.trade_price, quote_of(tile.code)) if t is not None else "—")
        p.setFont(self.font())
        bottom = QRectF(r.left(), r.top() + 2 * line, r.width(), line)
        p.setPen(pal.muted)
        p.drawText(bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.names(tile.code))
        premium = self.premium(tile.code) if self.premium is not None else None
        if premium is not None:
            p.drawText(bottom, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       f"김프 {premium * 100:+.2f}%")

    @staticmethod
    def _paint_sparkline(p: QPainter, samples: deque[float], r: QRectF, colour: QColor) -> None:
        lo, hi = min(samples), max(samples)
        span = hi - lo or 1.0
        n = len(samples)
        points = QPolygonF(
            [QPointF(r.left() + r.width() * i / (n - 1), r.bottom() - (v - lo) / span * r.height())
             for i, v in enumerate(samples)]
        )
        faded = QColor(colour)
        faded.setAlpha(110)
        p.setPen(QPen(faded, 1.2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolyline(points)


class WatchGrid(QScrollArea):
    """Tiles of the favourites. **Signals:** ``sigCodeClicked(str)``; ``sigError(str)``."""

    sigCodeClicked = Signal(str)
    sigError = Signal(str)

    def __init__(
        self,
        source: TickerSource,
        palette: Palette,
        *,
        names: Callable[[str], str] | None = None,
        premium: Callable[[str], float | None] | None = None,
        refresh_hz: float = 4.0,
        clock: Callable[[], float] = time.monotonic,
        history: RecentCloses | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("WatchGrid")
        self._source = source
        self._history = history
        self._reads: dict[str, asyncio.Task[None]] = {}
        self._clock = clock
        self._tiles: list[_Tile] = []
        self._registered = False
        self.canvas = _Tiles(palette, names or (lambda _code: ""), premium, self)
        self.setWidget(self.canvas)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setMinimumSize(TILE_W + 2 * GAP, TILE_H + 2 * GAP)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.installEventFilter(self)
        # The shared frame clock (hidden grids do not tick), in the list's phase at ~refresh_hz.
        FrameClock.shared().add(self, self.poll, interval_ms=1000 / refresh_hz, phase_ms=LIST_MS)

    # ---- public API --------------------------------------------------------------------------
    @property
    def codes(self) -> list[str]:
        """The coins shown, in order."""
        return [t.code for t in self._tiles]

    def set_codes(self, codes: Sequence[str]) -> None:
        """Show these coins (the favourites); one subscription change for the whole list."""
        old = {t.code: t for t in self._tiles}
        self._tiles = [old.get(c) or _Tile(c) for c in dict.fromkeys(codes)]
        for code in set(self._reads) - set(self.codes):
            self._reads.pop(code).cancel()  # unstarred while its past was loading
        for tile in self._tiles:
            if tile.code not in old:
                self._load_past(tile)
        self.canvas.tiles = self._tiles
        specs = [SubscriptionSpec("ticker", tuple(self.codes))] if self._tiles else []
        try:
            if specs or self._registered:
                self._source.want(self, specs)  # register-or-update in one call
                self._registered = True
        except UpbitMonitorError as exc:
            self.sigError.emit(f"watch grid subscription failed: {exc}")
        self.poll()
        self._fit()
        self.canvas.update()

    def show_code(self, code: str) -> None:
        """Highlight ``code``'s tile (the coin the pane's link points at)."""
        self.canvas.current = code
        self.canvas.update()

    def samples(self, code: str) -> list[float]:
        """The sparkline samples of ``code`` (tests)."""
        return next((list(t.samples) for t in self._tiles if t.code == code), [])

    def code_at(self, x: float, y: float) -> str | None:
        """The coin whose tile contains the point (canvas coordinates)."""
        return self.canvas.code_at(x, y)

    def pending_reads(self) -> list[asyncio.Task[None]]:
        """History reads still running (the window cancels them on close)."""
        return [t for t in self._reads.values() if not t.done()]

    # ---- the sparkline's past ----------------------------------------------------------------
    def _load_past(self, tile: _Tile) -> None:
        if self._history is None:
            return
        loop = running_loop()
        if loop is None:
            return  # a synchronous test: the live samples draw the line
        self._reads[tile.code] = loop.create_task(self._prepend_past(tile, self._history))

    async def _prepend_past(self, tile: _Tile, history: RecentCloses) -> None:
        try:
            closes = await history(tile.code)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the tile lives on its live samples; nothing else depends on this
            log.warning("sparkline history for %s unavailable: %s", tile.code, exc)
            return
        if not isValid(self) or not any(t is tile for t in self._tiles):
            return  # the pane closed, or the coin was unstarred, meanwhile
        self._reads.pop(tile.code, None)
        past = _minute_samples([float(c) for c in closes[-(HISTORY_MINUTES + 1):]])
        room = SAMPLES - len(tile.samples)
        if past and room > 0:
            tile.samples.extendleft(reversed(past[-room:]))  # older than every live sample
            self.canvas.update()

    # ---- data --------------------------------------------------------------------------------
    def poll(self) -> None:
        """Timer tick: read tickers whose version moved; repaint only if something changed."""
        now = self._clock()
        changed = False
        for tile in self._tiles:
            version = self._source.version("ticker", tile.code)
            if version != tile.version:
                tile.version = version
                ticker = self._source.latest_ticker(tile.code)
                if ticker is not None:
                    tile.ticker = ticker
                    changed = True
            if tile.ticker is not None and (not tile.samples or now - tile.last_sample >= SAMPLE_S):
                tile.samples.append(tile.ticker.trade_price)
                tile.last_sample = now
                changed = True
        if changed:
            self.canvas.update()

    # ---- geometry and input ------------------------------------------------------------------
    def _fit(self) -> None:
        self.canvas.setMinimumHeight(self.canvas.needed_height(self.viewport().width()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.canvas and event.type() == QEvent.Type.MouseButtonPress:
            assert isinstance(event, QMouseEvent)
            code = self.canvas.code_at(event.position().x(), event.position().y())
            if code is not None and event.button() == Qt.MouseButton.LeftButton:
                self.sigCodeClicked.emit(code)
                return True
        return super().eventFilter(watched, event)


def _minute_samples(closes: list[float]) -> list[float]:
    """The samples the line through consecutive minute closes passes, :data:`PER_MINUTE` a minute
    (the first close only starts the line; a lone close is a flat minute)."""
    pairs = list(pairwise(closes)) or [(c, c) for c in closes]
    return [a + (b - a) * (k + 1) / PER_MINUTE for a, b in pairs for k in range(PER_MINUTE)]
