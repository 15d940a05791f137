"""Colour for resting size: a percentile-clipped (optionally logarithmic) scale and two colour maps.

One wall of 500 BTC would otherwise turn every other level into the background colour: the scale is
clipped at a percentile of the non-empty cells (everything above shows at full colour) and can be
logarithmic. Colours are 32-bit ARGB ints (QImage ``Format_ARGB32`` byte order on little-endian
machines), picked from a 256-entry table, so colouring a column is one ``take``. The scale is
chosen by the view now and then (:class:`ColourScale`), not per frame: a new scale means
recolouring every column, which the incremental image avoids doing per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from upbit_monitor.errors import ConfigError

U32 = npt.NDArray[np.uint32]
F32 = npt.NDArray[np.float32]

# Control points (position, RGB). Purple -> amber -> white (dark) and lavender -> deep purple
# (light) stay apart from the red/blue/green of trade bubbles and bid/ask lines in either colour
# convention; empty cells (index 0) are the theme's background.
_DARK = ((0.0, (14, 17, 24)), (0.12, (40, 30, 75)), (0.4, (115, 65, 160)), (0.75, (235, 185, 60)),
         (1.0, (255, 250, 225)))
_LIGHT = ((0.0, (255, 255, 255)), (0.12, (232, 225, 245)), (0.4, (165, 130, 210)), (0.75, (95, 40, 150)),
          (1.0, (35, 5, 60)))
PERCENTILES = (95.0, 98.0, 99.0, 99.5, 100.0)


def colour_table(dark: bool) -> U32:
    """256 ARGB colours from empty (index 0) to the clip level (255)."""
    points = _DARK if dark else _LIGHT
    pos = np.array([p for p, _ in points])
    x = np.linspace(0.0, 1.0, 256)
    rgb = [np.interp(x, pos, [c[k] for _, c in points]).round().astype(np.uint32) for k in range(3)]
    return (np.uint32(0xFF000000) | (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]).astype(np.uint32)


@dataclass(frozen=True, slots=True)
class ColourScale:
    """Size -> table index: linear or log, clipped at ``clip`` (a size)."""

    clip: float
    log: bool = False

    def indices(self, values: F32) -> npt.NDArray[np.uint8]:
        """Table index (0..255) per value; 0 only for empty cells."""
        clip = max(self.clip, 1e-12)
        if self.log:
            frac = np.log1p(values / clip * 99.0) / np.log(100.0)  # two decades below the clip level
        else:
            frac = values / clip
        idx = np.clip(frac * 254.0, 0.0, 254.0).astype(np.uint8) + 1
        return np.where(values > 0, idx, 0).astype(np.uint8)

    def colours(self, values: F32, table: U32) -> U32:
        """ARGB per value."""
        return table[self.indices(values)]


def choose_scale(values: F32, percentile: float, log: bool) -> ColourScale:
    """The scale that clips ``values`` (its non-empty cells) at ``percentile``."""
    if not 50.0 <= percentile <= 100.0:
        raise ConfigError(f"colour clip percentile must be within 50..100, got {percentile}")
    filled = values[values > 0]
    clip = float(np.percentile(filled, percentile)) if filled.size else 1.0
    return ColourScale(clip if clip > 0 else 1.0, log)


def needs_rescale(current: ColourScale | None, proposed: ColourScale, tolerance: float = 0.25) -> bool:
    """Whether the clip level moved enough (``tolerance`` relative) to recolour everything."""
    if current is None or current.log != proposed.log:
        return True
    return abs(proposed.clip - current.clip) > tolerance * current.clip
