"""Upbit private authentication, sans-I/O: key validation, a secret wrapper and JWT signing.

Upbit authenticates the private WebSocket (``/websocket/v1/private``) with a JWT in the HTTP upgrade's
``Authorization: Bearer`` header (upbit-protocol.md section 7). The payload is ``access_key`` plus a
fresh uuid4 ``nonce``; the token is signed with the raw secret key, HS512 by default (the current
docs' sample) or HS256 (older docs, ccxt). The server accepts both.

The secret travels inside :class:`Secret`, whose ``repr``/``str``/``format`` never show it, so a
stray log line, f-string, exception message or debugger repr cannot leak it. Only :meth:`Secret.reveal`
returns the value, and only the signing code calls it. Validation errors describe what is wrong
(length, characters) and never quote the key.
"""

from __future__ import annotations

import hmac
import string
import uuid
import warnings
from dataclasses import dataclass
from typing import Any, Final, NoReturn

import jwt

from upbit_monitor.errors import AuthError, KeyFormatError

ALGORITHMS: Final[tuple[str, ...]] = ("HS512", "HS256")
DEFAULT_ALGORITHM: Final = "HS512"

# Upbit keys are 40 characters of letters and digits. We accept a wider range (other regions and the
# simulator may differ) but insist on printable, whitespace-free ASCII so a pasted newline or a
# truncated copy is caught before a connection attempt burns the handshake budget.
_KEY_CHARS: Final = frozenset(string.ascii_letters + string.digits + "-_")
ACCESS_KEY_MIN: Final = 16
# HMAC keys under 32 bytes are weak for HS256/HS512 (PyJWT warns); Upbit's own secrets are 40.
SECRET_KEY_MIN: Final = 32
KEY_MAX: Final = 256

_MASK: Final = "********"


class Secret:
    """A string that never shows itself: ``repr``, ``str`` and ``format`` give a mask.

    ``reveal()`` returns the value; call it only where the raw secret is needed (signing). Equality
    compares in constant time. Pickling is refused so the secret cannot be written to disk by accident.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret value must be a str")
        self._value = value

    def reveal(self) -> str:
        """Return the secret itself. Never log, print or store the result."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __repr__(self) -> str:
        return f"Secret({_MASK!r})"

    def __str__(self) -> str:
        return _MASK

    def __format__(self, spec: str) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        # Hash of a keyed digest would be overkill; a constant keeps Secret usable in frozen dataclasses
        # without exposing anything derived from the value.
        return hash(Secret)

    def __reduce__(self) -> NoReturn:
        raise TypeError("Secret cannot be pickled")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self


def _check_key(value: str, *, what: str, minimum: int) -> str:
    """Validate one key; messages name the problem, never the key or any part of it."""
    if not isinstance(value, str):
        raise KeyFormatError(f"{what} must be text")
    stripped = value.strip()
    if not stripped:
        raise KeyFormatError(f"{what} is empty")
    if len(stripped) < minimum:
        raise KeyFormatError(f"{what} is too short ({len(stripped)} characters, need at least {minimum})")
    if len(stripped) > KEY_MAX:
        raise KeyFormatError(f"{what} is too long ({len(stripped)} characters, at most {KEY_MAX})")
    bad = sum(1 for ch in stripped if ch not in _KEY_CHARS)
    if bad:
        raise KeyFormatError(
            f"{what} contains {bad} unexpected character(s); expected letters, digits, '-' or '_' "
            "(was it copied with spaces or quotes?)"
        )
    return stripped


def validate_access_key(access_key: str) -> str:
    """Return the access key without surrounding whitespace, or raise :class:`KeyFormatError`."""
    return _check_key(access_key, what="Access key", minimum=ACCESS_KEY_MIN)


