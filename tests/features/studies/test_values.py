"""Study values against published figures and against the textbook formulas in ``reference``."""

from __future__ import annotations

import math
import random

import pytest

from tests.features.studies import reference as ref
from tests.features.studies.reference import Bar
from upbit_monitor.features.studies import (
    BollingerSettings,
    EmaSettings,
    MacdSettings,
    RsiSettings,
    SmaSettings,
    StudyEngine,
    VolumeSettings,
    VwapSettings,
)

# Wilder's RSI worked example (14 periods) from StockCharts' ChartSchool spreadsheet: its closes (4
# decimals; the article's table shows them rounded to 2, which moves the RSI by up to 0.07), then the
# RSI from the 15th close on, rounded to 2 decimals.
WILDER_CLOSES = [
    44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433, 46.0826, 45.8931,
    46.0328, 45.6140, 46.2820, 46.2820, 46.0028, 46.0328, 46.4116, 46.2222, 45.6439, 46.2122, 46.2521,
    45.7137, 46.4515, 45.7835, 45.3548, 44.0288, 44.1783, 44.2181, 44.5672, 43.4205, 42.6628, 43.1314,
]
WILDER_RSI = [
    70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46,
    41.87, 45.46, 37.30, 33.08, 37.77,
]


def closes_to_bars(closes: list[float], t0: int = 0, step: int = 60) -> list[Bar]:
    return [Bar(t0 + i * step, c, c, c, c, 1.0) for i, c in enumerate(closes)]


def random_bars(n: int, seed: int, step: int = 60, t0: int = 1_764_000_000) -> list[Bar]:
    rng = random.Random(seed)
    price, out = 1000.0, []
    for i in range(n):
        o = price
        price = max(1.0, price * (1 + rng.gauss(0, 0.01)))
        out.append(Bar(t0 + i * step, o, max(o, price) * 1.003, min(o, price) * 0.997, price,
                       rng.uniform(0.1, 5.0)))
    return out


def assert_close(got, want, rel: float = 1e-9) -> None:
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if math.isnan(w):
            assert math.isnan(g), f"index {i}: {g} where the reference is undefined"
        else:
            assert g == pytest.approx(w, rel=rel, abs=1e-9), f"index {i}"


def computed(study, bars):
    engine = StudyEngine([study])
    engine.reset(bars)
    return {name: list(values) for name, values in engine.lines(study).items()}


def test_rsi_matches_wilders_published_example():
    got = computed(RsiSettings(14), closes_to_bars(WILDER_CLOSES))["rsi"]
    assert all(math.isnan(v) for v in got[:14])
    assert [round(v, 2) for v in got[14:]] == WILDER_RSI


def test_sma_and_ema_on_a_hand_computed_series():
    bars = closes_to_bars([1, 2, 3, 4, 5, 6])
    assert_close(computed(SmaSettings(3), bars)["sma"], [math.nan, math.nan, 2, 3, 4, 5])
    # EMA 3: alpha 0.5, seeded with the mean of 1, 2, 3 = 2 -> 3, 4, 5.
    assert_close(computed(EmaSettings(3), bars)["ema"], [math.nan, math.nan, 2, 3, 4, 5])


def test_bollinger_bands_use_the_population_deviation():
    bars = closes_to_bars([2, 4, 4, 4, 5, 5, 7, 9])  # mean 5, population sd exactly 2
    lines = computed(BollingerSettings(8, 2.0), bars)
    assert lines["middle"][-1] == pytest.approx(5)
    assert lines["upper"][-1] == pytest.approx(9)
    assert lines["lower"][-1] == pytest.approx(1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_study_matches_the_reference_formulas(seed):
    bars = random_bars(400, seed)
    closes = [b.close for b in bars]
    assert_close(computed(SmaSettings(20), bars)["sma"], ref.sma(closes, 20))
    assert_close(computed(EmaSettings(50), bars)["ema"], ref.ema(closes, 50))
    upper, mid, lower = ref.bollinger(closes, 20, 2.5)
    bb = computed(BollingerSettings(20, 2.5), bars)
    assert_close(bb["upper"], upper)
    assert_close(bb["middle"], mid)
    assert_close(bb["lower"], lower)
    assert_close(computed(RsiSettings(14), bars)["rsi"], ref.rsi(closes, 14))
    line, sig, hist = ref.macd(closes, 12, 26, 9)
    macd = computed(MacdSettings(12, 26, 9), bars)
    assert_close(macd["macd"], line)
    assert_close(macd["signal"], sig)
    assert_close(macd["histogram"], hist, rel=1e-6)
    volume = computed(VolumeSettings(10), bars)
    assert volume["volume"] == [b.volume for b in bars]
    assert_close(volume["ma"], ref.sma([b.volume for b in bars], 10))


def test_vwap_restarts_at_each_session():
    # 1-hour bars over three days: sessions start at 00:00 UTC (09:00 KST, Upbit's trading day).
    bars = random_bars(72, seed=5, step=3600, t0=1_764_028_800)  # 2025-11-25 00:00 UTC
    got = computed(VwapSettings(), bars)["vwap"]
    assert_close(got, ref.session_vwap(bars))
    first_of_day = [i for i, b in enumerate(bars) if b.t % 86_400 == 0]
    assert len(first_of_day) == 3
    for i in first_of_day:  # a fresh session's VWAP is its first bar's typical price
        b = bars[i]
        assert got[i] == pytest.approx((b.high + b.low + b.close) / 3)
