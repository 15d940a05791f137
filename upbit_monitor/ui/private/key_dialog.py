"""The API-keys dialog: enter access/secret key, pick the JWT algorithm, test, save or delete.

Non-modal (``show()``; it never runs a nested event loop, which would break qasync coroutines). The secret
field uses password echo, is never pre-filled (a stored secret is never shown again, only "stored"), and is
cleared after saving and when the dialog hides, so the secret does not linger in a widget or appear in a
screenshot. All work goes through a :class:`KeyController` (implemented by
:class:`~upbit_monitor.features.private.feed.PrivateFeed`); coroutines are started as tasks whose references
the dialog keeps until they finish. Keys are per venue: given one controller per venue, the dialog has a
Venue field and every button acts on the chosen venue's controller (its own keyring entries).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from typing import Any, Protocol

from PySide6.QtCore import Signal
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from upbit_monitor.errors import UpbitMonitorError
from upbit_monitor.protocol.auth import ALGORITHMS, Secret


class KeyController(Protocol):
    """What the dialog needs from the private-feed controller."""

    def current_access_key(self) -> str | None:
        """The access key in use (shown; it is an identifier, not the secret), or None."""

    def current_algorithm(self) -> str:
        """The JWT algorithm in use."""

    def storage_text(self) -> str:
        """One line: where keys are stored and any keyring problem."""

    def has_secret(self) -> bool:
        """True when a secret is configured (the dialog then allows leaving the field empty)."""

    def apply_keys(self, access_key: str, secret: Secret | None, alg: str) -> Awaitable[str]:
        """Validate, store and start using the keys (``secret`` None = keep the current one).
        Resolves to a status message; raises :class:`UpbitMonitorError` with a key-free message."""

    def test_keys(self, access_key: str, secret: Secret | None, alg: str) -> Awaitable[tuple[bool, str]]:
        """Try a private handshake + subscription with these keys; ``(ok, message)``."""

    def delete_keys(self) -> Awaitable[str]:
        """Forget stored and session keys and stop the private connection."""


class ApiKeysDialog(QDialog):
    """Keys… dialog. Emits :attr:`keys_changed` after a successful save or delete."""

    keys_changed = Signal()
    busy_changed = Signal(bool)

    def __init__(self, controller: KeyController | Mapping[str, KeyController], parent: QWidget | None = None,
                 *, labels: Mapping[str, str] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ApiKeysDialog")
        self.setModal(False)
        self._controllers: dict[str, KeyController] = (
            dict(controller) if isinstance(controller, Mapping) else {"upbit": controller}
        )
        self._labels = {v: (labels or {}).get(v, v.title()) for v in self._controllers}
        self._venue = next(iter(self._controllers))
        self._tasks: set[asyncio.Future[Any]] = set()

        self.venue_combo = QComboBox()
        self.venue_combo.setObjectName("venueCombo")
        for venue, label in self._labels.items():
            self.venue_combo.addItem(label, venue)

        self.access_edit = QLineEdit()
        self.access_edit.setObjectName("accessKeyEdit")
        # The access key is an identifier (Upbit shows it in its key list), not a secret: shown in clear
        # so the user can check which key is in use. Only the secret is masked.
        self.access_edit.setEchoMode(QLineEdit.EchoMode.Normal)
        self.access_edit.setPlaceholderText("Access key")
        self.secret_edit = QLineEdit()
        self.secret_edit.setObjectName("secretKeyEdit")
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.alg_combo = QComboBox()
        self.alg_combo.addItems(list(ALGORITHMS))
        self.storage_label = QLabel()
        self.storage_label.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setObjectName("resultLabel")
        self.result_label.setWordWrap(True)

        self.test_button = QPushButton("Test connection")
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.delete_button = QPushButton("Delete keys")
        close_button = QPushButton("Close")

        form = QFormLayout()
        if len(self._controllers) > 1:
            form.addRow("Venue", self.venue_combo)
        form.addRow("Access key", self.access_edit)
        form.addRow("Secret key", self.secret_edit)
        form.addRow("JWT algorithm", self.alg_combo)
        buttons = QHBoxLayout()
        for b in (self.test_button, self.save_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close_button)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addLayout(form)
        layout.addWidget(self.storage_label)
        layout.addWidget(self.result_label)
        layout.addLayout(buttons)

        self.test_button.clicked.connect(self._on_test)
        self.save_button.clicked.connect(self._on_save)
        self.delete_button.clicked.connect(self._on_delete)
        close_button.clicked.connect(self.close)
        self.venue_combo.currentIndexChanged.connect(self._on_venue_chosen)
        self.reload()

    # -- state ----------------------------------------------------------------------------------------

    @property
    def venue(self) -> str:
        """The venue whose keys the dialog shows and edits."""
        return self._venue

    @property
    def _controller(self) -> KeyController:
        return self._controllers[self._venue]

    def set_venue(self, venue: str) -> None:
        """Show ``venue``'s keys (ignored for a venue the dialog has no controller for)."""
        index = self.venue_combo.findData(venue)
        if index >= 0:
            self.venue_combo.setCurrentIndex(index)  # -> _on_venue_chosen

    def _on_venue_chosen(self, index: int) -> None:
        venue = self.venue_combo.itemData(index)
        if isinstance(venue, str) and venue != self._venue:
            self._venue = venue
            self.result_label.clear()  # the last result was about the other venue's keys
            self.reload()

    def reload(self) -> None:
        """Show the venue's current access key, algorithm and storage status (never the secret)."""
        label = self._labels[self._venue]
        self.setWindowTitle(f"{label} API keys")
        self.hint.setText(
            f"Create keys at {self._venue}.com (Open API) with the permission to view assets and orders, "
            "and allow this computer's IP. The secret is kept in the system keyring, never in a file."
        )
        self.access_edit.setText(self._controller.current_access_key() or "")
        index = self.alg_combo.findText(self._controller.current_algorithm())
        self.alg_combo.setCurrentIndex(max(index, 0))
        self.secret_edit.clear()
        self.secret_edit.setPlaceholderText(
            "stored (leave empty to keep)" if self._controller.has_secret() else "Secret key"
        )
        self.storage_label.setText(self._controller.storage_text())

    def pending(self) -> int:
        """Number of test/save/delete operations still running (tests await them)."""
        return len(self._tasks)

    async def wait_idle(self) -> None:
        """Await every running operation."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _inputs(self) -> tuple[str, Secret | None, str]:
        secret_text = self.secret_edit.text()
        secret = Secret(secret_text) if secret_text.strip() else None
        return self.access_edit.text(), secret, self.alg_combo.currentText()

    def _run(self, coro: Awaitable[Any], done: Any) -> None:
        self._set_busy(True)
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def finished(t: asyncio.Future[Any]) -> None:
            self._tasks.discard(t)
            if not self._tasks:
                self._set_busy(False)
            if t.cancelled():
                return
            exc = t.exception()
            if isinstance(exc, UpbitMonitorError):
                self.result_label.setText(f"✗ {exc}")
            elif exc is not None:
                # Only the type: a foreign exception's text is not known to be key-free.
                self.result_label.setText(f"✗ unexpected error ({type(exc).__name__})")
            else:
                done(t.result())

        task.add_done_callback(finished)

    def _set_busy(self, busy: bool) -> None:
        # The venue stays put while an operation runs: its result belongs to that venue's keys.
        for b in (self.test_button, self.save_button, self.delete_button, self.venue_combo):
            b.setEnabled(not busy)
        self.busy_changed.emit(busy)

    # -- actions --------------------------------------------------------------------------------------

    def _on_test(self) -> None:
        self.result_label.setText("Testing…")

        def done(result: tuple[bool, str]) -> None:
            ok, message = result
            self.result_label.setText(("✓ " if ok else "✗ ") + message)

        self._run(self._controller.test_keys(*self._inputs()), done)

    def _on_save(self) -> None:
        self.result_label.setText("Saving…")

        def done(message: str) -> None:
            self.result_label.setText(f"✓ {message}")
            self.reload()
            self.keys_changed.emit()

        self._run(self._controller.apply_keys(*self._inputs()), done)

    def _on_delete(self) -> None:
        def done(message: str) -> None:
            self.result_label.setText(message)
            self.reload()
            self.keys_changed.emit()

        self._run(self._controller.delete_keys(), done)

    def hideEvent(self, event: QHideEvent) -> None:
        """Clear the secret field whenever the dialog is hidden or closed."""
        self.secret_edit.clear()
        super().hideEvent(event)
