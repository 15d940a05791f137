"""Qt table models over the alert engine: the rules table and the trigger log.

Both read the engine (the source of truth) and are refreshed by its listeners: the rules model on
``add_rule_listener`` (rare), the log model on each trigger (rare: cooldowns), so neither needs a
repaint timer.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from upbit_monitor.features.alerts import KIND_LABELS, AlertEngine, AlertRule, Trigger, describe
from upbit_monitor.ui.common.formatting import display_code
from upbit_monitor.ui.common.table_model import FixedColumnsModel

Index = QModelIndex | QPersistentModelIndex
_NO_INDEX = QModelIndex()


class RulesModel(FixedColumnsModel):
    """One row per rule: enabled (checkable), kind, market, condition, cooldown, note."""

    HEADERS = ("On", "Kind", "Venue", "Market", "Condition", "Cooldown", "Note")

    def __init__(self, engine: AlertEngine, parent: Any = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._rules: list[AlertRule] = engine.rules()
        self._unlisten = engine.add_rule_listener(self.reload)

    def reload(self) -> None:
        """Re-read the rules from the engine."""
        self.beginResetModel()
        self._rules = self.engine.rules()
        self.endResetModel()

    def close(self) -> None:
        """Stop following the engine."""
        self._unlisten()

    def rule_at(self, row: int) -> AlertRule | None:
        """The rule shown in ``row``."""
        return self._rules[row] if 0 <= row < len(self._rules) else None

    def row_of(self, rule_id: int) -> int:
        """The row of a rule id, -1 if absent."""
        return next((i for i, r in enumerate(self._rules) if r.id == rule_id), -1)

    def rowCount(self, parent: Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self._rules)

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        rule = self.rule_at(index.row())
        if rule is None or not index.isValid():
            return None
        col = index.column()
        if role == Qt.ItemDataRole.CheckStateRole and col == 0:
            return Qt.CheckState.Checked if rule.enabled else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            market = display_code(rule.market) if rule.market else "-"  # BTC/KRW, as everywhere
            return (None, KIND_LABELS[rule.kind], rule.venue, market,
                    describe(rule), f"{rule.cooldown_s:g} s", rule.note)[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return describe(rule)
        return None


class TriggerModel(FixedColumnsModel):
    """The trigger log, newest first: time, market, rule, value."""

    HEADERS = ("Time", "Market", "Rule", "Value")
    SELECTABLE = True  # selectable rows, as with the Qt default flags this model had before

    def __init__(self, engine: AlertEngine, parent: Any = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._rows: list[Trigger] = list(engine.recent)
        self._unlisten = engine.add_trigger_listener(self._on_trigger)

    def _on_trigger(self, trig: Trigger) -> None:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._rows.insert(0, trig)
        self.endInsertRows()
        limit = self.engine.recent.maxlen or 500
        if len(self._rows) > limit:
            self.beginRemoveRows(QModelIndex(), limit, len(self._rows) - 1)
            del self._rows[limit:]
            self.endRemoveRows()

    def set_history(self, triggers: list[Trigger]) -> None:
        """Show a page of the stored history (newest first)."""
        self.beginResetModel()
        self._rows = list(triggers)
        self.endResetModel()

    def close(self) -> None:
        """Stop following the engine."""
        self._unlisten()

    def trigger_at(self, row: int) -> Trigger | None:
        """The trigger shown in ``row``."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        trig = self.trigger_at(index.row())
        if trig is None or not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            if col == 0:
                return time.strftime("%m-%d %H:%M:%S", time.localtime(trig.at_ms / 1000))
            if col == 1:
                return display_code(trig.market) if trig.market else trig.venue
            if col == 2:
                return trig.message.partition(": ")[0]
            return _value_text(trig)
        if role == Qt.ItemDataRole.ToolTipRole:
            return trig.message
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _value_text(trig: Trigger) -> str:
    kind = trig.kind
    if kind in ("move", "change_24h", "premium"):
        return f"{trig.value:+.2f} %"
    if kind in ("volume_spike", "imbalance"):
        return f"{trig.value:.1f}x"
    if kind == "whale":
        return f"{trig.value:,.0f} KRW"
    if kind == "connection":
        return f"{trig.value:.0f} s"
    if kind == "listing":
        return "-"
    return f"{trig.value:,.8g}"
