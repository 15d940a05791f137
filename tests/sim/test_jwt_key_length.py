"""A real Upbit secret is 40 characters: below PyJWT's 64-byte HS512 advice. Under warnings-as-errors
neither signing (protocol.auth.make_jwt) nor the simulator's check may let InsecureKeyLengthWarning out.
"""

from __future__ import annotations

import warnings

import pytest

from upbit_monitor.protocol.auth import make_jwt
from upbit_monitor.sim.jwt_check import JwtVerifier

ACCESS = "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0"
SECRET = "z9Y8x7W6v5U4t3S2r1Q0p9O8n7M6l5K4j3I2h1G0"  # 40 chars, like Upbit's


@pytest.mark.parametrize("alg", ["HS256", "HS512"])
def test_forty_char_secret_signs_and_verifies_without_a_warning(alg: str) -> None:
    assert len(SECRET) == 40
    filters_before = list(warnings.filters)
    verifier = JwtVerifier(ACCESS, SECRET)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning escaping either side fails the test
        token = make_jwt(ACCESS, SECRET, alg=alg)
        result = verifier.verify(f"Bearer {token}")
        wrong = JwtVerifier(ACCESS, SECRET[::-1]).verify(f"Bearer {make_jwt(ACCESS, SECRET, alg=alg)}")
    assert result.ok and result.alg == alg, result.reason
    assert not wrong.ok and wrong.reason.startswith("verification failed")
    # The local suppression does not leak into the process-wide filters.
    assert list(warnings.filters) == filters_before
