"""StudyEngine: a chart's studies, kept up to date bar by bar.

The chart hands the engine the same bars it draws: :meth:`StudyEngine.reset` with the whole series
(history loaded, coin or timeframe switched, older bars prepended) and :meth:`StudyEngine.apply`
with each live bar. ``apply`` costs O(1) per study:

- a bar with the newest start time replaces the newest values (a live candle changing in place
  updates the last value, it never appends a second one);
- a bar with a later start appends (the previous candle closed);
- an identical bar changes nothing;
- a bar older than the newest (late history, rare) is merged and everything is recomputed.

Outputs are numpy columns aligned with the bars (:meth:`StudyEngine.lines`), so the chart draws
them without copying. ``version`` moves on every change and :meth:`take_dirty` says from which
bar index values changed since the last call, so a repaint touches only what moved.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from upbit_monitor.features.studies.calculators import BarLike, Calculator, make_calculator
from upbit_monitor.features.studies.lines import FloatArray, LineTable
from upbit_monitor.features.studies.settings import StudySettings


@dataclass(slots=True)
class _Study:
    settings: StudySettings
    calc: Calculator
    table: LineTable = field(init=False)

    def __post_init__(self) -> None:
        self.table = LineTable(self.settings.lines)


class StudyEngine:
    """The computed studies of one chart (one market, one timeframe)."""

    def __init__(self, studies: Iterable[StudySettings] = ()) -> None:
        self._bars: list[BarLike] = []
        self._starts: list[int] = []
        self._studies: dict[StudySettings, _Study] = {}
        self.version = 0
        self._dirty_from: int | None = None
        self.set_studies(studies)

    # ---- configuration -----------------------------------------------------------------------
    @property
    def studies(self) -> list[StudySettings]:
        """The studies in display order."""
        return list(self._studies)

    def set_studies(self, studies: Iterable[StudySettings]) -> None:
        """Show exactly ``studies`` (validated): kept ones keep their values, new ones compute once."""
        wanted: list[StudySettings] = []
        for study in studies:
            study.validate()
            if study not in wanted:
                wanted.append(study)
        old = self._studies
        self._studies = {}
        for study in wanted:
            kept = old.get(study)
            self._studies[study] = kept if kept is not None else self._computed(study)
        if list(old) != wanted:
            self._changed(0)

    def _computed(self, settings: StudySettings) -> _Study:
        study = _Study(settings, make_calculator(settings))
        study.table.reserve(len(self._bars))
        for bar in self._bars:
            study.table.append(study.calc.add(bar))
        return study

    # ---- data --------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._bars)

    def reset(self, bars: Iterable[BarLike]) -> None:
        """Replace every bar (sorted by start, one per start) and recompute all studies once."""
        self._bars = list(bars)
        self._starts = [bar.t for bar in self._bars]
        self._studies = {s: self._computed(s) for s in self._studies}
        self._changed(0)

    def apply(self, bar: BarLike) -> None:
        """Merge one bar (see the module docstring for the cases)."""
        starts = self._starts
        if not starts or bar.t > starts[-1]:
            self._bars.append(bar)
            starts.append(bar.t)
            for study in self._studies.values():
                study.table.append(study.calc.add(bar))
            self._changed(len(starts) - 1)
        elif bar.t == starts[-1]:
            if self._bars[-1] == bar:
                return
            self._bars[-1] = bar
            for study in self._studies.values():
                study.table.set_last(study.calc.update(bar))
            self._changed(len(starts) - 1)
        else:
            i = bisect.bisect_left(starts, bar.t)
            bars = list(self._bars)
            if starts[i] == bar.t:
                bars[i] = bar
            else:
                bars.insert(i, bar)
            self.reset(bars)

    def lines(self, study: StudySettings) -> dict[str, FloatArray]:
        """Every line of ``study`` as read-only arrays aligned with the bars."""
        table = self._studies[study].table
        return {name: table.view(name) for name in table.names}

    def values_at(self, study: StudySettings, index: int) -> dict[str, float]:
        """``study``'s line values at bar ``index`` (the crosshair readout)."""
        table = self._studies[study].table
        return dict(zip(table.names, table.row(index), strict=True))

    @property
    def starts(self) -> Sequence[int]:
        """Bar start times (epoch seconds), the x values of every line."""
        return self._starts

    # ---- change tracking ---------------------------------------------------------------------
    def _changed(self, index: int) -> None:
        self.version += 1
        if self._dirty_from is None or index < self._dirty_from:
            self._dirty_from = index

    def take_dirty(self) -> int | None:
        """The lowest bar index changed since the previous call (None: nothing changed)."""
        dirty, self._dirty_from = self._dirty_from, None
        return dirty
