"""Price-alert levels as dashed, draggable horizontal lines on a pyqtgraph plot.

The engine is the source of truth: :class:`AlertLines` draws the enabled price rules of the shown
market and redraws when rules change (``engine.add_rule_listener``). Dragging a line and releasing
it moves the rule's level (``engine.update_rule``); an impossible level (e.g. dragged below zero)
is refused by the engine and the line snaps back, with the message in its tooltip.

One call attaches it to a chart: ``AlertLines(engine, plot_item, runner)`` and ``set_code(code)`` on
every coin switch.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt

from upbit_monitor.features.alerts import AlertEngine, AlertRule, RuleKind, describe
from upbit_monitor.ui.alerts.panel import AsyncRunner

LINE_COLOR = "#f5a524"


class AlertLines:
    """Dashed lines for the price rules of one market on ``plot`` (see the module docstring)."""

    def __init__(self, engine: AlertEngine, plot: Any, runner: AsyncRunner, code: str = "") -> None:
        self.engine = engine
        self.plot = plot
        self.runner = runner
        self.code = code
        self.lines: dict[int, pg.InfiniteLine] = {}
        self._unlisten = engine.add_rule_listener(self.refresh)
        self.refresh()

    def set_code(self, code: str) -> None:
        """The chart switched to ``code``."""
        if code != self.code:
            self.code = code
            self.refresh()

    def rules(self) -> list[AlertRule]:
        """The enabled price rules of the shown market."""
        return [r for r in self.engine.rules()
                if r.kind is RuleKind.PRICE and r.market == self.code and r.enabled and r.id is not None]

    def refresh(self) -> None:
        """Redraw from the engine's rules."""
        wanted = {r.id: r for r in self.rules() if r.id is not None}
        for rule_id in list(self.lines):
            if rule_id not in wanted:
                self.plot.removeItem(self.lines.pop(rule_id))
        for rule_id, rule in wanted.items():
            line = self.lines.get(rule_id)
            if line is None:
                pen = pg.mkPen(LINE_COLOR, width=1, style=Qt.PenStyle.DashLine)
                line = pg.InfiniteLine(angle=0, movable=True, pen=pen,
                                       hoverPen=pg.mkPen(LINE_COLOR, width=2, style=Qt.PenStyle.DashLine))
                line.sigPositionChangeFinished.connect(lambda ln, rid=rule_id: self._dropped(rid, ln))
                self.plot.addItem(line, ignoreBounds=True)
                self.lines[rule_id] = line
            line.setValue(rule.num("level"))
            line.setToolTip(describe(rule))

    def _dropped(self, rule_id: int, line: pg.InfiniteLine) -> None:
        rule = self.engine.rule(rule_id)
        if rule is None:
            return
        level = float(line.value())
        moved = dataclasses.replace(rule, params={**rule.params, "level": level})

        async def move() -> None:
            try:
                await self.engine.update_rule(moved)
            except Exception as exc:  # refused: snap back to the stored level and say why
                line.setValue(rule.num("level"))
                line.setToolTip(f"{describe(rule)}\n{exc}")
                raise

        self.runner.run(move())

    def close(self) -> None:
        """Remove the lines and stop following the engine."""
        self._unlisten()
        for line in self.lines.values():
            self.plot.removeItem(line)
        self.lines.clear()
