"""Flush columns: the one way views stack their parts (pane bodies, ladder, chart, headers).

A dock, a pane frame or a splitter already draws the edge and the style sheet gives the padding, so
a view's own vertical layout has no margins: otherwise every nested level adds the style's default
margin (about 9 px) and the ladder, the chart and the pane bodies stop lining up with their headers.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLayout, QVBoxLayout, QWidget

Part = QWidget | QLayout
Stretched = tuple[Part, int]  # (part, stretch factor): the part takes that share of spare height


def flush_column(owner: QWidget, *parts: Part | Stretched, spacing: int = 0) -> QVBoxLayout:
    """Set a margin-free vertical layout of ``parts`` (top to bottom) on ``owner`` and return it."""
    column = QVBoxLayout(owner)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(spacing)
    for part in parts:
        item, stretch = part if isinstance(part, tuple) else (part, 0)
        if isinstance(item, QLayout):
            column.addLayout(item, stretch)
        else:
            column.addWidget(item, stretch)
    return column
