"""Alerts: rules over the market streams, evaluated in O(1) per event, stored, delivered.

Qt-free. The engine (:class:`AlertEngine`) listens to the manager, the store keeps rules and the
trigger history in the database, :class:`Delivery` shows triggers through a native notifier.
"""

from upbit_monitor.features.alerts.delivery import Delivery, LogNotifier, Notifier, NotifierUnavailable
from upbit_monitor.features.alerts.desktop import DesktopNotifierBackend
from upbit_monitor.features.alerts.engine import AlertEngine
from upbit_monitor.features.alerts.rules import KIND_LABELS, AlertRule, RuleKind, describe, validate_rule
from upbit_monitor.features.alerts.store import AlertStore
from upbit_monitor.features.alerts.triggers import Trigger

__all__ = [
    "KIND_LABELS",
    "AlertEngine",
    "AlertRule",
    "AlertStore",
    "Delivery",
    "DesktopNotifierBackend",
    "LogNotifier",
    "Notifier",
    "NotifierUnavailable",
    "RuleKind",
    "Trigger",
    "describe",
    "validate_rule",
]
