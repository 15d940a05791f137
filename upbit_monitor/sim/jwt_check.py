"""Server-side check of Upbit JWTs (upbit-protocol.md section 7).

``Authorization: Bearer <jwt>``, HS256 or HS512, signed with the raw secret key, payload
``{"access_key": ..., "nonce": ...}``. Reused nonces are rejected (REST does that with
``nonce_used``; for WS it is unknown, so it is configurable). Results never contain the token.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import jwt
from jwt.warnings import InsecureKeyLengthWarning

ALGORITHMS = ("HS256", "HS512")
_MAX_NONCES = 100_000


@dataclass(frozen=True, slots=True)
class AuthResult:
    """Outcome of one check; ``reason`` is safe to log (no key material)."""

    ok: bool
    alg: str | None = None
    reason: str = ""


class JwtVerifier:
    """Verifies bearer tokens against one known access/secret key pair."""

    def __init__(self, access_key: str, secret_key: str, *, reject_reused_nonce: bool = True,
                 require_timestamp: bool = False) -> None:
        self._access_key = access_key
        self._require_timestamp = require_timestamp
        self._secret_key = secret_key
        self._reject_reused = reject_reused_nonce
        self._nonces: set[str] = set()

    def __repr__(self) -> str:
        return "JwtVerifier(<keys hidden>)"

    def verify(self, authorization: str | None) -> AuthResult:
        """Check an ``Authorization`` header value."""
        if not authorization:
            return AuthResult(False, None, "missing Authorization header")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return AuthResult(False, None, "Authorization is not a Bearer token")
        token = token.strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return AuthResult(False, None, "malformed token")
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            return AuthResult(False, None, f"unsupported algorithm {alg!r}")
        try:
            with warnings.catch_warnings():
                # Real Upbit secrets are 40 characters, below PyJWT's HS512 recommendation; the key
                # length is the account holder's business, not a reason to fail verification.
                warnings.simplefilter("ignore", InsecureKeyLengthWarning)
                payload = jwt.decode(token, self._secret_key, algorithms=[alg])
        except jwt.PyJWTError as exc:
            return AuthResult(False, alg, f"verification failed ({type(exc).__name__})")
        if payload.get("access_key") != self._access_key:
            return AuthResult(False, alg, "unknown access key")
        nonce = payload.get("nonce")
        if not isinstance(nonce, str) or not nonce:
            return AuthResult(False, alg, "missing nonce")
        if self._require_timestamp:
            # Bithumb: a millisecond "timestamp" claim (an int; seconds would be ~1000x too small).
            stamp = payload.get("timestamp")
            if isinstance(stamp, bool) or not isinstance(stamp, int) or stamp < 10**12:
                return AuthResult(False, alg, "missing or malformed timestamp claim (ms)")
        if self._reject_reused:
            if nonce in self._nonces:
                return AuthResult(False, alg, "nonce already used")
            if len(self._nonces) >= _MAX_NONCES:
                self._nonces.clear()
            self._nonces.add(nonce)
        return AuthResult(True, alg, "")