def validate_secret_key(secret_key: str | Secret) -> Secret:
    """Return the secret wrapped in :class:`Secret`, or raise :class:`KeyFormatError` (without the key)."""
    raw = secret_key.reveal() if isinstance(secret_key, Secret) else secret_key
    return Secret(_check_key(raw, what="Secret key", minimum=SECRET_KEY_MIN))


def validate_algorithm(alg: str) -> str:
    """Return ``alg`` upper-cased if it is HS256 or HS512, else raise :class:`KeyFormatError`."""
    norm = alg.strip().upper() if isinstance(alg, str) else ""
    if norm not in ALGORITHMS:
        raise KeyFormatError(f"JWT algorithm must be one of {', '.join(ALGORITHMS)}, got {alg!r}")
    return norm


def make_jwt(
    access_key: str,
    secret_key: str | Secret,
    *,
    alg: str = DEFAULT_ALGORITHM,
    nonce: str | None = None,
    timestamp_ms: int | None = None,
) -> str:
    """Sign an Upbit JWT: payload ``{"access_key", "nonce"}``, HMAC with the raw secret.

    ``timestamp_ms`` adds a ``timestamp`` claim (milliseconds since the epoch), which Bithumb's API
    requires next to ``access_key`` and ``nonce``; Upbit's payload has none.

    ``nonce`` defaults to a fresh uuid4; pass one only in tests. Call this once per connection
    attempt: Upbit rejects reused nonces on REST and the WS behaviour is undocumented. Raises
    :class:`KeyFormatError` for malformed keys and :class:`AuthError` if signing fails; neither
    message contains key material.
    """
    access = validate_access_key(access_key)
    secret = validate_secret_key(secret_key)
    algorithm = validate_algorithm(alg)
    payload: dict[str, object] = {
        "access_key": access, "nonce": nonce if nonce is not None else str(uuid.uuid4()),
    }
    if timestamp_ms is not None:
        payload["timestamp"] = int(timestamp_ms)
    try:
        with warnings.catch_warnings():
            # Upbit issues 40-character secrets: fine for HS256, below RFC 7518's 64-byte advice for HS512,
            # which Upbit itself uses. The key length is the exchange's choice, not ours, so the warning
            # would only be noise (and an error under -W error).
            warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
            return jwt.encode(payload, secret.reveal(), algorithm=algorithm)
    except Exception as exc:  # PyJWT raises several types; none may carry the key upward
        raise AuthError(f"could not sign the JWT ({type(exc).__name__})") from None


def authorization_header(token: str) -> tuple[str, str]:
    """The upgrade header carrying ``token``: ``("Authorization", "Bearer <token>")``."""
    return ("Authorization", f"Bearer {token}")


def mask_access_key(access_key: str) -> str:
    """A display form of the access key: first 4 characters, then a mask (for status lines)."""
    return f"{access_key[:4]}…" if len(access_key) > 4 else "…"


@dataclass(frozen=True, slots=True)
class Credentials:
    """A validated key pair plus the JWT algorithm. ``repr`` masks both keys."""

    access_key: str
    secret_key: Secret
    alg: str = DEFAULT_ALGORITHM

    @classmethod
    def create(cls, access_key: str, secret_key: str | Secret, alg: str = DEFAULT_ALGORITHM) -> Credentials:
        """Validate and build; raises :class:`KeyFormatError` without quoting the keys."""
        return cls(validate_access_key(access_key), validate_secret_key(secret_key), validate_algorithm(alg))

    def token(self, *, nonce: str | None = None, timestamp_ms: int | None = None) -> str:
        """A fresh JWT for one connection attempt (``timestamp_ms``: see :func:`make_jwt`)."""
        return make_jwt(self.access_key, self.secret_key, alg=self.alg, nonce=nonce,
                        timestamp_ms=timestamp_ms)

    def __repr__(self) -> str:
        access = mask_access_key(self.access_key)
        return f"Credentials(access_key={access!r}, secret_key={_MASK!r}, alg={self.alg!r})"

    __str__ = __repr__
