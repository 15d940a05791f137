"""The composition root in two halves (issue #18, start to first painted ticker): the window shows the
prices first; storage, chart, private docks, announcements, premium and alerts attach after it, into the
places kept for them, and a late step that fails says so in the status panel while the rest attaches."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow

from tests.manager.waiting import wait_until
from upbit_monitor import app_attach
from upbit_monitor.app import Started, start_window
from upbit_monitor.cli import parse_args
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.dock_reserve import DEFAULT_DOCKS

pytestmark = pytest.mark.usefixtures("keep_loop_on_close")


LATE_DOCKS = ("PremiumDock", "AnnouncementsDock", "MyOrdersDock", "MyAssetsDock", "AlertsDock")


@contextlib.asynccontextmanager
async def _first_half(tmp_path, *flags: str) -> AsyncIterator[Started]:
    args = parse_args(["--demo", "--sim-rate", "200", "--settings-file", str(tmp_path / "s.ini"), *flags])
    async with contextlib.AsyncExitStack() as stack:
        started = await start_window(args, stack)
        try:
            yield started
        finally:
            started.window.close()


def _places(win: QMainWindow) -> dict[str, QRect]:
    # On screen: not floating, not a tab behind another (Qt parks those outside the window).
    return {d.objectName(): d.geometry() for d in win.findChildren(QDockWidget)
            if d.objectName() and d.isVisible() and not d.isFloating() and not d.visibleRegion().isEmpty()}


async def _steady_places(win: QMainWindow) -> dict[str, QRect]:
    """The docks' places once Qt has applied pending layout requests (unchanged over 20 loop turns)."""
    seen = [_places(win)]

    def steady() -> bool:
        seen.append(_places(win))
        return len(seen) > 20 and all(p == seen[-1] for p in seen[-20:])

    await wait_until(steady, within=10)
    return seen[-1]


def _notices(started: Started) -> list[str]:
    panel = started.window.status_panel
    return [panel.notices.item(i).text() for i in range(panel.notices.count())]


@pytest.mark.asyncio
async def test_prices_first_then_storage_chart_alerts_and_announcements_attach(qtbot, tmp_path) -> None:
    db = tmp_path / "late.db"
    async with _first_half(tmp_path, "--db-url", f"sqlite:///{db}") as started:
        win = started.window
        qtbot.addWidget(win)
        # First half: no chart, no database yet; the places for them are kept.
        assert win.chart is None and win.reservations is not None
        assert {"ChartDock", *LATE_DOCKS} <= set(win.reservations.placeholders)
        assert "opening" in win.status_panel.db_label.text()
        await wait_until(lambda: started.painted.done(), within=30)
        assert started.early is not None
        await wait_until(lambda: started.early is not None and started.early.held("upbit") > 0, within=30)
        await wait_until(lambda: win.layout_settled, within=10)
        win.resize(1600, 1000)  # the designed size (offscreen starts at the minimum, 1024x700)
        shown = await _steady_places(win)  # the arrangement of the first frames
        assert {"CoinDock", "ChartDock", "StatusDock", "MyOrdersDock"} <= set(shown)
        assert {"PremiumDock", "AnnouncementsDock"} & set(shown)

        await app_attach.attach_rest(started)

        # The chart and the feature docks took the places kept for them: nothing moved or resized.
        assert await _steady_places(win) == shown

        assert isinstance(win.chart, ChartView) and win.chart_dock is not None
        assert win.chart_dock.widget() is win.chart
        for name in LATE_DOCKS:
            dock = win.findChild(QDockWidget, name)
            assert dock is not None and type(dock.widget()).__name__ != "QWidget", name  # the real one
        assert win.reservations is None
        assert started.early.held("upbit") == 0  # handed to the writer
        win.status_panel.refresh()
        assert "late.db" in win.status_panel.db_label.text()

        def stored() -> bool:
            win.status_panel.refresh()
            text = win.status_panel.db_label.text()
            return "written: " in text and "written: 0" not in text

        await wait_until(stored, within=30)  # the early events and the live ones reach the database
        assert win.chart.code == win.code  # the chart shows the coin the ladder shows


