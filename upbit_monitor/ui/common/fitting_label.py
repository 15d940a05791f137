"""A one-line label that shows the longest of several phrasings that fits its width.

Headers like the premium chart's ("Premium BTC/KRW: Binance +3.09%  Bybit +3.39%  Bithumb -0.20%") are
longer than a narrow dock: as a plain QLabel their width became the dock's minimum, and at 1024x700
the whole Premium dock, plot and axis included, ran past the window's right edge. A
:class:`FittingLabel` never asks for width (minimum 1, horizontal policy Ignored) and, at every
resize and text change, shows the first phrasing that fits; the last one is shown, elided, if none
does. Phrasings are given from the most to the least complete, so nothing is cut mid-number.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class FittingLabel(QLabel):
    """One line: the first of :meth:`set_variants`' phrasings that fits the width."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._variants: list[tuple[str, str]] = []
        self.setWordWrap(False)
        self.setMinimumWidth(1)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_variants(self, variants: Sequence[tuple[str, str]]) -> None:
        """``(shown, plain)`` pairs, most complete first: ``shown`` may be rich text, ``plain`` is
        the same words without markup (what is measured)."""
        self._variants = list(variants)
        self._fit()

    def full_text(self) -> str:
        """The most complete phrasing, whatever the width (tooltips, tests)."""
        return self._variants[0][0] if self._variants else self.text()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Choose the phrasing again for the new width."""
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if not self._variants:
            return
        # Until it is shown the width is not the laid-out one: show the whole text meanwhile.
        room = self.contentsRect().width() if self.isVisible() else None
        metrics = self.fontMetrics()
        fitting = (s for s, p in self._variants if room is None or metrics.horizontalAdvance(p) <= room)
        shown = next(fitting, None)
        if shown is None:
            shown = metrics.elidedText(self._variants[-1][1], Qt.TextElideMode.ElideRight, room or 1)
        if shown != self.text():
            self.setText(shown)
