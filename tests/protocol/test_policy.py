"""Backoff sequence and jitter bounds (seeded, no sleeping) and the failure classifiers."""

from __future__ import annotations

import itertools
import random

import pytest

from upbit_monitor.errors import ConfigError
from upbit_monitor.protocol.policy import (
    REQUEST_ERRORS,
    SLOW_RETRY_FLOOR_S,
    Disposition,
    backoff,
    classify_close,
    classify_handshake_status,
    classify_server_error,
    min_delay,
)

D = Disposition


def test_backoff_exact_sequence_without_jitter() -> None:
    delays = list(itertools.islice(backoff(jitter=0), 8))
    assert delays == [1, 2, 5, 10, 20, 20, 20, 20]


def test_backoff_jitter_bounds_and_cap() -> None:
    delays = list(itertools.islice(backoff(jitter=0.2, rng=random.Random(42)), 500))
    steps = [1, 2, 5, 10, 20]
    for i, delay in enumerate(delays):
        base = steps[min(i, 4)]
        assert base * 0.8 <= delay <= base * 1.2
    assert max(delays) <= 24
    assert len(set(delays[5:])) > 400  # jitter really varies the capped delay


def test_backoff_seeded_is_reproducible_and_custom_steps() -> None:
    a = list(itertools.islice(backoff((0.5, 3), jitter=0.1, rng=random.Random(1)), 5))
    b = list(itertools.islice(backoff((0.5, 3), jitter=0.1, rng=random.Random(1)), 5))
    assert a == b
    assert 0.45 <= a[0] <= 0.55 and all(2.7 <= x <= 3.3 for x in a[1:])


@pytest.mark.parametrize(
    ("steps", "jitter"),
    [((), 0.2), ((1, 0), 0.2), ((1, -2), 0.0), ((1, float("inf")), 0), ((1,), 1.0), ((1,), -0.1)],
)
def test_backoff_rejects_bad_config_at_call(steps: tuple[float, ...], jitter: float) -> None:
    with pytest.raises(ConfigError):
        backoff(steps, jitter=jitter)


@pytest.mark.parametrize(
    ("code", "reason", "expected"),
    [
        (None, "", D.RETRY),
        (1000, "", D.RETRY),
        (1001, "going away", D.RETRY),
        (1006, "", D.RETRY),
        (1011, "internal error", D.RETRY),
        (1012, "", D.RETRY),
        (1008, "", D.RETRY_SLOW),
        (1013, "", D.RETRY_SLOW),
        (1002, "", D.RETRY_SLOW),
        (1009, "", D.RETRY_SLOW),
        (1000, "Too many requests", D.RETRY_SLOW),
        (4000, "rate limit exceeded", D.RETRY_SLOW),
        (1008, "INVALID_AUTH", D.FATAL),
        (None, "jwt verification failed", D.FATAL),
        (4001, "", D.RETRY),
    ],
)
def test_classify_close(code: int | None, reason: str, expected: Disposition) -> None:
    assert classify_close(code, reason) is expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, D.FATAL),
        (403, D.FATAL),
        (404, D.FATAL),
        (400, D.FATAL),
        (301, D.FATAL),
        (429, D.RETRY_SLOW),
        (418, D.RETRY_SLOW),
        (503, D.RETRY_SLOW),
        (500, D.RETRY),
        (502, D.RETRY),
        (408, D.RETRY),
        (200, D.RETRY),
    ],
)
def test_classify_handshake_status(status: int, expected: Disposition) -> None:
    assert classify_handshake_status(status) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("INVALID_AUTH", D.FATAL),
        ("401", D.FATAL),
        ("jwt_verification", D.FATAL),
        ("429", D.RETRY_SLOW),
        ("TOO_MANY_SUBSCRIBE", D.RETRY_SLOW),
        *((name, D.IGNORE) for name in sorted(REQUEST_ERRORS)),
        ("SOMETHING_NEW", D.IGNORE),
        ("", D.IGNORE),
    ],
)
def test_classify_server_error(name: str, expected: Disposition) -> None:
    assert classify_server_error(name) is expected


def test_min_delay() -> None:
    assert min_delay(D.RETRY_SLOW) == SLOW_RETRY_FLOOR_S > 0
    assert min_delay(D.RETRY) == 0