@pytest.mark.asyncio
async def test_a_failing_late_step_reaches_the_status_panel_and_the_rest_attaches(
        qtbot, tmp_path, monkeypatch) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("notice feed exploded")

    monkeypatch.setattr(app_attach, "start_announcements_ui", broken)
    async with _first_half(tmp_path, "--no-db") as started:
        win = started.window
        qtbot.addWidget(win)
        await app_attach.attach_rest(started)  # even before the first price: the timeout case
        failed = "announcements could not start: notice feed exploded"
        assert any(n.endswith(failed) for n in _notices(started))
        assert isinstance(win.chart, ChartView)
        assert win.findChild(QDockWidget, "PremiumDock") is not None
        assert win.findChild(QDockWidget, "AlertsDock") is not None
        assert win.findChild(QDockWidget, "AnnouncementsDock") is None  # its place was given up
        assert "disabled by --no-db" in win.status_panel.db_label.text()


@pytest.mark.asyncio
@pytest.mark.parametrize("size", [(1024, 700), (2304, 1296)])  # the minimum; 90% of a 2560x1440 screen
async def test_at_the_smallest_and_a_large_size_the_late_docks_move_nothing_either(
        qtbot, tmp_path, size: tuple[int, int]) -> None:
    # At 1024x700 the places are tight: an empty placeholder was given less than its real dock needs
    # (Premium 16 px less high, My orders 1 px less wide), and the real ones pushed the chart and the
    # status panel aside when they arrived.
    async with _first_half(tmp_path, "--no-db") as started:
        win = started.window
        qtbot.addWidget(win)
        await wait_until(lambda: started.painted.done(), within=30)
        await wait_until(lambda: win.layout_settled, within=10)
        win.resize(*size)
        shown = await _steady_places(win)
        assert (win.width(), win.height()) == size
        assert {"CoinDock", "ChartDock", "StatusDock", "MyOrdersDock", "PremiumDock"} <= set(shown)

        await app_attach.attach_rest(started)

        assert await _steady_places(win) == shown
        # Each real dock fits the minimum its place was kept with (a dock that grew would move others).
        for spec in DEFAULT_DOCKS:
            dock = win.findChild(QDockWidget, spec.name)
            body = dock.widget() if dock is not None else None
            if body is None:
                continue
            if spec.min_width:
                assert body.minimumSizeHint().width() <= spec.min_width, spec.name
            if spec.min_height:
                assert body.minimumSizeHint().height() <= spec.min_height, spec.name


@pytest.mark.asyncio
async def test_reset_layout_puts_the_feature_docks_back_too(qtbot, tmp_path) -> None:
    def arrangement() -> dict[str, tuple[Qt.DockWidgetArea, bool]]:
        # Where each dock is (sizes follow the window: Reset lays out for the size it has now).
        return {d.objectName(): (win.dockWidgetArea(d), d.isFloating())
                for d in win.findChildren(QDockWidget) if d.objectName() and not d.isHidden()}

    async with _first_half(tmp_path, "--no-db") as started:
        win = started.window
        qtbot.addWidget(win)
        await wait_until(lambda: started.painted.done(), within=30)
        await wait_until(lambda: win.layout_settled, within=10)
        win.resize(1600, 1000)
        await app_attach.attach_rest(started)
        await _steady_places(win)
        first = arrangement()
        assert {"PremiumDock", "MyOrdersDock", "StatusDock"} <= set(_places(win))
        # The user rearranges: Premium floats, My orders goes left, Status is closed.
        premium = win.findChild(QDockWidget, "PremiumDock")
        orders = win.findChild(QDockWidget, "MyOrdersDock")
        premium.setFloating(True)
        win.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, orders)
        win.status_dock.close()
        await _steady_places(win)
        assert arrangement() != first

        win.extras.workspaces.reset_layout()

        await _steady_places(win)
        assert arrangement() == first  # the late feature docks too (their places were kept at start)
