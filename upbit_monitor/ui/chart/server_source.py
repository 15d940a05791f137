"""A chart's studies fed by Upbit's server indicators (the chart side of features/studies/server.py).

:class:`ServerStudies` follows the chart: after every coin/timeframe switch or study change it asks its
:class:`~upbit_monitor.features.studies.server.ServerStudyFeed` for the server-source studies the view
allows, writes each value Upbit sends into the chart's study engine (the bar it belongs to), and keeps a
note in the study's legend while there is nothing to draw: why Upbit's values cannot be shown here
(a BTC market, a 1m chart, no API keys), or that they start at Upbit's next candle close (the legend
shows a note only where the study has no value to show; on the live bar it shows Upbit's newest value
with the close it belongs to).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from upbit_monitor.features.indicators.server import ServerIndicators
from upbit_monitor.features.private.feed import PrivateFeed, PrivateState
from upbit_monitor.features.studies.server import ServerStudyFeed, Values
from upbit_monitor.features.studies.settings import Source, StudySettings
from upbit_monitor.ui.chart.toolbar import TIMEFRAME_LABELS

if TYPE_CHECKING:
    from upbit_monitor.ui.chart.view import ChartView

_NO_KEYS = (PrivateState.NO_KEYS, PrivateState.KEY_PROBLEM)


def install_server_studies(chart: ChartView, manager: Any, private: PrivateFeed,
                           venue: Callable[[], str] = lambda: "upbit") -> ServerStudies:
    """Composition root: ``chart``'s studies may take Upbit's values, signed with ``private``'s keys.

    The info connection uses the private feed's key provider (keys entered in Account > API keys…
    apply to it too); a change of the key state re-subscribes (or releases) the server studies.
    ``venue`` names the exchange the chart shows (the window's venue switch reloads the chart, which
    re-checks it).
    """
    indicators = ServerIndicators(manager, provider=private.provider)
    feed = ServerStudyFeed(indicators, keys_ok=lambda: private.status.state not in _NO_KEYS, venue=venue)
    chart.use_server_studies(feed)
    binding = chart.server_studies
    assert binding is not None
    private.add_status_listener(binding.keys_changed)  # a bound method: held weakly
    return binding


class ServerStudies:
    """Binds one :class:`ServerStudyFeed` to one chart (held by the chart; the chart held weakly)."""

    def __init__(self, chart: ChartView, feed: ServerStudyFeed) -> None:
        # Weak: the chart owns this object, and a strong reference back would keep a closed pane alive
        # through the feed's listener.
        self._chart = weakref.ref(chart)
        self.feed = feed
        self._view: tuple[str, str | None, int] | None = None
        feed.listener = self._on_values

    def problem(self, study: StudySettings) -> str | None:
        """Why ``study`` cannot take Upbit's values on the chart as it is now (None: it can)."""
        chart = self._chart()
        if chart is None:
            return "the chart is closed"
        return self.feed.problem(study, chart.code, chart.unit)

    def follow(self) -> None:
        """The chart switched coin or timeframe, or its studies changed: subscribe to match."""
        chart = self._chart()
        if chart is None:
            self.feed.release()
            return
        view = (self.feed.venue(), chart.code, chart.unit)
        if view != self._view:
            self._view = view
            chart.study_layer.engine.clear_server_values()
        self.feed.follow(chart.code, chart.unit, chart.studies)
        self._write_notes()

    def keys_changed(self, _status: object) -> None:
        """API keys came, went or were rejected: subscribe (or release) to match."""
        self.follow()

    def _on_values(self, study: StudySettings, start: int, values: Values) -> None:
        chart = self._chart()
        if chart is None or study not in chart.studies:
            return
        layer = chart.study_layer
        layer.engine.set_server_value(study, start, values)
        layer.refresh()
        self._write_notes()

    def _write_notes(self) -> None:
        chart = self._chart()
        if chart is None:
            return
        layer = chart.study_layer
        notes: dict[StudySettings, str] = {}
        for study in chart.studies:
            if study.source is not Source.SERVER:
                continue
            problem = self.problem(study)
            if problem is not None:
                notes[study] = f"— {problem}"
            elif not layer.engine.has_values(study):
                notes[study] = f"— from Upbit's next {TIMEFRAME_LABELS[chart.unit]} close"
            else:  # the crosshair on a bar before the first value Upbit sent
                notes[study] = "— Upbit sends no history"
        layer.set_notes(notes)
