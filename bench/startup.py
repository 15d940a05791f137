"""Startup: process start to the first painted ticker of ``main.py --demo``.

Run: ``.venv/bin/python bench/startup.py [--runs 5]``

Each run starts a fresh interpreter (offscreen Qt) that runs the real composition root
(``upbit_monitor.app.main`` with ``--demo``: in-process simulator, manager, window) with one
addition made from outside, so the app carries no benchmark code: ``MainWindow`` is replaced by a
subclass that watches paint events of the coin list's viewport. It reports the wall-clock time of
the window's first paint and of the first paint after which the top row of the coin list has a
ticker (a live price on screen), then closes the window (the normal orderly shutdown). The parent
takes the time just before spawning the process, so the figure includes interpreter start and every
import. With the database (a fresh SQLite file, migrations run) and with ``--no-db``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, header, percentile, summary_line, table


def child(argv: list[str]) -> int:
    """In the spawned process: install the paint probe and run the app."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    from upbit_monitor import app
    from upbit_monitor.ui.coin_list.model import CODE_ROLE, Col

    base = app.MainWindow

    class Probe(QObject):
        def __init__(self, win: base) -> None:  # type: ignore[valid-type]
            super().__init__(win)
            self.win = win
            self.window_done = False
            self.ticker_done = False

        def _has_ticker(self) -> bool:
            cl = self.win.coin_list
            if cl.proxy.rowCount() == 0:
                return False
            code = cl.proxy.index(0, Col.PRICE).data(CODE_ROLE)
            return isinstance(code, str) and cl.model.ticker(code) is not None

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                if not self.window_done:
                    self.window_done = True
                    QTimer.singleShot(0, lambda: print(f"WINDOW {time.time():.6f}", flush=True))
                if not self.ticker_done and self._has_ticker():
                    self.ticker_done = True
                    QTimer.singleShot(0, self._ticker_painted)
            return False

        def _ticker_painted(self) -> None:
            print(f"TICKER {time.time():.6f}", flush=True)
            self.win.close()

    class ProbedWindow(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self._probe = Probe(self)
            self.coin_list.table.viewport().installEventFilter(self._probe)

    app.MainWindow = ProbedWindow  # type: ignore[misc]
    return app.main(argv)


def one_run(db: bool, tmp: Path, i: int) -> dict[str, float]:
    """Spawn one app process; seconds from spawn to first window paint and first ticker paint."""
    args = ["--demo", "--settings-file", str(tmp / f"s{i}.ini"), "--quit-after", "60"]
    args += ["--db-url", f"sqlite:///{tmp / f'db{i}.sqlite'}"] if db else ["--no-db"]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NO_PROXY="127.0.0.1,localhost")
    t0 = time.time()
    proc = subprocess.run([sys.executable, __file__, "--child", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    marks = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("WINDOW", "TICKER"):
            marks[parts[0]] = float(parts[1]) - t0
    if "TICKER" not in marks:
        raise SystemExit(f"no ticker painted (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return {"window": marks.get("WINDOW", float("nan")), "ticker": marks["TICKER"]}


def main() -> None:
    """Measure and print the Markdown table."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.exit(child(sys.argv[2:]))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    rows = []
    results: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for db in (False, True):
            name = "SQLite (new file, migrations)" if db else "--no-db"
            results[name] = [one_run(db, Path(tmp), i + (100 if db else 0)) for i in range(args.runs)]
    print(header("Startup: process start -> first painted ticker (main.py --demo, offscreen)",
                 f"{args.runs} runs each; times include interpreter start and imports."))
    print()
    for name, rs in results.items():
        w = [r["window"] * 1000 for r in rs]
        t = [r["ticker"] * 1000 for r in rs]
        rows.append([name, len(rs), f"{percentile(w, 50):.0f}", f"{percentile(t, 50):.0f}", f"{min(t):.0f}",
                     f"{max(t):.0f}"])
    print(table(["storage", "runs", "first window paint p50 ms", "first ticker painted p50 ms", "min ms",
                 "max ms"], rows, [False] + [True] * 5))
    print()
    print("Target: none set in the issue (measured and reported).")
    for name, rs in results.items():
        t = [r["ticker"] for r in rs]
        print(summary_line(f"Startup to first painted ticker (--demo, {name})",
                           f"p50 {percentile(t, 50):.2f} s", "(none)", None))


if __name__ == "__main__":
    main()
