"""The one error root of upbit-monitor and its tree.

Every exception the package raises on purpose derives from :class:`UpbitMonitorError`, so a caller
can catch "anything of ours" in one clause. Third-party exceptions (websockets, SQLAlchemy, orjson)
are mapped at the layer boundary with ``raise ... from exc`` so their types never leak upward::

    UpbitMonitorError
    ├── ConfigError                 bad setting or environment value
    │   ├── StudySettingsError      a chart study's stored or entered settings are invalid
    │   └── WorkspaceError          a stored workspace / pane link is invalid
    ├── AlertRuleError              an alert rule with an impossible value (also a ValueError)
    ├── ProtocolError               wire-level problems (protocol/ raises these, plus ConfigError
    │                               for bad policy arguments)
    │   ├── LocalProtocolError      we were about to send something invalid (request building)
    │   │   └── RequestError        a subscription request failed validation
    │   └── RemoteProtocolError     the peer sent something we cannot decode
    │       └── ParseError          a frame is not valid JSON / not UTF-8, or a value broke a rule
    ├── ConnectionFailure           connection layer: handshake refused, closed, timed out
    │   ├── HandshakeRejected       the upgrade got an HTTP error status (.status)
    │   ├── AuthError               the exchange rejected our credentials (fatal, no retry)
    │   └── RestError               a REST call failed (HTTP status, error body, network, 429/418)
    ├── ManagerError                misuse of the manager (shut down, bad registration)
    ├── StorageError                database layer
    │   └── StorageUnavailable      the cause may clear (locked, connection lost, disk full,
    │                               read-only): retry later, keep the data (.cause)
    └── KeyStoreError               API key storage (keyring) problems; never carries a secret
        └── KeyFormatError          a key is malformed (empty, short, stray characters)
"""

from __future__ import annotations


class UpbitMonitorError(Exception):
    """Root of every error raised by upbit-monitor."""


class ConfigError(UpbitMonitorError):
    """A setting or environment variable has an invalid value."""


class StudySettingsError(ConfigError):
    """A chart study's settings are invalid (unknown kind, period out of range, damaged store)."""


class WorkspaceError(ConfigError):
    """A stored workspace, pane or link group is invalid (unknown pane kind, bad group, damaged store)."""


class AlertRuleError(UpbitMonitorError, ValueError):
    """An alert rule was refused: unknown kind, impossible value (negative price, empty window).

    The message names the field and the accepted range in plain words, for the rule dialog.
    """


class ProtocolError(UpbitMonitorError):
    """Base for wire-protocol errors."""


class LocalProtocolError(ProtocolError):
    """We were about to violate the protocol (a bug or bad input on our side)."""


class RequestError(LocalProtocolError):
    """A subscription request failed validation (e.g. lowercase code, empty codes)."""


class RemoteProtocolError(ProtocolError):
    """The peer sent data we cannot decode."""


class ParseError(RemoteProtocolError):
    """A received frame was rejected: not valid UTF-8 JSON, or a value broke a rule.

    The raw frame is kept (truncated) in :attr:`sample` for diagnostics; :attr:`reason` is a short,
    bounded key for counting (``"ticker.trade_price: wrong type"``, ``"frame: malformed JSON"``).
    """

    def __init__(self, message: str, sample: bytes = b"", *, reason: str = "") -> None:
        super().__init__(message)
        self.sample = sample[:200]
        self.reason = reason or "frame: rejected"


class ConnectionFailure(UpbitMonitorError):
    """A connection could not be opened or was lost."""


class AuthError(ConnectionFailure):
    """The exchange rejected our credentials. Retrying with the same key is pointless."""


class HandshakeRejected(ConnectionFailure):
    """The server answered the WebSocket upgrade with an HTTP error status (e.g. 401, 429)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RestError(ConnectionFailure):
    """A REST quotation call failed.

    ``status`` is the HTTP status (0 for network failures and undecodable bodies), ``name`` the
    exchange's ``error.name`` when the body carried one (Upbit quotation uses numbers, e.g. 404).
    """

    def __init__(self, message: str, *, status: int = 0, name: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.name = name


class ManagerError(UpbitMonitorError):
    """The subscription manager was misused (e.g. used after shutdown)."""


class StorageError(UpbitMonitorError):
    """A database operation failed."""


class StorageUnavailable(StorageError):
    """A database failure whose cause may clear: retry later, keep the data meanwhile.

    ``cause`` is a short human phrase for the status panel: ``"database locked"``,
    ``"connection lost"``, ``"disk full"``, ``"read-only database"``, ``"disk I/O error"``...
    """

    def __init__(self, message: str, cause: str = "database unavailable") -> None:
        super().__init__(message)
        self.cause = cause


class KeyStoreError(UpbitMonitorError):
    """API key storage failed. Messages never include key material."""


class KeyFormatError(KeyStoreError):
    """An API key is malformed (empty, too short, stray characters). Never quotes the key."""


class SimulatorError(UpbitMonitorError):
    """The built-in exchange simulator was misused (e.g. an order the simulated account rejects)."""
