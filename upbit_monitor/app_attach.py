"""The composition root's second half: what attaches to the shown window once prices are on screen.

:func:`upbit_monitor.app.run` shows the coin list, the ladder and the status panel with the feed
running first (start to first painted ticker, issue #18); this module then opens the storage and
builds the chart, the private docks, announcements, premium, alerts and the extra panes. It is
imported only then: it brings SQLAlchemy, pyqtgraph and the feature modules, most of the start-up
import time. Each late dock takes the place the window kept for it (ui/dock_reserve.py), so the layout
shown at first does not move.

Nothing is lost by arriving late: the storage writer first replays what the manager delivered before
it existed (:class:`~upbit_monitor.app_storage.EarlyEvents`), the chart loads its history from the
opened database, alerts evaluate from the first tick they see and the announcement feed stores what
it fetches. A step that fails does not stop the others: its error goes to the log and to the status
panel, and the monitor runs without that part.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

from PySide6.QtCore import Qt

from upbit_monitor.app import Started, report_start
from upbit_monitor.app_storage import (
    DEMO_DB_NOTICE,
    Storage,
    choose_db_url,
    db_status_provider,
    open_storage,
    short_error,
)
from upbit_monitor.connection.rest import RestClient
from upbit_monitor.features.alerts.premium_input import CombinedPremium
from upbit_monitor.features.announcements.store import AnnouncementStore
from upbit_monitor.features.backfill import for_storage as backfill_for_storage
from upbit_monitor.features.history.loader import DbCandleStore, HistoryLoader
from upbit_monitor.features.indicators.server import ServerIndicators
from upbit_monitor.features.orderflow.archive import BookArchive
from upbit_monitor.features.orderflow.watch import load_recent_trades
from upbit_monitor.features.premium.domestic import DomesticSpread
from upbit_monitor.ui.alerts.setup import start_alerts_ui
from upbit_monitor.ui.announcements.setup import start_announcements_ui
from upbit_monitor.ui.chart.server_source import install_server_studies
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.main_window import MainWindow
from upbit_monitor.ui.orderflow.setup import install_orderflow_panes
from upbit_monitor.ui.panes.window import install_chart_panes
from upbit_monitor.ui.premium.domestic_column import install_domestic
from upbit_monitor.ui.premium.setup import start_premium_ui
from upbit_monitor.ui.private.embed import start_private_ui

log = logging.getLogger("upbit_monitor.app")

__all__ = ["attach_rest", "late_step"]


@contextlib.asynccontextmanager
async def late_step(window: MainWindow, what: str) -> AsyncIterator[None]:
    """Run one late step; a failure is logged and shown in the status panel, and the app goes on.

    A loop turn follows every step: the prices already on screen keep updating between them.
    """
    try:
        yield
    except Exception as exc:
        log.exception("%s could not start", what)
        window.status_panel.add_notice(f"{what} could not start: {short_error(exc)}")
    await asyncio.sleep(0)


async def attach_rest(s: Started) -> None:
    """Storage, chart, private docks, announcements, premium, alerts and panes, in that order."""
    window, mgr, stack = s.window, s.mgr, s.stack
    storage = Storage(error="disabled by --no-db")
    db_notice: str | None = None
    async with late_step(window, "storage"):
        if not s.args.no_db:
            # Chosen here: the demo database's path comes from the storage package (SQLAlchemy).
            db_url, db_notice = choose_db_url(s.args, s.settings)
            storage = await open_storage(s.settings.with_overrides(db_url=db_url), stack,
                                         fresh_market_data=db_notice == DEMO_DB_NOTICE)
    window.status_panel.set_db_notice("")  # no longer "opening…"; report_start says what it is now
    report_start(window, storage.error, db_notice, None)
    if storage.db is not None:
        window.status_panel.set_db_status(db_status_provider(storage))
    if s.early is not None:
        # The writer takes what arrived before it existed, then listens itself; rows keyed by venue.
        s.early.hand_over(storage.writer, mgr, stack)
    for venue, rest in s.rests.items():
        async with late_step(window, f"backfill ({venue})"):
            # After every reconnect: missed trades from REST (when recorded), candle gaps refetched.
            backfill = backfill_for_storage(mgr, rest, storage.writer, storage.db, venue)
            backfill.start()
            stack.push_async_callback(backfill.close)
    source = s.source
    history = HistoryLoader.with_db(s.rests[source.venue], storage.db, venue=source.venue)
    source.add_venue_listener(lambda venue: _history_for(history, venue, s.rests, storage))
    chart: ChartView | None = None
    async with late_step(window, "chart"):
        chart = ChartView(source, history, repaint_hz=s.settings.repaint_hz)
        window.attach_chart(chart)
    await _features(s, storage, history, chart)
    # Every dock exists now (extra panes of the last session too): put them where the user left
    # them, unless a default workspace brought its own arrangement.
    async with late_step(window, "layout"):
        if not window.extras.workspaces.restore_at_start():
            window.restore_dock_layout()
    left = window.release_reserved_docks() + window.coin_list.columns.release_expected()
    if left:
        log.info("late docks and columns that did not arrive: %s", ", ".join(left))


async def _features(s: Started, storage: Storage, history: HistoryLoader, chart: ChartView | None) -> None:
    window, mgr, stack, settings, source = s.window, s.mgr, s.stack, s.settings, s.source
    private_feed: Any = None
    async with late_step(window, "private feeds"):
        # My orders / My assets docks, Account > API keys…; public-only without keys.
        private_ui = await start_private_ui(window, mgr, stack, demo_keys=s.demo_keys)
        private_feed = private_ui.feed
        if chart is not None:
            # Studies may show Upbit's own indicator values (the info endpoint signs with the same keys).
            install_server_studies(chart, mgr, private_feed, venue=lambda: source.venue)
    async with late_step(window, "announcements"):
        # Upbit's notices (private endpoint): the Announcements dock, stored when the database is up.
        notices = AnnouncementStore(storage.db) if storage.db is not None else None
        await start_announcements_ui(window, mgr, private_feed, stack, store=notices)
    tracker: Any = None
    spread: DomesticSpread | None = None
    async with late_step(window, "premium"):
        # Kimchi premium: Binance/Bybit connections, CoinList columns and the Premium dock.
        # Domestic spread (Upbit vs Bithumb): a coin list column seen from the venue the Markets dock
        # shows, and the premium chart's Bithumb line (Upbit over Bithumb).
        spread = DomesticSpread(mgr)
        stack.callback(spread.close)
        tracker = start_premium_ui(window, mgr, s.foreign_urls, domestic=spread)
        domestic = install_domestic(window.coin_list, spread, lambda: source.venue, window.palette_)
        source.add_venue_listener(lambda _venue: domestic.headerDataChanged.emit(
            Qt.Orientation.Horizontal, domestic.column, domestic.column))
    async with late_step(window, "alerts"):
        # Engine + rules from the database, Alerts dock, badge, ladder/list/chart hooks.
        # Premium rules read the premium on the rule's venue (Upbit by default), whatever the list shows.
        kimchi = tracker.on_venue("upbit") if tracker is not None else None
        # Upbit-signal rules subscribe on the info connection, signed with the private feed's keys.
        signals = ServerIndicators(mgr, provider=private_feed.provider) if private_feed is not None else None
        await start_alerts_ui(window, mgr, stack, db=storage.db, premium=CombinedPremium(kimchi, spread),
                              venues=("upbit", "bithumb"), signals=signals)
    async with late_step(window, "chart panes"):
        # Extra chart panes read the venue the Markets dock shows, like the main chart (and its history).
        install_chart_panes(window, source, history, tracker, settings.repaint_hz,
                            on_chart=lambda pane: install_server_studies(pane, mgr, private_feed,
                                                                         venue=lambda: source.venue))
    async with late_step(window, "order-flow panes"):
        # Footprints start from the venue's REST trades, then the live prints.
        archive = (BookArchive(storage.db, keep_hours=settings.orderflow_keep_hours)
                   if settings.orderflow_record and storage.db is not None else None)
        flow = install_orderflow_panes(
            window, source, settings.orderflow_minutes, settings.repaint_hz,
            trade_loader=lambda code: load_recent_trades(s.rests[source.venue], code), archive=archive)
        stack.push_async_callback(flow.close)


def _history_for(history: HistoryLoader, venue: str, rests: Mapping[str, RestClient],
                 storage: Storage) -> None:
    """Point the chart's history loader at ``venue``'s REST and stored candles (a venue switch)."""
    history.rest = rests[venue]
    history.store = DbCandleStore(storage.db, venue=venue) if storage.db is not None else None
