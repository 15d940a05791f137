"""API key storage (OS keyring / environment / session memory) and log redaction."""

from __future__ import annotations

from upbit_monitor.credentials.keystore import KeySource, KeyStore
from upbit_monitor.credentials.redact import RedactingFilter, install_log_redaction, register_secret

__all__ = ["KeySource", "KeyStore", "RedactingFilter", "install_log_redaction", "register_secret"]
