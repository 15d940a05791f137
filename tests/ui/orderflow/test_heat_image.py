"""Incremental image: recolouring only the dirty columns per frame gives the same pixels as
colouring the whole grid once (what a full render would paint)."""

from __future__ import annotations

import random

import numpy as np

from tests.features.orderflow.books import T0, book
from upbit_monitor.features.orderflow import BookHistory, GridSpec, HeatGrid, choose_scale, colour_table
from upbit_monitor.ui.orderflow.heat_image import HeatImage


def test_incremental_append_equals_full_render() -> None:
    rng = random.Random(3)
    spec = GridSpec(bin_size=1.0, col_ms=100, n_cols=200, n_rows=80)
    hist, grid = BookHistory(4000), HeatGrid(spec)
    table = colour_table(dark=True)
    image = HeatImage(spec.n_rows, spec.n_cols, table)
    scale = None
    mid, t = 1000.0, T0
    for _ in range(900):
        t += rng.choice((40, 100, 150))
        mid += rng.choice((-1, 0, 0, 1))
        hist.append(book(t, mid, sizes={mid + rng.randint(-25, 25): rng.uniform(1, 80)}))
        grid.update(hist)
        if scale is None:
            scale = choose_scale(grid.values, 99.0, log=False)
        full, dirty = grid.take_dirty()
        image.apply(grid, scale, full, dirty)
    assert scale is not None and grid.last_bucket is not None and grid.top_bin is not None
    # Incremental work: far fewer columns coloured than a full recolour per update would do.
    assert image.columns_coloured < 900 * spec.n_cols / 20
    fresh = HeatGrid(spec)
    fresh.rebuild(hist, grid.last_bucket, grid.top_bin)
    full_image = HeatImage(spec.n_rows, spec.n_cols, table)
    full_image.apply(fresh, scale, True, [])
    assert np.array_equal(image.pixels, full_image.pixels)
    # And the QImage really shows the numpy pixels (no copy was taken).
    col = grid.position(grid.last_bucket)
    assert image.image.pixel(col, 40) == int(image.pixels[40, col])
