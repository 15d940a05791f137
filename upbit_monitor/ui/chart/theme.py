"""Colours of the chart (dark and light) and the readout text built from one bar."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor

from upbit_monitor.ui.chart.axes import format_kst, format_volume
from upbit_monitor.ui.chart.series import Bar
from upbit_monitor.ui.common.formatting import format_price

# Korean convention: red for a rise, blue for a fall (the window palette's dark-theme colours,
# so the chart matches the coin list and orderbook).
DEFAULT_UP = "#f75467"
DEFAULT_DOWN = "#4c8dff"


@dataclass(frozen=True, slots=True)
class ChartTheme:
    """Non-semantic colours of the chart surface."""

    background: str
    grid_alpha: float
    axis: str
    text: str
    crosshair: str
    crosshair_tag: str

    def qcolor(self, name: str) -> QColor:
        """A field as a QColor."""
        return QColor(str(getattr(self, name)))


DARK = ChartTheme(
    background="#15181e",
    grid_alpha=0.12,
    axis="#8b93a1",
    text="#d7dce4",
    crosshair="#9aa3b2",
    crosshair_tag="#3a4150",
)
LIGHT = ChartTheme(
    background="#ffffff",
    grid_alpha=0.15,
    axis="#5a6270",
    text="#1d2330",
    crosshair="#6b7280",
    crosshair_tag="#d5d9e0",
)


def readout_text(bar: Bar, prev_close: float | None, quote: str = "KRW") -> str:
    """One line of OHLCV for the crosshair: time (KST), O/H/L/C, change vs previous close, volume."""
    parts = [
        format_kst(bar.t, short=True),
        f"O {format_price(bar.open, quote)}",
        f"H {format_price(bar.high, quote)}",
        f"L {format_price(bar.low, quote)}",
        f"C {format_price(bar.close, quote)}",
    ]
    base = prev_close if prev_close else bar.open
    if base:
        parts.append(f"{(bar.close - base) / base * 100:+.2f}%")
    parts.append(f"V {format_volume(bar.volume)}")
    return "  ".join(parts)


def readout_html(
    bar: Bar, prev_close: float | None, up: QColor, down: QColor, muted: str, quote: str = "KRW"
) -> str:
    """The readout as rich text: labels muted, prices in the bar's colour, change by its sign.

    Each field is held together with non-breaking spaces and fields are separated by a breakable
    space, so a narrow chart wraps the readout between fields (the label word-wraps) instead of
    clipping the tail (volume, change).
    """
    price_colour = (up if bar.close >= bar.open else down).name()

    def field(label: str, value: str, colour: str) -> str:
        return f'<span style="color:{muted}">{label}</span>&nbsp;<span style="color:{colour}">{value}</span>'

    when = format_kst(bar.t, short=True).replace(" ", "&nbsp;")
    parts = [
        f'<span style="color:{muted}">{when}</span>',
        field("O", format_price(bar.open, quote), price_colour),
        field("H", format_price(bar.high, quote), price_colour),
        field("L", format_price(bar.low, quote), price_colour),
        field("C", format_price(bar.close, quote), price_colour),
    ]
    base = prev_close if prev_close else bar.open
    if base:
        change = (bar.close - base) / base * 100
        colour = up.name() if change > 0 else down.name() if change < 0 else muted
        parts.append(f'<span style="color:{colour}">{change:+.2f}%</span>')
    parts.append(field("V", format_volume(bar.volume), muted))
    return "&nbsp; ".join(parts)
