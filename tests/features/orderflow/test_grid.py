"""Heat grid: size lands in the right rows and buckets, carries forward, and the incremental path
equals a full rebuild (what the image is painted from)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tests.features.orderflow.books import T0, book
from upbit_monitor.errors import ConfigError
from upbit_monitor.features.orderflow import BookHistory, GridSpec, HeatGrid, price_bins


def test_price_bins_floor_without_binary_surprises() -> None:
    assert price_bins(np.array([0.3, 0.29, 100.0, 104.9]), 0.1).tolist() == [3, 2, 1000, 1049]
    assert price_bins(np.array([1005.0, 1009.0, 1010.0]), 5.0).tolist() == [201, 201, 202]


def test_sizes_land_in_rows_and_buckets_with_means_and_carry() -> None:
    hist = BookHistory(100)
    spec = GridSpec(bin_size=1.0, col_ms=1000, n_cols=4, n_rows=40)
    # Bucket 0: two snapshots, the 95 bid holds 2 then 4 (mean 3). Bucket 1: none: the book
    # resting then, i.e. the last snapshot (4).
    # Bucket 2: 95 holds 10.
    hist.append(book(T0, 100.5, levels=10, sizes={95.0: 2.0}))
    hist.append(book(T0 + 500, 100.5, levels=10, sizes={95.0: 4.0}))
    hist.append(book(T0 + 2100, 100.5, levels=10, sizes={95.0: 10.0}))
    grid = HeatGrid(spec)
    assert grid.update(hist)
    b2 = int((T0 + 2100) // 1000)
    assert grid.last_bucket == b2
    assert grid.top_bin == 100 + 20
    row95 = grid.top_bin - 95
    col = [grid.position(b2 - k) for k in (2, 1, 0)]
    assert grid.values[row95, col].tolist() == [3.0, 4.0, 10.0]
    assert grid.values[grid.top_bin - 101, col[0]] == 1.0  # best ask level
    assert grid.best_bid[col[2]] == 100.0 and grid.best_ask[col[2]] == 101.0
    # The bucket before the first snapshot has nothing.
    assert grid.values[:, grid.position(b2 - 3)].sum() == 0.0
    assert np.isnan(grid.best_bid[grid.position(b2 - 3)])


def test_grouping_sums_levels_into_bins() -> None:
    hist = BookHistory(10)
    hist.append(book(T0, 1000.5, levels=10, size=1.0))  # bids 1000..991, asks 1001..1010
    grid = HeatGrid(GridSpec(bin_size=5.0, col_ms=1000, n_cols=2, n_rows=10))
    grid.update(hist)
    col = grid.position(grid.last_bucket or 0)
    by_bin = {grid.top_bin - r: float(grid.values[r, col]) for r in range(10) if grid.values[r, col]}
    # [990,995): 991..994 = 4; [995,1000): 5; [1000,1005): bid 1000 + asks 1001..1004 = 5;
    # [1005,1010): 5; [1010,1015): the 1010 ask = 1
    assert by_bin == {198: 4.0, 199: 5.0, 200: 5.0, 201: 5.0, 202: 1.0}


def test_incremental_updates_equal_a_full_rebuild() -> None:
    rng = random.Random(7)
    hist = BookHistory(5000)
    spec = GridSpec(bin_size=2.0, col_ms=250, n_cols=120, n_rows=60)
    grid = HeatGrid(spec)
    mid, t = 5000.0, T0
    painted = np.zeros((spec.n_rows, spec.n_cols), np.float32)  # an image fed only dirty columns
    for _frame in range(600):
        for _ in range(rng.randint(0, 3)):
            t += rng.choice((20, 60, 100, 400))
            mid += rng.choice((-2, -1, 0, 1, 2, 2))  # drifts up: forces re-centring
            hist.append(book(t, mid, tick=1.0, sizes={mid + rng.randint(-20, 20): rng.uniform(1, 50)}))
        grid.update(hist, now_ms=t + rng.choice((0, 0, 300)))
        full, dirty = grid.take_dirty()
        cols = list(range(spec.n_cols)) if full else dirty
        painted[:, cols] = grid.values[:, cols]
    assert grid.rebuilds >= 2  # the walk re-centred the grid at least once on the way
    assert grid.last_bucket is not None and grid.top_bin is not None
    fresh = HeatGrid(spec)
    fresh.rebuild(hist, grid.last_bucket, grid.top_bin)
    np.testing.assert_allclose(painted, fresh.values, rtol=1e-6)
    np.testing.assert_allclose(grid.values, fresh.values, rtol=1e-6)


def test_bad_spec_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        GridSpec(0.0, 100, 10, 10)
    with pytest.raises(ConfigError):
        GridSpec(1.0, 100, 1, 10)


def test_a_quiet_book_costs_only_the_new_buckets() -> None:
    hist = BookHistory(100)
    spec = GridSpec(bin_size=1.0, col_ms=100, n_cols=50, n_rows=40)
    grid = HeatGrid(spec)
    hist.append(book(T0, 100.5))
    grid.update(hist, now_ms=T0)
    grid.take_dirty()
    # Two seconds without a book (an illiquid coin): a frame computes the new buckets, no more.
    first = int(T0 // 100)
    grid.update(hist, now_ms=T0 + 150)
    assert grid.take_dirty()[1] == [grid.position(first + 1)]
    grid.update(hist, now_ms=T0 + 2000)
    full, dirty = grid.take_dirty()
    assert not full and len(dirty) == 19  # buckets +2 .. +20
    assert hist.time_of(0) == T0 and hist.time_of(1) is None
