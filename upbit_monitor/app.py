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
import importlib
import logging
import signal
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from upbit_monitor.app_storage import EarlyEvents
from upbit_monitor.cli import log_file, parse_args, settings_file_problem, usage_error
from upbit_monitor.config import Settings, settings_from_env
from upbit_monitor.connection.rest import RestClient
from upbit_monitor.credentials import install_log_redaction
from upbit_monitor.errors import ConfigError
from upbit_monitor.exchanges.registry import krw_venues
from upbit_monitor.features.venues.source import VenueSource
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.models import MarketInfo
from upbit_monitor.protocol.events import Trade
from upbit_monitor.ui.coin_list.columns import FEATURE_COLUMNS
from upbit_monitor.ui.coin_list.first_ticker import FirstTickerProbe
from upbit_monitor.ui.common.app_icon import app_icon
from upbit_monitor.ui.common.fonts import apply_korean_fonts
from upbit_monitor.ui.common.gc_timer import GuiThreadGc
from upbit_monitor.ui.common.theme import apply_theme
from upbit_monitor.ui.main_window import MainWindow
from upbit_monitor.ui.window_reads import reads_finished

log = logging.getLogger("upbit_monitor.app")

LATE_AFTER_S = 1.5  # the rest of the app attaches after the first painted ticker, or after this long
# The second half's heaviest imports, one per loop turn (each up to ~0.15 s on a quiet machine; at
# once they froze the first prices for half a second); app_attach then brings the rest.
LATE_IMPORTS = ("sqlalchemy", "sqlalchemy.orm", "upbit_monitor.storage", "numpy", "pyqtgraph")


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


@dataclass
class Started:
    """What the first half of the start built (:func:`start_window`) and the second half attaches to."""

    args: argparse.Namespace
    settings: Settings
    mgr: GlobalWebSocketManager
    rests: Mapping[str, RestClient]
    source: VenueSource
    window: MainWindow
    stack: contextlib.AsyncExitStack
    painted: asyncio.Future[None]  # done once the first live price is on screen
    early: EarlyEvents | None  # the storage writer's events until it exists; None with --no-db
    demo_keys: dict[str, tuple[str, str]] | None = None  # the simulators' private-endpoint keys per venue
    foreign_urls: dict[str, str] | None = None  # demo: the Binance/Bybit simulators


async def run(args: argparse.Namespace, app: QApplication) -> int:
    """Build everything, show the window, wait for it to close, then shut down in order.

    Two halves (issue #18, start to first painted ticker): :func:`start_window` shows the coin list,
    the ladder and the status panel with the feed running; once the first price is painted,
    ``app_attach.attach_rest`` opens the storage and adds the chart and the feature docks.
    """
    async with contextlib.AsyncExitStack() as stack:
        started = await start_window(args, stack)
        window = started.window
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        window.closing.connect(lambda: _resolve(closed))
        stack.callback(_install_sigint(window))
        if args.screenshot is not None:
            shot: Path = args.screenshot
            QTimer.singleShot(int(args.screenshot_delay * 1000), window, lambda: _shoot(window, shot))
        if args.quit_after is not None:
            QTimer.singleShot(int(args.quit_after * 1000), window, window.close)
        # The rest imports for most of a second without yielding: not before the first prices are
        # on screen (or LATE_AFTER_S without them: no network, nothing listed, window closed).
        await asyncio.wait([started.painted, closed], timeout=LATE_AFTER_S,
                           return_when=asyncio.FIRST_COMPLETED)
        for name in LATE_IMPORTS:
            importlib.import_module(name)
            await asyncio.sleep(0)  # a loop turn after each: the prices on screen keep updating
        from upbit_monitor.app_attach import attach_rest  # deferred on purpose: see above

        await attach_rest(started)
        await closed
        # The REST reads the window cancelled on close end before the manager, storage and loop do.
        await reads_finished(getattr(window, "cancelled_reads", ()))
        window.hide()
        log.info("shutting down")
    # Widgets die with the loop still running, so the manager's weakref paths see a live loop.
    # Delivering the deferred delete here (not a nested event loop) makes it deterministic.
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    await asyncio.sleep(0)
    return 0


async def start_window(args: argparse.Namespace, stack: contextlib.AsyncExitStack) -> Started:
    """Simulators (--demo), manager, coin list, ladder and status panel: shown, the feed started.

    The chart and the feature docks get places kept in the window's layout; nothing here imports
    SQLAlchemy, pyqtgraph or the feature modules (``app_attach`` does).
    """
    settings, demo_keys, foreign_urls = await start_simulators(args, stack, settings_from_env())
    mgr = await GlobalWebSocketManager.instance(settings)
    stack.push_async_callback(mgr.shutdown)
    # The database opens after the first prices are painted; the events it should store wait here.
    early = None if args.no_db else EarlyEvents(mgr)
    rests = {d.venue: RestClient(d.profile.rest_url(settings), details_param=d.profile.rest_details_param)
             for d in krw_venues() if d.profile is not None}
    source = VenueSource(mgr)
    store, settings_warning = settings_store(args.settings_file, stack)
    # The venue the Markets dock will show (window.restore_venue's rule): its catalogue is fetched now.
    shown = args.venue or str((store or QSettings()).value("markets/venue", "upbit"))
    loaders = {venue: market_loader(client, stack if venue == shown else None)
               for venue, client in rests.items()}
    window = MainWindow(
        source,
        venue_source=source,
        market_loaders=loaders,
        load_markets=loaders["upbit"],
        store=store,
        dark=False if args.light else None,
        repaint_hz=settings.repaint_hz,
        title_suffix="  [demo: simulator]" if args.demo else "",
        reserve_docks=True,  # the chart and the feature docks come later, into places kept for them
    )
    # The premium and spread columns attach later too: the list keeps their room from the first paint.
    window.coin_list.columns.expect(*FEATURE_COLUMNS)
    report_start(window, None, None, settings_warning)
    if not args.no_db:
        window.status_panel.set_db_notice("opening…")
    probe = FirstTickerProbe(window.coin_list)  # logs the start-up time a user feels (bench/startup.py)
    painted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    probe.ticker_painted.connect(lambda: _resolve(painted))
    # The tape fills from REST on a coin switch (the websocket only brings fills from then on):
    # one page of 500, the tape's whole memory. Asked of the client directly: the order-flow
    # package's load_recent_trades brings SQLAlchemy and numpy with it, not wanted before the first paint.

    async def recent_trades(code: str) -> list[Trade]:
        # The first coin's fills wait for the first painted prices: the demo's simulator, in this
        # process, prints older fills from its minute history, which would hold that paint back.
        await asyncio.wait([painted], timeout=LATE_AFTER_S)
        return await rests[source.venue].trades_ticks(code, 500)

    window.orderbook.set_trades_loader(recent_trades)
    await mgr.start()
    window.restore_venue(args.venue)
    window.coin_list.start_loading()
    window.show()
    return Started(args, settings, mgr, rests, source, window, stack, painted, early, demo_keys, foreign_urls)


async def start_simulators(args: argparse.Namespace, stack: contextlib.AsyncExitStack, settings: Settings,
                           ) -> tuple[Settings, dict[str, tuple[str, str]] | None, dict[str, str] | None]:
    """With --demo: the in-process simulators, the settings pointing at them, their keys and foreign URLs."""
    if not args.demo:
        return settings, None, None
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
    return settings, demo_keys, foreign_urls


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
