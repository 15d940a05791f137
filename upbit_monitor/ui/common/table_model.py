"""A read-only table model base with fixed column titles: the ladder, the trade tape, my orders/fills/assets.

Subclasses set :attr:`HEADERS` (one title per column, in column order) and implement ``rowCount``
and ``data``. ``columnCount`` reads a plain tuple length because Qt calls it very often.
"""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class FixedColumnsModel(QAbstractTableModel):
    """Read-only cells under fixed horizontal header titles."""

    HEADERS: ClassVar[tuple[str, ...]] = ()
    # The ladder and tape are read, not picked from; rows of the private tables can be selected (and
    # copied) like any Qt table's.
    SELECTABLE: ClassVar[bool] = False

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Number of titles in :attr:`HEADERS` (0 under a valid parent: this is a flat table)."""
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles; no vertical header text."""
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Read-only cells (selectable ones when :attr:`SELECTABLE`)."""
        if self.SELECTABLE:
            return super().flags(index)
        return Qt.ItemFlag.ItemIsEnabled if index.isValid() else Qt.ItemFlag.NoItemFlags
