"""API keys per venue: Upbit's and Bithumb's live side by side in one keyring and never mix."""

from __future__ import annotations

import pytest

from tests.features.private.helpers import ACCESS, SECRET, MemoryKeyring
from upbit_monitor.credentials.keystore import SERVICE, KeySource, KeyStore
from upbit_monitor.errors import KeyStoreError
from upbit_monitor.protocol.auth import Credentials

B_ACCESS = "bithumbaccesskey0123456789"
B_SECRET = "bithumbsecretkey" + "9" * 40


def test_two_venues_share_a_keyring_without_mixing() -> None:
    backend = MemoryKeyring()
    upbit, bithumb = KeyStore(backend=backend, env={}), KeyStore(backend=backend, env={}, venue="bithumb")
    upbit.save(Credentials.create(ACCESS, SECRET, "HS512"))
    assert bithumb.load() is None  # Upbit's keys are not Bithumb's
    bithumb.save(Credentials.create(B_ACCESS, B_SECRET, "HS256"))
    assert backend.data[(SERVICE, "bithumb:secret_key")] == B_SECRET
    assert backend.data[(SERVICE, "secret_key")] == SECRET  # Upbit's entry names are unchanged
    loaded = KeyStore(backend=backend, env={}, venue="bithumb").load()
    assert loaded is not None and loaded.access_key == B_ACCESS and loaded.alg == "HS256"
    bithumb.delete()
    assert KeyStore(backend=backend, env={}).load() is not None
    assert KeyStore(backend=backend, env={}, venue="bithumb").load() is None


def test_environment_override_per_venue() -> None:
    env = {"BITHUMB_ACCESS_KEY": B_ACCESS, "BITHUMB_SECRET_KEY": B_SECRET}
    store = KeyStore(backend=MemoryKeyring(), env=env, venue="bithumb")
    creds = store.load()
    assert creds is not None and creds.access_key == B_ACCESS and store.source is KeySource.ENV
    assert creds.alg == "HS256"  # Bithumb signs HS256 unless BITHUMB_JWT_ALG says otherwise
    assert store.env_override
    assert KeyStore(backend=MemoryKeyring(), env=env).load() is None  # not Upbit's variables
    half = KeyStore(backend=MemoryKeyring(), env={"BITHUMB_ACCESS_KEY": B_ACCESS}, venue="bithumb")
    assert half.load() is None and half.notice is not None and "BITHUMB_SECRET_KEY" in half.notice


def test_bad_venue_name_is_refused() -> None:
    with pytest.raises(KeyStoreError):
        KeyStore(backend=MemoryKeyring(), env={}, venue="bit:humb")
