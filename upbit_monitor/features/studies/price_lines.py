"""Horizontal price lines the user draws on a chart, kept per market (``KRW-BTC``), persisted as dicts.

Lines belong to the market, not to a chart pane: every chart showing that coin draws them, and
they come back after a coin switch and a restart. Alert lines (the alerts engine's thresholds) are
drawn by the chart from its own provider and are not stored here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from upbit_monitor.errors import StudySettingsError

MAX_LINES_PER_MARKET = 50


@dataclass(frozen=True, slots=True)
class PriceLine:
    """One line: a stable id within its market and a price."""

    line_id: int
    price: float


class PriceLineBook:
    """Price lines per market; ``version`` moves on every change (charts repaint on it)."""

    def __init__(self) -> None:
        self._lines: dict[str, list[PriceLine]] = {}
        self.version = 0

    def lines(self, code: str) -> list[PriceLine]:
        """The market's lines, lowest price first."""
        return sorted(self._lines.get(code, ()), key=lambda line: line.price)

    def markets(self) -> list[str]:
        """Markets that have lines."""
        return [code for code, lines in self._lines.items() if lines]

    def add(self, code: str, price: float) -> PriceLine:
        """Draw a line at ``price``."""
        _check_price(price)
        lines = self._lines.setdefault(code, [])
        if len(lines) >= MAX_LINES_PER_MARKET:
            raise StudySettingsError(f"{code} already has {MAX_LINES_PER_MARKET} price lines")
        line = PriceLine(max((x.line_id for x in lines), default=0) + 1, float(price))
        lines.append(line)
        self.version += 1
        return line

    def move(self, code: str, line_id: int, price: float) -> None:
        """Drag a line to ``price``."""
        _check_price(price)
        lines = self._lines.get(code, [])
        for i, line in enumerate(lines):
            if line.line_id == line_id:
                lines[i] = PriceLine(line_id, float(price))
                self.version += 1
                return
        raise KeyError(f"{code} has no price line {line_id}")

    def remove(self, code: str, line_id: int) -> None:
        """Delete one line (unknown ids are ignored: a double click may race a redraw)."""
        lines = self._lines.get(code, [])
        kept = [line for line in lines if line.line_id != line_id]
        if len(kept) != len(lines):
            self._lines[code] = kept
            self.version += 1

    def clear(self, code: str) -> None:
        """Delete every line of ``code``."""
        if self._lines.pop(code, None):
            self.version += 1

    def to_dict(self) -> dict[str, list[float]]:
        """``{"KRW-BTC": [price, ...]}`` (ids are renumbered on load)."""
        return {code: [line.price for line in self.lines(code)] for code in self.markets()}

    @classmethod
    def from_dict(cls, data: object) -> tuple[PriceLineBook, list[str]]:
        """The book plus one message per entry that was skipped."""
        book, problems = cls(), []
        if not isinstance(data, Mapping):
            return book, [f"stored price lines are damaged ({type(data).__name__}); starting empty"]
        for code, prices in data.items():
            if not isinstance(code, str) or not isinstance(prices, list):
                problems.append(f"price lines of {code!r} skipped: not a list")
                continue
            for price in prices:
                try:
                    book.add(code, price)
                except StudySettingsError as exc:
                    problems.append(f"price line {price!r} of {code} skipped: {exc}")
        book.version = 0
        return book, problems


def _check_price(price: Any) -> None:
    number = isinstance(price, int | float) and not isinstance(price, bool)
    if not number or not math.isfinite(price) or price <= 0:
        raise StudySettingsError(f"a price line needs a positive price, got {price!r}")
