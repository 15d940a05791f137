"""StudyEngine: a chart's studies, kept up to date bar by bar.

The chart hands the engine the same bars it draws: :meth:`StudyEngine.reset` with the whole series
(history loaded, coin or timeframe switched, older bars prepended) and :meth:`StudyEngine.apply`
with each live bar. ``apply`` costs O(1) per study:

- a bar with the newest start time replaces the newest values (a live candle changing in place
  updates the last value, it never appends a second one);
- a bar with a later start appends (the previous candle closed);
- an identical bar changes nothing;
- a bar older than the newest (late history, rare) is merged and everything is recomputed.

A study whose source is Upbit's server computes nothing here: its rows are NaN until
:meth:`StudyEngine.set_server_value` fills the bar a server value belongs to (kept across resets).

Outputs are numpy columns aligned with the bars (:meth:`StudyEngine.lines`), so the chart draws
them without copying. ``version`` moves on every change and :meth:`take_dirty` says from which
bar index values changed since the last call, so a repaint touches only what moved.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from upbit_monitor.features.studies.calculators import NAN, BarLike, Calculator, Values, make_calculator
from upbit_monitor.features.studies.lines import FloatArray, LineTable
from upbit_monitor.features.studies.settings import Source, StudySettings


class _ServerValues:
    """The "calculator" of a server-source study: the values Upbit sent, by bar start; NaN elsewhere."""

    def __init__(self, values: dict[int, Values], width: int) -> None:
        self.values = values
        self.missing: Values = (NAN,) * width

    def add(self, bar: BarLike) -> Values:
        return self.values.get(bar.t, self.missing)

    def update(self, bar: BarLike) -> Values:
        return self.values.get(bar.t, self.missing)


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
        self._server: dict[StudySettings, dict[int, Values]] = {}
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
        calc: Calculator
        if settings.source is Source.SERVER:
            calc = _ServerValues(self._server.setdefault(settings, {}), len(settings.lines))
        else:
            calc = make_calculator(settings)
        study = _Study(settings, calc)
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

    def set_server_value(self, study: StudySettings, start: int, values: Values) -> None:
        """Upbit's ``values`` of server-source ``study`` for the bar starting at ``start`` (epoch s)."""
        self._server.setdefault(study, {})[start] = values
        drawn = self._studies.get(study)
        i = bisect.bisect_left(self._starts, start)
        if drawn is not None and i < len(self._starts) and self._starts[i] == start:
            drawn.table.set_row(i, values)
            self._changed(i)

    def clear_server_values(self) -> None:
        """Forget every server value (another coin or timeframe is shown)."""
        for values in self._server.values():
            values.clear()
        changed = [s for s in self._studies if s.source is Source.SERVER]
        for study in changed:
            self._studies[study] = self._computed(study)
        if changed:
            self._changed(0)

    def has_values(self, study: StudySettings) -> bool:
        """Whether ``study`` has any value yet (a server study has none before Upbit's first close)."""
        drawn = self._studies.get(study)
        if drawn is None or not len(drawn.table):
            return False
        return any(bool(np.isfinite(drawn.table.view(name)).any()) for name in drawn.table.names)

    def last_values(self, study: StudySettings, index: int) -> tuple[int, dict[str, float]] | None:
        """The newest bar at or before ``index`` where ``study`` has a value, with its values (None:
        there is none). A server study's live bar is empty until Upbit closes it; its legend shows this."""
        table = self._studies[study].table
        if not 0 <= index < len(table):
            return None
        finite = np.zeros(index + 1, dtype=bool)
        for name in table.names:
            finite |= np.isfinite(table.view(name)[: index + 1])
        hits = np.flatnonzero(finite)
        if not hits.size:
            return None
        last = int(hits[-1])
        return last, self.values_at(study, last)

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
