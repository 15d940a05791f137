"""The lines under the ladder: spread, mid, totals and the imbalance gauge."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from upbit_monitor.ui.common.display_guard import guarded, nothing
from upbit_monitor.ui.common.formatting import format_price, format_size_compact, format_spread
from upbit_monitor.ui.common.gauge import ImbalanceGauge
from upbit_monitor.ui.common.layout import flush_column
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.orderbook.model import OrderbookModel


class LadderSummary(QWidget):
    """Two lines: ``Spread … Mid …`` and ``Ask … [gauge] Bid …``."""

    def __init__(self, palette: Palette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._palette = palette

        def label(text: str) -> QLabel:
            lab = QLabel(text, self)
            lab.setObjectName("ObSummary")
            return lab

        self.spread_label = label("Spread -")
        self.mid_label = label("Mid -")
        self.total_ask = label("Ask -")
        self.total_bid = label("Bid -")
        self.gauge = ImbalanceGauge(palette, self)
        top = QHBoxLayout()
        top.addWidget(self.spread_label)
        top.addStretch(1)
        top.addWidget(self.mid_label)
        totals = QHBoxLayout()
        totals.addWidget(self.total_ask)
        totals.addWidget(self.gauge, 1)
        totals.addWidget(self.total_bid)
        flush_column(self, top, totals, spacing=3)

    @guarded("orderbook.summary", nothing)
    def show_book(self, model: OrderbookModel, quote: str) -> None:
        """Spread, mid, totals and imbalance of the model's snapshot."""
        sm = model.spread()
        if sm is None:
            self.spread_label.setText("Spread -")
            self.mid_label.setText("Mid -")
        else:
            spread, mid = sm
            pct = spread / mid * 100 if mid else 0.0
            self.spread_label.setText(f"Spread {format_spread(spread, mid, quote)} ({pct:.3f}%)")
            self.mid_label.setText(f"Mid {format_price(mid, quote)}")
        ask, bid = model.totals()
        self.total_ask.setText(f"Ask {format_size_compact(ask)}")
        self.total_bid.setText(f"Bid {format_size_compact(bid)}")
        self.gauge.set_value(model.imbalance())

    def reset(self) -> None:
        """Dashes (coin switch)."""
        self.spread_label.setText("Spread -")
        self.mid_label.setText("Mid -")
        self.total_ask.setText("Ask -")
        self.total_bid.setText("Bid -")
        self.gauge.set_value(None)
