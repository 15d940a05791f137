"""KeyStore: keyring, session-only fallback, environment override; nothing leaks."""

from __future__ import annotations

import logging

import keyring.backends.fail
import keyring.errors
import pytest

from tests.features.private.helpers import ACCESS, SECRET, MemoryKeyring
from upbit_monitor.credentials.keystore import NO_BACKEND_NOTICE, SERVICE, KeySource, KeyStore
from upbit_monitor.protocol.auth import Credentials


@pytest.fixture
def creds() -> Credentials:
    return Credentials.create(ACCESS, SECRET, "HS256")


def test_keyring_roundtrip(creds: Credentials) -> None:
    backend = MemoryKeyring()
    store = KeyStore(backend=backend, env={})
    assert store.backend_available and store.notice is None
    assert store.load() is None and store.source is KeySource.NONE
    assert store.save(creds) is KeySource.KEYRING
    assert backend.data[(SERVICE, "secret_key")] == SECRET
    fresh = KeyStore(backend=backend, env={})  # a restart
    loaded = fresh.load()
    assert loaded == creds and fresh.source is KeySource.KEYRING
    fresh.delete()
    assert backend.data == {}
    assert KeyStore(backend=backend, env={}).load() is None


def test_no_backend_keeps_keys_for_session_only(creds: Credentials, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = KeyStore(backend=keyring.backends.fail.Keyring(), env={})
    assert not store.backend_available
    assert store.notice == NO_BACKEND_NOTICE
    assert store.save(creds) is KeySource.SESSION
    assert store.load() == creds and store.source is KeySource.SESSION
    # Nothing went to disk and a restart has no keys.
    assert list(tmp_path.iterdir()) == []
    assert KeyStore(backend=keyring.backends.fail.Keyring(), env={}).load() is None
    store.delete()
    assert store.load() is None


def test_backend_error_falls_back_to_session(creds: Credentials, caplog) -> None:
    backend = MemoryKeyring()
    backend.fail_with = keyring.errors.PasswordSetError(f"backend said {SECRET}")
    store = KeyStore(backend=backend, env={})
    with caplog.at_level(logging.DEBUG):
        assert store.save(creds) is KeySource.SESSION
    assert not store.backend_available and store.notice == NO_BACKEND_NOTICE
    assert store.load() == creds
    assert SECRET not in caplog.text  # the backend's message (which quoted the secret) is not logged


def test_env_overrides_keyring(creds: Credentials) -> None:
    backend = MemoryKeyring()
    KeyStore(backend=backend, env={}).save(creds)
    other_secret = "EnvSecret0123456789abcdefABCDEF0123456789"
    env = {"UPBIT_ACCESS_KEY": "EnvAccess0123456789abcdef", "UPBIT_SECRET_KEY": other_secret}
    store = KeyStore(backend=backend, env=env)
    loaded = store.load()
    assert loaded is not None and loaded.access_key == "EnvAccess0123456789abcdef"
    assert loaded.secret_key.reveal() == other_secret and loaded.alg == "HS512"
    assert store.source is KeySource.ENV and store.env_override


def test_env_partial_or_malformed_is_reported_without_key() -> None:
    store = KeyStore(backend=MemoryKeyring(), env={"UPBIT_SECRET_KEY": SECRET})
    assert store.load() is None
    assert store.notice is not None and "UPBIT_ACCESS_KEY" in store.notice and SECRET not in store.notice
    bad = "Bad Secret With Spaces 0123456789abcdef"
    store = KeyStore(backend=MemoryKeyring(), env={"UPBIT_ACCESS_KEY": ACCESS, "UPBIT_SECRET_KEY": bad})
    assert store.load() is None
    assert store.notice is not None and bad not in store.notice


def test_malformed_stored_keys_ignored() -> None:
    backend = MemoryKeyring()
    backend.data[(SERVICE, "access_key")] = ACCESS
    backend.data[(SERVICE, "secret_key")] = "short"
    store = KeyStore(backend=backend, env={})
    assert store.load() is None
    assert store.notice is not None and "short" not in store.notice.replace("too short", "")


def test_session_only_store_never_touches_the_keyring(creds: Credentials) -> None:
    store = KeyStore(env={}, persistent=False)
    assert not store.backend_available and store.notice is None
    assert store.save(creds) is KeySource.SESSION
    assert store.load() == creds
