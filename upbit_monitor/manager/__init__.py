"""manager layer: GlobalWebSocketManager, component registry, routing, metrics, data pool.

Public names::

    from upbit_monitor.manager import GlobalWebSocketManager, StateChange, ConnState,
        ConnectionMetrics, RegistrationInfo, health_score
"""

from upbit_monitor.connection.state import ConnState, StateChange
from upbit_monitor.manager.manager import GlobalWebSocketManager
from upbit_monitor.manager.metrics import ConnectionMetrics, health_score
from upbit_monitor.manager.registry import RegistrationInfo

__all__ = [
    "ConnState",
    "ConnectionMetrics",
    "GlobalWebSocketManager",
    "RegistrationInfo",
    "StateChange",
    "health_score",
]
