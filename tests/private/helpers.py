"""Shared test helpers for the private-feed tests (keys, an in-memory keyring)."""

from __future__ import annotations

import keyring.errors

# >= 64 bytes: PyJWT warns when *verifying* HS512 with shorter HMAC keys (HS256: 32), and warnings are
# errors in this suite; the simulator verifies our tokens in-process.
ACCESS = "AccessKey0123456789abcdefABCDEF0123456789"
SECRET = "SecretKey0123456789abcdefABCDEF0123456789xyzSecretKey0123456789abcdef"
WRONG_SECRET = "WrongSecret0123456789abcdefABCDEF012345678WrongSecret0123456789abcdef"


class MemoryKeyring:
    """A duck-typed keyring backend kept in a dict (not a KeyringBackend subclass, so keyring's
    auto-detection never picks it up for other tests)."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], str] = {}
        self.fail_with: Exception | None = None

    def get_password(self, service: str, username: str) -> str | None:
        if self.fail_with is not None:
            raise self.fail_with
        return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        if (service, username) not in self.data:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.data[(service, username)]
