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


# Which readout fields go first when the chart is too narrow for one line of all of them: the volume,
# then the time (the crosshair's line shows where), the open, the change, high and low; the close stays.
DROP_ORDER = ("V", "time", "O", "change", "H", "L")


def readout_fields(
    bar: Bar, prev_close: float | None, up: QColor, down: QColor, muted: str, quote: str = "KRW"
) -> list[tuple[str, str, str]]:
    """``(key, plain, html)`` per readout field, in display order (see :func:`readout_text`)."""
    price_colour = (up if bar.close >= bar.open else down).name()

    def field(label: str, value: str, colour: str) -> tuple[str, str, str]:
        html = f'<span style="color:{muted}">{label}</span>&nbsp;<span style="color:{colour}">{value}</span>'
        return label, f"{label} {value}", html

    when = format_kst(bar.t, short=True)
    fields = [
        ("time", when, f'<span style="color:{muted}">{when.replace(" ", "&nbsp;")}</span>'),
        field("O", format_price(bar.open, quote), price_colour),
        field("H", format_price(bar.high, quote), price_colour),
        field("L", format_price(bar.low, quote), price_colour),
        field("C", format_price(bar.close, quote), price_colour),
    ]
    base = prev_close if prev_close else bar.open
    if base:
        change = (bar.close - base) / base * 100
        colour = up.name() if change > 0 else down.name() if change < 0 else muted
        fields.append(("change", f"{change:+.2f}%", f'<span style="color:{colour}">{change:+.2f}%</span>'))
    fields.append(field("V", format_volume(bar.volume), muted))
    return fields


def readout_text(bar: Bar, prev_close: float | None, quote: str = "KRW") -> str:
    """One line of OHLCV for the crosshair: time (KST), O/H/L/C, change vs previous close, volume."""
    grey = QColor("#808080")
    return "  ".join(plain for _, plain, _ in readout_fields(bar, prev_close, grey, grey, "#808080", quote))
