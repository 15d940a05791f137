"""StudyEngine: incremental == batch, live-candle update semantics, study list changes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.features.studies.reference import Bar
from tests.features.studies.test_values import random_bars
from upbit_monitor.errors import StudySettingsError
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

ALL = [
    SmaSettings(5), EmaSettings(8), BollingerSettings(6, 2.0), VwapSettings(), RsiSettings(4),
    MacdSettings(3, 7, 4), VolumeSettings(5),
]


def snapshot(engine: StudyEngine) -> dict[str, list[float]]:
    return {f"{s.label()}/{name}": list(values) for s in engine.studies for name, values in
            engine.lines(s).items()}


def assert_same(a: dict[str, list[float]], b: dict[str, list[float]]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=key)


def live_versions(bar: Bar, n: int, seed: int) -> list[Bar]:
    """How a candle arrives live: ``n`` partial versions, then the closed bar (same start time)."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        close = bar.low + (bar.high - bar.low) * rng.random()
        out.append(bar._replace(close=close, volume=bar.volume * (k + 1) / (n + 1)))
    return [*out, bar]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 120), updates=st.integers(0, 4))
def test_streaming_with_live_updates_equals_batch(seed, n, updates):
    bars = random_bars(n, seed, step=3600)  # hourly: the VWAP session restarts inside the series
    live = StudyEngine(ALL)
    for i, bar in enumerate(bars):
        for version in live_versions(bar, updates, seed + i):
            live.apply(version)
    batch = StudyEngine(ALL)
    batch.reset(bars)
    assert len(live) == len(batch) == n
    assert_same(snapshot(live), snapshot(batch))


def test_a_live_candle_updates_the_last_value_and_a_closed_one_appends():
    bars = random_bars(30, 1)
    engine = StudyEngine([SmaSettings(5)])
    engine.reset(bars)
    engine.take_dirty()
    before = engine.version
    last = bars[-1]
    engine.apply(last._replace(close=last.close + 50))
    sma = engine.lines(SmaSettings(5))["sma"]
    assert len(sma) == 30  # updated in place, not appended
    assert sma[-1] == pytest.approx(sum(b.close for b in bars[-5:]) / 5 + 10)
    assert engine.version == before + 1
    assert engine.take_dirty() == 29
    nxt = Bar(last.t + 60, 1, 1, 1, 1, 1)
    engine.apply(nxt)
    assert len(engine.lines(SmaSettings(5))["sma"]) == 31
    assert engine.take_dirty() == 30
    assert engine.take_dirty() is None


def test_an_identical_bar_changes_nothing():
    bars = random_bars(10, 2)
    engine = StudyEngine([EmaSettings(3)])
    engine.reset(bars)
    engine.take_dirty()
    version = engine.version
    engine.apply(bars[-1])
    assert engine.version == version
    assert engine.take_dirty() is None


def test_a_late_older_bar_is_merged_and_everything_recomputed():
    bars = random_bars(40, 3)
    engine = StudyEngine(ALL)
    engine.reset(bars[:20] + bars[21:])
    engine.apply(bars[20])  # arrives late (e.g. history filled a gap)
    engine.apply(bars[5]._replace(close=bars[5].close * 1.01))  # an older bar corrected
    want = StudyEngine(ALL)
    want.reset([*bars[:5], bars[5]._replace(close=bars[5].close * 1.01), *bars[6:]])
    assert engine.take_dirty() == 0
    assert_same(snapshot(engine), snapshot(want))


def test_adding_a_study_computes_it_once_and_keeps_the_others():
    bars = random_bars(50, 4)
    engine = StudyEngine([SmaSettings(10)])
    engine.reset(bars)
    kept = engine.lines(SmaSettings(10))["sma"]
    engine.set_studies([SmaSettings(10), RsiSettings(14), SmaSettings(10)])  # duplicates collapse
    assert engine.studies == [SmaSettings(10), RsiSettings(14)]
    assert np.shares_memory(kept, engine.lines(SmaSettings(10))["sma"])  # not recomputed
    rsi = engine.lines(RsiSettings(14))["rsi"]
    assert len(rsi) == 50 and math.isnan(rsi[13]) and not math.isnan(rsi[14])
    engine.set_studies([RsiSettings(14)])
    with pytest.raises(KeyError):
        engine.lines(SmaSettings(10))


def test_invalid_settings_are_refused_before_anything_changes():
    engine = StudyEngine([SmaSettings(10)])
    with pytest.raises(StudySettingsError, match="fast"):
        engine.set_studies([SmaSettings(10), MacdSettings(30, 20, 9)])
    assert engine.studies == [SmaSettings(10)]


def test_lines_are_read_only_views():
    engine = StudyEngine([SmaSettings(2)])
    engine.reset(random_bars(5, 6))
    with pytest.raises(ValueError):
        engine.lines(SmaSettings(2))["sma"][0] = 1.0


def test_values_at_gives_the_readout_of_one_bar():
    engine = StudyEngine([MacdSettings(3, 7, 4)])
    bars = random_bars(20, 7)
    engine.reset(bars)
    values = engine.values_at(MacdSettings(3, 7, 4), -1)
    assert set(values) == {"macd", "signal", "histogram"}
    assert values["histogram"] == pytest.approx(values["macd"] - values["signal"])
    assert engine.starts[-1] == bars[-1].t
