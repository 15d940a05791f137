"""Table model of the manager's per-connection metrics: one column per connection, one row per metric.

Rows are discovered from the metrics snapshot itself (dataclass fields or NamedTuple fields), so
every metric the manager reports is shown, including ones added later; known fields get a short
title and a readable format.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from upbit_monitor.exchanges.registry import krw_venues, premium_venues
from upbit_monitor.ui.common.display_guard import display_text, guarded
from upbit_monitor.ui.common.formatting import format_bytes_rate, format_duration
from upbit_monitor.ui.common.theme import health_colour

Index = QModelIndex | QPersistentModelIndex

# Short titles: the longest one sets the width of the row header, taken from every connection column.
TITLES: dict[str, str] = {
    "state": "State",
    "connected_since": "Uptime",
    "msgs_total": "Msgs",
    "bytes_total": "Bytes",
    "msgs_per_s": "Msg/s",
    "bytes_per_s": "Rate",
    "last_message_age_s": "Last msg",
    "last_data_age_s": "Data age",
    "errors": "Errors",
    "reconnects": "Reconn.",
    "last_close_code": "Close",
    "last_close_reason": "Close reason",
    "epoch": "Epoch",
    "stale_dropped": "Stale drop",
    "requests_sent": "Requests",
    "last_request": "Last request",
    "rate_budget_s": "Budget/s",
    "rate_budget_min": "Budget/min",
    "health": "Health",
    "last_server_error": "Error frame",
    "unknown_messages": "Unknown",
    "parse_errors": "Parse errors",
    "parse_errors_by_reason": "Rejected",
    "unexpected_events": "Unexpected",
    "server_errors": "Server errors",
    "callback_errors": "Callback err.",
    "last_error": "Last error",
    "subscribed_pairs": "Subscribed",
    "last_message_age_by_key": "Stalest",
    "url": "URL",
    "proxy": "Proxy",
}
# Shown as the column header, not as a row.
HIDDEN_FIELDS = frozenset({"name"})
# Metrics that matter most come first; anything else follows in the snapshot's own order.
PREFERRED = tuple(TITLES)

STATE_COLOURS = {
    "connected": QColor("#2ecc71"),
    "open": QColor("#2ecc71"),
    "connecting": QColor("#f1c40f"),
    "reconnecting": QColor("#f1c40f"),
    "backoff": QColor("#f1c40f"),
    "stale": QColor("#e67e22"),
    "failed": QColor("#e74c3c"),
    "fatal": QColor("#e74c3c"),
    "closed": QColor("#7d8590"),
    "idle": QColor("#7d8590"),
    "disconnected": QColor("#e74c3c"),
}


def metric_fields(snapshot: object) -> dict[str, Any]:
    """Field name -> value of a metrics snapshot (dataclass, NamedTuple or plain object)."""
    if dataclasses.is_dataclass(snapshot) and not isinstance(snapshot, type):
        return {f.name: getattr(snapshot, f.name) for f in dataclasses.fields(snapshot)}
    as_dict = getattr(snapshot, "_asdict", None)
    if callable(as_dict):
        return dict(as_dict())
    if isinstance(snapshot, Mapping):
        return dict(snapshot)
    return {k: v for k, v in vars(snapshot).items() if not k.startswith("_")}


# The Korean venues first (the trader's own, Upbit first), then the premium's foreign references.
VENUE_ORDER = tuple(d.venue for d in krw_venues()) + tuple(d.venue for d in premium_venues())


def connection_order(connection: str) -> tuple[int, bool, str]:
    """Sort key of the metrics columns: by venue (:data:`VENUE_ORDER`), public before private.

    Sorted by name, Upbit's columns came last and sat behind the table's scroll bar at 1024 and
    1600 px (binance, bithumb priv, bithumb, bybit, upb…), the connection a trader checks first.
    """
    venue, _, kind = connection.partition("-")
    rank = VENUE_ORDER.index(venue) if venue in VENUE_ORDER else len(VENUE_ORDER)
    return rank, kind == "private", connection


def short_name(connection: str) -> str:
    """Compact column title: ``upbit-public`` -> ``upbit``, ``upbit-private`` -> ``upbit priv``."""
    return connection.replace("-public", "").replace("-private", " priv")


def state_text(value: Any) -> str:
    """An enum member or string state as lowercase text."""
    name = getattr(value, "name", None)
    text = name if isinstance(name, str) else str(value)
    return text.lower()


def format_metric(name: str, value: Any, now_wall: float | None = None) -> str:
    """Human-readable text of one metric."""
    if value is None or value == "":
        return "-"
    if name == "state":
        return state_text(value)
    if name == "connected_since":
        if isinstance(value, int | float):
            # Wall-clock timestamps are > 1e9; anything smaller is a monotonic reading.
            now = (time.time() if now_wall is None else now_wall) if value > 1e9 else time.monotonic()
            return format_duration(max(0.0, now - float(value)))
        return str(value)
    if name in ("last_message_age_s", "last_data_age_s") and isinstance(value, int | float):
        return format_duration(float(value))
    if name == "bytes_per_s" and isinstance(value, int | float):
        return format_bytes_rate(float(value))
    if name == "msgs_per_s" and isinstance(value, int | float):
        return f"{value:,.1f}"
    if name in ("rate_budget_s", "rate_budget_min") and isinstance(value, int) and value < 0:
        return "unlimited"
    if name == "last_server_error" and isinstance(value, tuple) and len(value) == 2:
        return f"{value[0]}: {value[1]}"
    if name == "last_message_age_by_key" and isinstance(value, Mapping):
        if not value:
            return "-"
        (type_, code), age = max(value.items(), key=lambda kv: kv[1])
        return f"{type_} {code} {format_duration(float(age))} ({len(value)} streams)"
    if name == "parse_errors_by_reason" and isinstance(value, Mapping):
        # The commonest reason first: "ticker.trade_price: wrong type ×9 (+2 more)".
        if not value:
            return "-"
        reason, count = max(value.items(), key=lambda kv: kv[1])
        more = f" (+{len(value) - 1} more)" if len(value) > 1 else ""
        return f"{reason} ×{count:,}{more}"
    if name == "health" and isinstance(value, int | float):
        return f"{value * 100:.0f}%"
    if name == "bytes_total" and isinstance(value, int | float):
        return f"{value / 1e6:,.1f} MB" if value >= 1e6 else f"{value / 1e3:,.1f} KB"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


class MetricsModel(QAbstractTableModel):
    """Metrics x connections. Cells keep Qt's table flags: selectable (values can be copied), never
    editable."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._names: list[str] = []
        self._fields: list[str] = []
        self._rows: list[dict[str, Any]] = []

    def connection_names(self) -> list[str]:
        """Connections shown, in row order."""
        return list(self._names)

    def field_names(self) -> list[str]:
        """Metric fields shown, in row order."""
        return list(self._fields)

    def value(self, connection: str, field: str) -> Any:
        """Raw value of one metric."""
        try:
            return self._rows[self._names.index(connection)].get(field)
        except ValueError:
            return None

    def set_metrics(self, metrics: Mapping[str, object]) -> None:
        """Show a new snapshot; resets only when the set of connections or fields changed."""
        names = sorted(metrics, key=connection_order)
        rows = [metric_fields(metrics[n]) for n in names]
        seen: dict[str, None] = {}
        for r in rows:
            for k in r:
                seen.setdefault(k, None)
        fields = [f for f in PREFERRED if f in seen] + [
            f for f in seen if f not in TITLES and f not in HIDDEN_FIELDS
        ]
        if names != self._names or fields != self._fields:
            self.beginResetModel()
            self._names, self._fields, self._rows = names, fields, rows
            self.endResetModel()
            return
        self._rows = rows
        if rows and fields:
            self.dataChanged.emit(self.index(0, 0), self.index(len(fields) - 1, len(rows) - 1))

    # Transposed on purpose: one COLUMN per connection (a "card"), one row per metric, so the
    # connections sit side by side and every metric is readable without horizontal scrolling.
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """One row per metric."""
        return 0 if parent.isValid() else len(self._fields)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """One column per connection."""
        return 0 if parent.isValid() else len(self._names)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Connection names across, short metric titles down (raw field name as tooltip)."""
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self._names):
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                return short_name(self._names[section])
            if role == Qt.ItemDataRole.ToolTipRole:
                return self._names[section]
            return None
        if not 0 <= section < len(self._fields):
            return None
        name = self._fields[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return TITLES.get(name, name.replace("_", " "))
        if role == Qt.ItemDataRole.ToolTipRole:
            return name
        return None

    @guarded("status.metrics", display_text)
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Formatted metric, with state/health colours and full text as tooltip."""
        if not index.isValid() or not 0 <= index.row() < len(self._fields):
            return None
        if not 0 <= index.column() < len(self._names):
            return None
        field = self._fields[index.row()]
        value = self._rows[index.column()].get(field)
        if role == Qt.ItemDataRole.DisplayRole:
            return format_metric(field, value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return None if value is None else str(value)
        if role == Qt.ItemDataRole.ForegroundRole:
            if field == "state":
                return STATE_COLOURS.get(state_text(value))
            if field == "health" and isinstance(value, int | float):
                return health_colour(float(value))
            if field in ("last_server_error", "errors") and value:
                return QColor("#e74c3c")
        return None
