"""The logging redaction layer catches secrets and bearer tokens that slip into log records."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.features.private.helpers import SECRET
from upbit_monitor.credentials import redact
from upbit_monitor.protocol.auth import make_jwt

log = logging.getLogger("tests.credentials.redact")


@pytest.fixture
def redaction() -> Iterator[None]:
    uninstall = redact.install_log_redaction()
    redact.register_secret(SECRET)
    try:
        yield
    finally:
        uninstall()
        redact.clear_secrets()


def test_secret_in_message_args_and_traceback_is_redacted(redaction, caplog, capsys) -> None:
    with caplog.at_level(logging.DEBUG):
        log.debug("key is %s", SECRET)
        log.info(f"inline {SECRET} text")
        try:
            raise ValueError(f"bad value {SECRET}")
        except ValueError:
            log.exception("failed")
        log.warning("stack", stack_info=True)
    captured = capsys.readouterr()
    text = caplog.text + captured.out + captured.err
    assert SECRET not in text
    assert text.count(redact.REDACTED) >= 3
    assert "ValueError: bad value [REDACTED]" in caplog.text


def test_bearer_token_redacted(redaction, caplog) -> None:
    token = make_jwt("AccessKey0123456789abcdef", SECRET)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("websockets.client").debug("> Authorization: Bearer %s", token)
    assert token not in caplog.text
    assert "Bearer [REDACTED]" in caplog.text


def test_install_is_idempotent_and_reversible() -> None:
    before = logging.getLogRecordFactory()
    undo = redact.install_log_redaction()
    undo_again = redact.install_log_redaction()
    assert logging.getLogRecordFactory() is not before
    undo()
    undo_again()
    assert logging.getLogRecordFactory() is before


def test_filter_on_a_handler(caplog) -> None:
    redact.register_secret(SECRET)
    try:
        caplog.handler.addFilter(redact.RedactingFilter())
        with caplog.at_level(logging.DEBUG):
            log.debug("x=%s", SECRET)
        assert SECRET not in caplog.text and "x=[REDACTED]" in caplog.text
    finally:
        redact.clear_secrets()


def test_short_values_are_not_registered() -> None:
    redact.register_secret("abc")
    assert redact.redact_text("abcdef") == "abcdef"
