"""Where API keys live: environment override, OS keyring, or this session's memory.

Order of precedence when loading:
1. ``UPBIT_ACCESS_KEY`` + ``UPBIT_SECRET_KEY`` (+ optional ``UPBIT_JWT_ALG``) in the environment. They
   override everything and are never written anywhere.
2. Keys entered in this session (held in memory; used when no keyring backend works).
3. The OS keyring (``keyring`` package), service :data:`SERVICE`, entries ``access_key``, ``secret_key``,
   ``jwt_alg``.

Keys are per venue (``KeyStore(venue="bithumb")``): Upbit's entries and variables keep the names above;
another venue's keyring entries are prefixed with the venue (``bithumb:access_key``) and its variables
are ``BITHUMB_ACCESS_KEY`` / ``BITHUMB_SECRET_KEY`` / ``BITHUMB_JWT_ALG``.

Keys are never written to a plain file. When no keyring backend is available (``keyring.backends.fail``,
``keyring.backends.null`` or any :class:`keyring.errors.KeyringError`) the store says so in
:attr:`KeyStore.notice` and keeps entered keys for the session only. Every secret that passes through is
registered with :mod:`upbit_monitor.credentials.redact`, and no exception or notice contains key material.
"""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Mapping
from typing import Any, Final

import keyring
import keyring.backends.fail
import keyring.backends.null
import keyring.errors

from upbit_monitor.credentials import redact
from upbit_monitor.credentials.keyring_backend import system_backend
from upbit_monitor.errors import KeyFormatError, KeyStoreError
from upbit_monitor.protocol.auth import DEFAULT_ALGORITHM, Credentials

log = logging.getLogger(__name__)

SERVICE: Final = "upbit-monitor"
ENV_ACCESS: Final = "UPBIT_ACCESS_KEY"
ENV_SECRET: Final = "UPBIT_SECRET_KEY"
ENV_ALG: Final = "UPBIT_JWT_ALG"
_USER_ACCESS: Final = "access_key"
_USER_SECRET: Final = "secret_key"
_USER_ALG: Final = "jwt_alg"
DEFAULT_VENUE: Final = "upbit"
# The JWT algorithm a venue's keys sign with unless told otherwise (Bithumb's examples use HS256).
VENUE_ALGORITHMS: Final[Mapping[str, str]] = {"bithumb": "HS256"}


def venue_names(venue: str) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    """``((access, secret, alg) keyring entry names, (access, secret, alg) variables)`` of ``venue``."""
    if venue == DEFAULT_VENUE:
        return (_USER_ACCESS, _USER_SECRET, _USER_ALG), (ENV_ACCESS, ENV_SECRET, ENV_ALG)
    upper = venue.upper()
    return ((f"{venue}:{_USER_ACCESS}", f"{venue}:{_USER_SECRET}", f"{venue}:{_USER_ALG}"),
            (f"{upper}_ACCESS_KEY", f"{upper}_SECRET_KEY", f"{upper}_JWT_ALG"))

NO_BACKEND_NOTICE: Final = (
    "No system keyring is available, so API keys are kept for this session only "
    "and must be entered again after a restart."
)


class KeySource(enum.Enum):
    """Where the current credentials came from."""

    NONE = "none"
    ENV = "environment"
    SESSION = "session"
    KEYRING = "keyring"


