"""Composition root: builds Qt, the qasync loop, settings, storage, the manager and the window.

``python main.py`` connects to the real Upbit; ``python main.py --demo`` starts the built-in
simulator on 127.0.0.1 in-process and points every URL at it. This is the only module that knows
all the concrete classes: the manager knows neither Qt nor SQL; the storage writer and the widgets
are subscribers wired here.

Shutdown is orderly and async: closing the window resolves a future; then, in reverse order of
construction, the manager closes its sockets, the writer flushes and stops, the database closes and
the simulator stops. The window is then deleted while the loop still runs, QApplication is shut down,
and :func:`main` returns normally (see its docstring for what used to break interpreter teardown).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import signal
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from upbit_monitor.app_storage import Storage, choose_db_url, db_status_provider, open_storage
from upbit_monitor.cli import log_file, parse_args, settings_file_problem, usage_error
from upbit_monitor.config import settings_from_env
from upbit_monitor.connection.rest import RestClient
from upbit_monitor.credentials import install_log_redaction
from upbit_monitor.errors import ConfigError
from upbit_monitor.exchanges.registry import krw_venues
from upbit_monitor.features.alerts.premium_input import CombinedPremium
from upbit_monitor.features.announcements.store import AnnouncementStore
from upbit_monitor.features.backfill import for_storage as backfill_for_storage
from upbit_monitor.features.history.loader import DbCandleStore, HistoryLoader
from upbit_monitor.features.orderflow.archive import BookArchive
from upbit_monitor.features.orderflow.watch import load_recent_trades
from upbit_monitor.features.premium.domestic import DomesticSpread
from upbit_monitor.features.venues.source import VenueSource
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.models import MarketInfo
from upbit_monitor.ui.alerts.setup import start_alerts_ui
from upbit_monitor.ui.announcements.setup import start_announcements_ui
from upbit_monitor.ui.chart.server_source import install_server_studies
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.coin_list.first_ticker import FirstTickerProbe
from upbit_monitor.ui.common.app_icon import app_icon
from upbit_monitor.ui.common.fonts import apply_korean_fonts
from upbit_monitor.ui.common.gc_timer import GuiThreadGc
from upbit_monitor.ui.common.theme import apply_theme
from upbit_monitor.ui.main_window import MainWindow
from upbit_monitor.ui.orderflow.setup import install_orderflow_panes
from upbit_monitor.ui.panes.window import install_chart_panes
from upbit_monitor.ui.premium.domestic_column import install_domestic
from upbit_monitor.ui.premium.setup import start_premium_ui
from upbit_monitor.ui.private.embed import start_private_ui

log = logging.getLogger("upbit_monitor.app")


def market_loader(rest: RestClient, stack: contextlib.AsyncExitStack | None = None) -> Callable[[], Any]:
    """Async callable giving the market catalogue for the coin list.

    With ``stack`` the request starts now and the first call returns its result: the catalogue
    travels while the window is built instead of after it is shown (start to first ticker; on the
    real network a whole REST round trip). A failed prefetch is retried by the caller as usual.
    """
    early: list[asyncio.Future[list[MarketInfo]]] = []
    if stack is not None:
        task = asyncio.ensure_future(rest.market_all(is_details=True))
        # Retrieve a failure even if the coin list never asks (another venue shown): no asyncio
        # "exception was never retrieved" at exit; cancelled at shutdown if still running.
        task.add_done_callback(lambda t: None if t.cancelled() else t.exception())
        stack.callback(task.cancel)
        early.append(task)

    async def load() -> list[MarketInfo]:
        if early:
            return await early.pop()
        return await rest.market_all(is_details=True)

    return load


async def run(args: argparse.Namespace, app: QApplication) -> int:
    """Build everything, show the window, wait for it to close, then shut down in order."""
    async with contextlib.AsyncExitStack() as stack:
        settings = settings_from_env()
        title = ""
        demo_keys: dict[str, tuple[str, str]] | None = None  # the simulators' private-endpoint keys per venue
        foreign_urls: dict[str, str] | None = None  # demo: the Binance/Bybit simulators
        if args.demo:
            from upbit_monitor.sim.server import Simulator

            # demo_orders_every_s: the simulated account trades now and then, so the private
            # docks (My orders / My assets) show live data in the demo too.
            # demo_announcements_every_s: synthetic notices, some of them new listings that then pump.
            sim = await stack.enter_async_context(Simulator(msg_rate=args.sim_rate, demo_orders_every_s=4.0,
                                                            demo_announcements_every_s=45.0))
            settings = settings.with_overrides(
                ws_public_url=sim.ws_url, ws_private_url=sim.ws_private_url, ws_info_url=sim.ws_info_url,
                rest_url=sim.rest_url, demo=True,
            )
            title = "  [demo: simulator]"
            demo_keys = {"upbit": (sim.config.access_key, sim.config.secret_key)}
            from upbit_monitor.sim.bybit import start_demo_venues

            foreign_urls = await start_demo_venues(sim.model, stack)
            from upbit_monitor.sim.bithumb import BithumbSimulator

            # Bithumb beside Upbit: the same markets, prices off by a small wandering spread.
            # Its own demo account (orders every few seconds) behind its own keys: the private panels
            # show Bithumb's orders while the list shows Bithumb.
            bithumb = await stack.enter_async_context(BithumbSimulator(beside=sim, demo_orders_every_s=6.0))
            demo_keys["bithumb"] = (bithumb.config.access_key, bithumb.config.secret_key)
            settings = settings.with_overrides(
                bithumb_ws_url=bithumb.ws_url, bithumb_ws_private_url=bithumb.ws_private_url,
                bithumb_rest_url=bithumb.rest_url,
            )
            log.info("demo simulators at %s and %s", sim.ws_url, bithumb.ws_url)
        db_url, db_notice = choose_db_url(args, settings)
        settings = settings.with_overrides(db_url=db_url)

        storage = Storage(error="disabled by --no-db") if args.no_db else await open_storage(settings, stack)
        mgr = await GlobalWebSocketManager.instance(settings)
        stack.push_async_callback(mgr.shutdown)
        if storage.writer is not None:
            # Rows are keyed by venue: each venue's events reach the writer through its own listener.
            w = storage.writer
            stack.callback(mgr.add_listener(w.on_event, types=w.types, venues=("upbit",)))
            stack.callback(mgr.add_listener(w.listener("bithumb"), types=w.types, venues=("bithumb",)))

        rests = {d.venue: RestClient(d.profile.rest_url(settings), details_param=d.profile.rest_details_param)
                 for d in krw_venues() if d.profile is not None}
        for venue, rest in rests.items():
            # After every reconnect: missed trades from REST (when recorded), candle gaps refetched.
            backfill = backfill_for_storage(mgr, rest, storage.writer, storage.db, venue)
            backfill.start()
            stack.push_async_callback(backfill.close)
        source = VenueSource(mgr)
        history = HistoryLoader.with_db(rests["upbit"], storage.db)
        source.add_venue_listener(lambda venue: _history_for(history, venue, rests, storage))
        store, settings_warning = settings_store(args.settings_file, stack)
        # The venue the Markets dock will show (window.restore_venue's rule): its catalogue is fetched now.
        shown = args.venue or str((store or QSettings()).value("markets/venue", "upbit"))
        loaders = {venue: market_loader(client, stack if venue == shown else None)
                   for venue, client in rests.items()}
        chart = ChartView(source, history, repaint_hz=settings.repaint_hz)
        window = MainWindow(
            source,
            venue_source=source,
            market_loaders=loaders,
            load_markets=loaders["upbit"],
            chart=chart,
            db_status=db_status_provider(storage) if storage.db is not None else None,
            store=store,
            dark=False if args.light else None,
            repaint_hz=settings.repaint_hz,
            title_suffix=title,
        )
        report_start(window, storage.error, db_notice, settings_warning)
        FirstTickerProbe(window.coin_list)  # logs the start-up time a user feels (bench/startup.py)
        # The tape fills from REST on a coin switch (the websocket only brings fills from then on):
        # one page of 500, the tape's whole memory.
        window.orderbook.set_trades_loader(
            lambda code: load_recent_trades(rests[source.venue], code, pages=1))
        # Private feeds (My orders / My assets docks, Account > API keys…); public-only without keys.
        private_ui = await start_private_ui(window, mgr, stack, demo_keys=demo_keys)
        # Studies may show Upbit's own indicator values (the info endpoint signs with the same keys).
        install_server_studies(chart, mgr, private_ui.feed, venue=lambda: source.venue)
        # Upbit's notices (private endpoint): the Announcements dock, stored when the database is up.
        notices = AnnouncementStore(storage.db) if storage.db is not None else None
        await start_announcements_ui(window, mgr, private_ui.feed, stack, store=notices)
        # Kimchi premium: Binance/Bybit connections, CoinList columns and the Premium dock.
        # Domestic spread (Upbit vs Bithumb): a coin list column seen from the venue the Markets dock
        # shows, and the premium chart's Bithumb line (Upbit over Bithumb).
        spread = DomesticSpread(mgr)
        stack.callback(spread.close)
        tracker = start_premium_ui(window, mgr, foreign_urls, domestic=spread)
        domestic = install_domestic(window.coin_list, spread, lambda: source.venue, window.palette_)
        source.add_venue_listener(lambda _venue: domestic.headerDataChanged.emit(
            Qt.Orientation.Horizontal, domestic.column, domestic.column))
        # Alerts: engine + rules from the database, Alerts dock, badge, ladder/list/chart hooks.
        # Premium rules read Upbit's premium whatever venue the list shows.
        kimchi = tracker.on_venue("upbit") if tracker is not None else None
        await start_alerts_ui(window, mgr, stack, db=storage.db, premium=CombinedPremium(kimchi, spread),
                              venues=("upbit", "bithumb"))
        # Extra chart panes read the venue the Markets dock shows, like the main chart (and its history).
        install_chart_panes(window, source, history, tracker, settings.repaint_hz,
                            on_chart=lambda pane: install_server_studies(pane, mgr, private_ui.feed,
                                                                         venue=lambda: source.venue))
        # Order-flow panes: footprints start from the venue's REST trades, then the live prints.
        archive = (BookArchive(storage.db, keep_hours=settings.orderflow_keep_hours)
                   if settings.orderflow_record and storage.db is not None else None)
        flow = install_orderflow_panes(
            window, source, settings.orderflow_minutes, settings.repaint_hz,
            trade_loader=lambda code: load_recent_trades(rests[source.venue], code), archive=archive)
        stack.push_async_callback(flow.close)
        # Every dock exists now (extra panes of the last session too): put them where the user left
        # them, unless a default workspace brought its own arrangement.
        if not window.extras.workspaces.restore_at_start():
            window.restore_dock_layout()
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        window.closing.connect(lambda: _resolve(closed))
        stack.callback(_install_sigint(window))

        await mgr.start()
        window.restore_venue(args.venue)
        window.coin_list.start_loading()
        window.show()
        if args.screenshot is not None:
            shot: Path = args.screenshot
            QTimer.singleShot(int(args.screenshot_delay * 1000), window, lambda: _shoot(window, shot))
        if args.quit_after is not None:
            QTimer.singleShot(int(args.quit_after * 1000), window, window.close)
        await closed
        window.hide()
        log.info("shutting down")
    # Widgets die with the loop still running, so the manager's weakref paths see a live loop.
    # Delivering the deferred delete here (not a nested event loop) makes it deterministic.
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    await asyncio.sleep(0)
    return 0


def report_start(window: MainWindow, db_error: str | None, db_notice: str | None,
                 settings_warning: str | None) -> None:
    """Put what went wrong at start (storage, settings file) in the status panel, not only the log."""
    if db_error:
        window.status_panel.set_db_notice(db_error)
        window.status_panel.add_notice(db_error)
    elif db_notice:
        window.status_panel.set_db_notice(db_notice)  # e.g. "demo database ..." before the URL
    if settings_warning:
        window.status_panel.add_notice(settings_warning)


def settings_store(path: Path | None, stack: contextlib.ExitStack | contextlib.AsyncExitStack,
                   ) -> tuple[QSettings | None, str | None]:
    """The QSettings for ``--settings-file`` and, when it cannot be saved, a warning (also logged).

    A path that is not an existing file and cannot be created is NOT handed to QSettings: it would
    create a missing directory on its first write. This run keeps its state in a throw-away file
    instead (there is nothing to read there anyway). An existing read-only file is read; Qt's
    writes to it fail, as the warning said.
    """
    if path is None:
        return None, None
    problem = settings_file_problem(path)
    if problem:
        log.warning("%s", problem)
    if problem and not path.is_file():
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="upbit-monitor-")))
        path = scratch / "settings.ini"
    return QSettings(str(path), QSettings.Format.IniFormat), problem


def _history_for(history: HistoryLoader, venue: str, rests: Mapping[str, RestClient],
                 storage: Storage) -> None:
    """Point the chart's history loader at ``venue``'s REST and stored candles (a venue switch)."""
    history.rest = rests[venue]
    history.store = DbCandleStore(storage.db, venue=venue) if storage.db is not None else None


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def _shoot(window: MainWindow, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(path), "PNG")
    log.info("screenshot %s: %s", "saved" if ok else "FAILED", path)
    window.close()


def _install_sigint(window: MainWindow) -> Callable[[], None]:
    """Route Ctrl+C to ``window.close()``; returns the function that restores the old handler."""
    # Ctrl+C in the terminal closes the window the normal way (state saved, orderly shutdown).
    # Python handles signals between bytecodes; the repaint timers run Python often enough.
    # The handler must be removed again: the signal module keeps it (and through its closure the
    # window, and through the window every widget wrapper) alive until interpreter teardown, which
    # then frees those wrappers after Qt is gone (a segfault at exit under -X dev).
    try:
        previous = signal.signal(signal.SIGINT, lambda *_: window.close())
    except ValueError:  # not the main thread (embedded use)
        return lambda: None

    def restore() -> None:
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGINT, previous)

    return restore


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python main.py`` and the ``upbit-monitor`` script; returns the exit code.

    Teardown is ordinary: nothing outlives :func:`main` that could free Qt wrappers after
    QApplication is gone (the SIGINT handler is restored and keyring's cached tracebacks are
    released; both used to pin the window until interpreter finalization, which segfaulted under
    ``python -X dev``).
    """
    args = parse_args(argv)
    if args.install_desktop_entry:
        from upbit_monitor.desktop import run_install

        return run_install()
    try:  # a bad UPBIT_MONITOR_* value is a usage error too: one line, status 2, before any window
        settings_from_env()
    except ConfigError as exc:
        usage_error(str(exc))
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        filename=log_file(),  # None: the terminal; a file for a windowed app without one
    )
    # Second line of defence: scrub API secrets and bearer tokens from every log record.
    install_log_redaction()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setOrganizationName("upbit-monitor")
    app.setApplicationName("upbit-monitor")
    # Window/taskbar icon, and the name that ties windows to the .desktop entry (Wayland app id).
    app.setWindowIcon(app_icon())
    app.setDesktopFileName("upbit-monitor")
    # The loop, not Qt, decides when we are done: quitting on last-window-close would stop the
    # qasync loop under run_until_complete and abort the orderly shutdown.
    app.setQuitOnLastWindowClosed(False)
    apply_korean_fonts(app)
    apply_theme(app, dark=not args.light)
    # Cyclic GC only on the GUI thread: an automatic collection triggered on a worker thread
    # (asyncio.to_thread, the storage writer) could free QObjects with live timers on the wrong
    # thread and crash Qt later (see ui/common/gc_timer.py). Started before any worker thread exists.
    gc_guard = GuiThreadGc(app)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        rc = runner.run(run(args, app))
    # The runner has joined its worker threads: a final full collection here, on the GUI thread.
    gc_guard.stop()
    # Tear Qt down while the interpreter is intact: left to interpreter finalization, the order in
    # which Python wrappers and C++ objects die is undefined.
    gc.collect()
    app.shutdown()
    return rc
