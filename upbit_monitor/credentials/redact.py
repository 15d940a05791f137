"""Second line of defence: scrub secrets and bearer tokens from log records.

The first line is that no code logs key material (secrets travel as
:class:`~upbit_monitor.protocol.auth.Secret`, which prints as a mask). This module catches what
slips through anyway: a third-party library logging a request header (websockets logs handshake
headers at DEBUG, including ``Authorization: Bearer ...``), or an exception text that quotes a
value. Every secret the key store loads is registered here, and any log record whose text contains
one is rewritten before a handler sees it.

Two ways to apply it:
- :func:`install_log_redaction` wraps the global ``LogRecord`` factory, so *every* record is scrubbed at
  creation, whichever logger or handler (including pytest's ``caplog``) receives it. The app calls this
  at start.
- :class:`RedactingFilter` can be attached to individual handlers when a global hook is unwanted.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any, Final

REDACTED: Final = "[REDACTED]"
# A JWT after "Bearer" (three base64url parts) or any bearer token: replayable, so never logged.
_BEARER_RE: Final = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)

_lock = threading.Lock()
_secrets: set[str] = set()
_installed_factory: Callable[..., logging.LogRecord] | None = None
_previous_factory: Callable[..., logging.LogRecord] | None = None


def register_secret(value: str) -> None:
    """Add a value to redact from every log record (ignored if shorter than 8 characters:
    redacting tiny strings would mangle unrelated text and they are not real keys)."""
    if isinstance(value, str) and len(value) >= 8:
        with _lock:
            _secrets.add(value)


def forget_secret(value: str) -> None:
    """Stop redacting a value (e.g. after the user deleted that key)."""
    with _lock:
        _secrets.discard(value)


def clear_secrets() -> None:
    """Forget every registered secret (tests)."""
    with _lock:
        _secrets.clear()


def redact_text(text: str) -> str:
    """Return ``text`` with registered secrets and bearer tokens replaced by ``[REDACTED]``."""
    with _lock:
        secrets = tuple(_secrets)
    for s in secrets:
        if s in text:
            text = text.replace(s, REDACTED)
    if "earer" in text:  # cheap pre-check before the regex ("Bearer"/"bearer")
        text = _BEARER_RE.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def redact_record(record: logging.LogRecord) -> None:
    """Rewrite ``record`` in place so its message, traceback and stack text are redacted.

    The message is formatted here (``msg % args``) and the args dropped, because a secret can hide in
    an argument's ``str()``. Exception text is pre-rendered into ``exc_text``, which ``Formatter``
    uses instead of formatting ``exc_info`` again.
    """
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it for the handler's own error reporting
        return
    clean = redact_text(message)
    if clean != message or record.args:
        record.msg = clean
        record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact_text(record.exc_text)
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info)


class RedactingFilter(logging.Filter):
    """A handler/logger filter that redacts records and always lets them through."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; never drops it."""
        redact_record(record)
        return True


def install_log_redaction() -> Callable[[], None]:
    """Wrap the global LogRecord factory so every record is redacted at creation.

    Idempotent; returns a function that restores the previous factory (tests).
    """
    global _installed_factory, _previous_factory
    with _lock:
        current = logging.getLogRecordFactory()
        if _installed_factory is not None and current is _installed_factory:
            return _uninstall
        previous = current

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            redact_record(record)
            return record

        _previous_factory = previous
        _installed_factory = factory
    logging.setLogRecordFactory(factory)
    return _uninstall


def _uninstall() -> None:
    global _installed_factory, _previous_factory
    with _lock:
        installed, previous = _installed_factory, _previous_factory
        _installed_factory = _previous_factory = None
    if installed is not None and previous is not None and logging.getLogRecordFactory() is installed:
        logging.setLogRecordFactory(previous)
