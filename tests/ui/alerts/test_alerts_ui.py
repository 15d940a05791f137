"""Alerts UI: the dialog refuses bad input (nothing saved), the panel edits rules, the log and badge
follow triggers, chart lines follow rules and drags move levels."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QComboBox, QLineEdit

from tests.features.alerts.events import T0, tick
from tests.features.alerts.fakes import FakeSource
from tests.manager.waiting import wait_until
from upbit_monitor.features.alerts import AlertEngine, AlertRule, RuleKind
from upbit_monitor.ui.alerts.chart_lines import AlertLines
from upbit_monitor.ui.alerts.dialog import RuleDialog
from upbit_monitor.ui.alerts.panel import AlertBadge, AlertsPanel

K = RuleKind


def _fill(dialog: RuleDialog, market: str, **params: str) -> None:
    dialog.market.setText(market)
    for key, value in params.items():
        w = dialog.param_widget(key)
        if isinstance(w, QComboBox):
            w.setCurrentText(value)
        else:
            assert isinstance(w, QLineEdit)
            w.setText(value)


@pytest.mark.asyncio
async def test_dialog_refuses_impossible_values_and_saves_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
    engine = AlertEngine(FakeSource())
    panel = AlertsPanel(engine)
    qtbot.addWidget(panel)
    dialog = panel.new_rule()
    _fill(dialog, "KRW-BTC", level="-5")
    dialog.try_accept()
    assert dialog.isVisible() and not dialog.error.isHidden()
    assert "price level must be above 0" in dialog.error.text()
    dialog.kind.setCurrentIndex(list(RuleKind).index(K.MOVE))
    _fill(dialog, "KRW-BTC", pct="3", window_s="0")
    dialog.try_accept()
    assert "window (seconds) must be at least 1" in dialog.error.text()
    dialog.cooldown.setText("soon")
    dialog.try_accept()
    assert "cooldown must be a number" in dialog.error.text()
    await panel.runner.drain()
    assert engine.rules() == [] and panel.rules_model.rowCount() == 0
    dialog.reject()
    panel.close_panel()
    await engine.aclose()


@pytest.mark.asyncio
async def test_panel_creates_toggles_edits_and_deletes_rules(qtbot) -> None:  # type: ignore[no-untyped-def]
    src = FakeSource()
    engine = AlertEngine(src)
    panel = AlertsPanel(engine)
    badge = AlertBadge()
    panel.unseen_changed.connect(badge.set_count)
    qtbot.addWidget(panel)
    qtbot.addWidget(badge)
    dialog = panel.new_rule(AlertRule(K.PRICE, "KRW-BTC", {"level": 100}))
    dialog.try_accept()
    await wait_until(lambda: panel.rules_model.rowCount() == 1)
    rule = engine.rules()[0]
    assert "BTC/KRW price above 100" in panel.rules_model.data(panel.rules_model.index(0, 4))
    src.push(tick(99, T0))
    src.push(tick(101, T0 + 1))
    assert panel.log_model.rowCount() == 1 and badge.text() == "🔔 1" and not badge.isHidden()
    assert panel.log_model.data(panel.log_model.index(0, 1)) == "BTC/KRW"
    panel.mark_seen()
    assert badge.text() == "" and badge.isHidden() and engine.unseen == 0
    panel._clicked(panel.rules_model.index(0, 0))  # the On checkbox
    await wait_until(lambda: engine.rules()[0].enabled is False)
    panel.rules_view.selectRow(0)
    edit = panel.edit_selected()
    assert edit is not None
    _fill(edit, "KRW-BTC", level="200")
    edit.try_accept()
    await wait_until(lambda: engine.rules()[0].num("level") == 200)
    assert engine.rules()[0].id == rule.id
    panel.rules_view.selectRow(0)
    panel.delete_selected()
    await wait_until(lambda: engine.rules() == [])
    assert panel.rules_model.rowCount() == 0
    panel.close_panel()
    await engine.aclose()


@pytest.mark.asyncio
async def test_chart_lines_follow_rules_and_drags_move_the_level(qtbot) -> None:  # type: ignore[no-untyped-def]
    engine = AlertEngine(FakeSource())
    panel = AlertsPanel(engine)
    qtbot.addWidget(panel)
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    lines = AlertLines(engine, plot.getPlotItem(), panel.runner, "KRW-BTC")
    rule = await engine.add_rule(AlertRule(K.PRICE, "KRW-BTC", {"level": 100}))
    await engine.add_rule(AlertRule(K.PRICE, "KRW-ETH", {"level": 5}))
    assert rule.id is not None and list(lines.lines) == [rule.id]
    line = lines.lines[rule.id]
    assert line.value() == 100
    line.setValue(120)
    line.sigPositionChangeFinished.emit(line)
    await wait_until(lambda: engine.rules()[0].num("level") == 120)
    line.setValue(-3)  # refused by the engine: snaps back
    line.sigPositionChangeFinished.emit(line)
    await panel.runner.drain()
    assert line.value() == 120 and engine.rules()[0].num("level") == 120
    assert "must be above 0" in panel.problem.text()
    lines.set_code("KRW-ETH")
    assert len(lines.lines) == 1 and next(iter(lines.lines.values())).value() == 5
    await engine.remove_rule(engine.rules()[1].id)  # type: ignore[arg-type]
    assert lines.lines == {}
    lines.close()
    panel.close_panel()
    await engine.aclose()
