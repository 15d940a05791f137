"""The keys dialog's side of a private feed (:class:`~upbit_monitor.ui.private.key_dialog.KeyController`).

Mixed into :class:`~upbit_monitor.features.private.feed.PrivateFeed`: what the dialog shows (access key,
algorithm, where keys live) and what its buttons do (save, delete, test), for the feed's venue. Kept
apart from the feed's connection lifecycle so each module holds one concept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from upbit_monitor.credentials.keystore import VENUE_ALGORITHMS, KeySource, KeyStore, venue_names
from upbit_monitor.errors import KeyFormatError
from upbit_monitor.exchanges.base import CredentialsProvider
from upbit_monitor.features.private.probe import probe_private
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.protocol.auth import DEFAULT_ALGORITHM, Credentials, Secret


class KeyControl:
    """Key handling for one venue's feed; the feed supplies the attributes declared here."""

    venue: str
    label: str
    test_timeout_s: float
    _mgr: GlobalWebSocketManager
    _keystore: KeyStore
    _provider: CredentialsProvider

    if TYPE_CHECKING:  # implemented by PrivateFeed (the connection side)
        async def use_credentials(self, creds: Credentials, *, persist: bool = True) -> KeySource: ...

        async def clear_credentials(self) -> None: ...

    def current_access_key(self) -> str | None:
        """The access key in use (an identifier; the dialog shows it)."""
        creds = self._provider.get()
        return creds.access_key if creds is not None else None

    def current_algorithm(self) -> str:
        """The JWT algorithm in use (else the venue's default: HS512 on Upbit, HS256 on Bithumb)."""
        creds = self._provider.get()
        return creds.alg if creds is not None else VENUE_ALGORITHMS.get(self.venue, DEFAULT_ALGORITHM)

    def has_secret(self) -> bool:
        """True when a secret is configured."""
        return self._provider.get() is not None

    @property
    def storage_notice(self) -> str | None:
        """The key store's problem sentence (e.g. no keyring: session only), or None."""
        return self._keystore.notice

    def storage_text(self) -> str:
        """Where this venue's keys live and any keyring problem."""
        _entries, (env_access, env_secret, _alg) = venue_names(self.venue)
        where = {
            KeySource.ENV: f"Keys come from {env_access} / {env_secret} (environment overrides).",
            KeySource.KEYRING: "Keys are stored in the system keyring.",
            KeySource.SESSION: "Keys are kept for this session only.",
            KeySource.NONE: "No keys stored.",
        }[self._keystore.source]
        notice = self._keystore.notice
        return f"{where} {notice}" if notice else where

    def _candidate(self, access_key: str, secret: Secret | None, alg: str) -> Credentials:
        if secret is None:
            current = self._provider.get()
            if current is None:
                raise KeyFormatError("Secret key is empty")
            secret = current.secret_key
        return Credentials.create(access_key, secret, alg)

    async def apply_keys(self, access_key: str, secret: Secret | None, alg: str) -> str:
        """Validate, store and use keys; returns a status sentence (raises KeyFormatError)."""
        creds = self._candidate(access_key, secret, alg)
        source = await self.use_credentials(creds)
        if source is KeySource.KEYRING:
            return f"{self.label} keys saved in the system keyring; connecting."
        return f"{self.label} keys kept for this session only (no system keyring available); connecting."

    async def delete_keys(self) -> str:
        """Forget the keys; returns a status sentence."""
        await self.clear_credentials()
        if self._keystore.env_override:
            return "Stored keys deleted; the environment keys remain in effect after a restart."
        return f"{self.label} keys deleted; its private feeds are off."

    async def test_keys(self, access_key: str, secret: Secret | None, alg: str) -> tuple[bool, str]:
        """Open a throw-away private connection to this venue with these keys and ask the server what
        it serves (see :func:`~upbit_monitor.features.private.probe.probe_private`)."""
        creds = self._candidate(access_key, secret, alg)
        return await probe_private(self._mgr.settings, creds, timeout_s=self.test_timeout_s, venue=self.venue)