class KeyStore:
    """Load, save and delete one venue's key pair (``venue``, default Upbit).

    ``backend`` is a keyring backend instance (default: the OS keyring, see :func:`system_backend`);
    ``env`` the mapping to read overrides from (default: ``os.environ``). Both are parameters so tests
    can pin them.
    ``persistent=False`` makes a session-only store that never touches the keyring and says nothing
    about it (demo mode: the simulator's keys must not land in, or be read from, the user's keyring).
    """

    def __init__(
        self,
        service: str = SERVICE,
        *,
        backend: Any | None = None,
        env: Mapping[str, str] | None = None,
        persistent: bool = True,
        venue: str = DEFAULT_VENUE,
    ) -> None:
        if not venue or not venue.isalnum():
            raise KeyStoreError(f"invalid venue name {venue!r}")
        self._service = service
        self.venue = venue
        (self._user_access, self._user_secret, self._user_alg), self._env_names = venue_names(venue)
        self._default_alg = VENUE_ALGORITHMS.get(venue, DEFAULT_ALGORITHM)
        if persistent:
            # system_backend(), not keyring.get_keyring(): keyring caches import-failure tracebacks
            # that would otherwise pin this call stack (and the UI above it) for the process' life.
            self._backend: Any = backend if backend is not None else system_backend()
        else:
            self._backend = keyring.backends.null.Keyring()  # type: ignore[no-untyped-call]
        self._env: Mapping[str, str] = os.environ if env is None else env
        self._session: Credentials | None = None
        self._source = KeySource.NONE
        self._notice: str | None = None
        self._backend_ok = not isinstance(
            self._backend, (keyring.backends.fail.Keyring, keyring.backends.null.Keyring)
        )
        if not self._backend_ok and persistent:
            self._notice = NO_BACKEND_NOTICE

    # -- status -----------------------------------------------------------------------------------------

    @property
    def backend_available(self) -> bool:
        """False when keys cannot be persisted (no backend, or the backend failed)."""
        return self._backend_ok

    @property
    def backend_name(self) -> str:
        """Human-readable backend class, for the settings dialog."""
        cls = type(self._backend)
        return f"{cls.__module__}.{cls.__name__}"

    @property
    def source(self) -> KeySource:
        """Where the last loaded/saved credentials came from."""
        return self._source

    @property
    def notice(self) -> str | None:
        """A message for the user about key storage (no backend, bad env keys...), or None."""
        return self._notice

    @property
    def env_override(self) -> bool:
        """True when both environment variables are set (they win over stored keys)."""
        env_access, env_secret, _ = self._env_names
        return bool(self._env.get(env_access)) and bool(self._env.get(env_secret))

    # -- operations -------------------------------------------------------------------------------------

    def load(self) -> Credentials | None:
        """Return credentials by precedence (env, session, keyring), or None when there are none.

        Never raises for missing or malformed stored keys: the problem goes to :attr:`notice` and None is
        returned, so the app starts public-only.
        """
        creds = self._load_env()
        if creds is not None:
            return self._found(creds, KeySource.ENV)
        if self._session is not None:
            return self._found(self._session, KeySource.SESSION)
        creds = self._load_keyring()
        if creds is not None:
            return self._found(creds, KeySource.KEYRING)
        self._source = KeySource.NONE
        return None

    def save(self, creds: Credentials) -> KeySource:
        """Store ``creds``: in the keyring when it works, else for this session only.

        Returns where they went. The session copy is always kept so a keyring that breaks later does not
        lose keys the user just typed.
        """
        redact.register_secret(creds.secret_key.reveal())
        self._session = creds
        if self._backend_ok:
            try:
                self._backend.set_password(self._service, self._user_access, creds.access_key)
                self._backend.set_password(self._service, self._user_secret, creds.secret_key.reveal())
                self._backend.set_password(self._service, self._user_alg, creds.alg)
            except keyring.errors.KeyringError as exc:
                self._backend_failed("saving", exc)
            else:
                self._source = KeySource.KEYRING
                self._notice = None
                # The keyring copy is authoritative now; dropping the session copy lets delete() and a later
                # keyring edit by another tool behave as expected.
                self._session = None
                return KeySource.KEYRING
        self._source = KeySource.SESSION
        return KeySource.SESSION

    def delete(self) -> None:
        """Forget stored and session keys (environment keys cannot be deleted from here)."""
        if self._session is not None:
            redact.forget_secret(self._session.secret_key.reveal())
        self._session = None
        if self._backend_ok:
            for user in (self._user_access, self._user_secret, self._user_alg):
                try:
                    self._backend.delete_password(self._service, user)
                except keyring.errors.PasswordDeleteError:
                    pass  # nothing stored under that name: already deleted
                except keyring.errors.KeyringError as exc:
                    self._backend_failed("deleting", exc)
                    raise KeyStoreError(f"could not delete the stored key ({type(exc).__name__})") from None
        self._source = KeySource.ENV if self.env_override else KeySource.NONE

    # -- helpers ----------------------------------------------------------------------------------------

    def _found(self, creds: Credentials, source: KeySource) -> Credentials:
        redact.register_secret(creds.secret_key.reveal())
        self._source = source
        return creds

    def _load_env(self) -> Credentials | None:
        env_access, env_secret, env_alg = self._env_names
        access = self._env.get(env_access, "")
        secret = self._env.get(env_secret, "")
        if secret:
            redact.register_secret(secret.strip())
        if not access and not secret:
            return None
        if not access or not secret:
            missing = env_secret if access else env_access
            self._notice = f"{missing} is not set; environment keys ignored."
            return None
        try:
            return Credentials.create(access, secret, self._env.get(env_alg) or self._default_alg)
        except KeyFormatError as exc:
            self._notice = f"Environment keys ignored: {exc}"
            return None

    def _load_keyring(self) -> Credentials | None:
        if not self._backend_ok:
            return None
        try:
            access = self._backend.get_password(self._service, self._user_access)
            secret = self._backend.get_password(self._service, self._user_secret)
            alg = self._backend.get_password(self._service, self._user_alg)
        except keyring.errors.KeyringError as exc:
            self._backend_failed("reading", exc)
            return None
        if secret:
            redact.register_secret(secret)
        if not access or not secret:
            return None
        try:
            return Credentials.create(access, secret, alg or self._default_alg)
        except KeyFormatError as exc:
            self._notice = f"Stored keys ignored: {exc}"
            return None

    def _backend_failed(self, doing: str, exc: BaseException) -> None:
        # Only the exception type is logged: backend messages are not under our control.
        log.warning("keyring backend failed while %s keys (%s); keys kept for this session only",
                    doing, type(exc).__name__)
        self._backend_ok = False
        self._notice = NO_BACKEND_NOTICE
