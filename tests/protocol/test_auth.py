"""JWT signing, the Secret wrapper and key validation (protocol/auth.py)."""

from __future__ import annotations

import copy
import pickle
import uuid

import jwt
import pytest

from tests.features.private.helpers import ACCESS, SECRET
from upbit_monitor.errors import KeyFormatError
from upbit_monitor.protocol.auth import (
    Credentials,
    Secret,
    authorization_header,
    make_jwt,
    validate_access_key,
    validate_algorithm,
    validate_secret_key,
)


@pytest.mark.parametrize("alg", ["HS512", "HS256"])
def test_make_jwt_payload_and_signature(alg: str) -> None:
    token = make_jwt(ACCESS, SECRET, alg=alg)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == alg
    payload = jwt.decode(token, SECRET, algorithms=[alg])
    assert set(payload) == {"access_key", "nonce"}
    assert payload["access_key"] == ACCESS
    assert uuid.UUID(payload["nonce"]).version == 4


def test_default_algorithm_is_hs512_and_nonce_fresh() -> None:
    t1, t2 = make_jwt(ACCESS, SECRET), make_jwt(ACCESS, SECRET)
    assert jwt.get_unverified_header(t1)["alg"] == "HS512"
    n1 = jwt.decode(t1, SECRET, algorithms=["HS512"])["nonce"]
    n2 = jwt.decode(t2, SECRET, algorithms=["HS512"])["nonce"]
    assert n1 != n2


def test_explicit_nonce_and_secret_object() -> None:
    token = make_jwt(ACCESS, Secret(SECRET), alg="hs256", nonce="fixed")
    assert jwt.decode(token, SECRET, algorithms=["HS256"])["nonce"] == "fixed"


def test_wrong_secret_does_not_verify() -> None:
    token = make_jwt(ACCESS, SECRET)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, SECRET[::-1], algorithms=["HS512"])


def test_secret_never_shows() -> None:
    s = Secret(SECRET)
    for text in (repr(s), str(s), f"{s}", f"{s!r}", f"{s:>60}", "%s" % s, repr([s]), repr({"k": s})):  # noqa: UP031
        assert SECRET not in text
    assert s.reveal() == SECRET
    assert s == Secret(SECRET) and s != Secret(SECRET + "x")
    assert copy.deepcopy(s) is s
    with pytest.raises(TypeError):
        pickle.dumps(s)


def test_credentials_repr_masks_both_keys() -> None:
    creds = Credentials.create(ACCESS, SECRET, "HS256")
    for text in (repr(creds), str(creds), f"{creds}"):
        assert SECRET not in text
        assert ACCESS not in text
    assert jwt.decode(creds.token(), SECRET, algorithms=["HS256"])["access_key"] == ACCESS


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("abc12", "too short"),
        ("x" * 300, "too long"),
        ("Access Key With Spaces 0123456789", "unexpected character"),
        ('"AccessKey0123456789abcdef"', "unexpected character"),
    ],
)
def test_access_key_validation_messages(value: str, fragment: str) -> None:
    with pytest.raises(KeyFormatError) as info:
        validate_access_key(value)
    assert fragment in str(info.value)
    if value.strip():
        assert value.strip() not in str(info.value)


def test_secret_validation_never_quotes_key() -> None:
    bad = "SecretWith$Dollar0123456789abcdefABCDEF"
    with pytest.raises(KeyFormatError) as info:
        validate_secret_key(bad)
    assert bad not in str(info.value) and "$" not in str(info.value)
    with pytest.raises(KeyFormatError, match="too short"):
        validate_secret_key("a" * 31)  # PyJWT warns below 32 bytes; we refuse before signing
    with pytest.raises(KeyFormatError) as info2:
        make_jwt(ACCESS, bad)
    assert bad not in str(info2.value)
    assert validate_secret_key(f"  {SECRET}\n").reveal() == SECRET  # pasted whitespace is trimmed


def test_algorithm_validation() -> None:
    assert validate_algorithm("hs512") == "HS512"
    with pytest.raises(KeyFormatError, match="HS512, HS256"):
        validate_algorithm("RS256")


def test_authorization_header() -> None:
    assert authorization_header("abc") == ("Authorization", "Bearer abc")
