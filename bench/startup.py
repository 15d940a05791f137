"""Startup: process start to the first painted ticker of ``--demo``, old and new code side by side.

Run: ``.venv/bin/python bench/startup.py [--runs 5] [--old main] [--bundle dist/upbit-monitor/upbit-monitor]``

Each run starts a fresh process (offscreen Qt) that runs the real composition root with ``--demo``
(in-process simulators, manager, window). The parent takes the time just before spawning it, so the
figure includes interpreter start and every import; the runs of all variants are interleaved, so
machine load hits them alike.

- ``python main.py`` of this checkout ("new") and, with ``--old REF``, of that git revision ("old",
  extracted with ``git archive``): the child replaces ``MainWindow`` with a subclass that watches the
  coin list's paint events, from outside the app, and reports the first window paint, the first
  paint after which the top row of the coin list has a price, and the first paint once the chart and
  every late dock are attached (the app shows prices first, then attaches the rest).
- ``--bundle EXE``: the PyInstaller bundle (scripts/bundle), which cannot be patched from outside;
  it is timed by the app's own log record ``startup: first ticker on screen`` (ui/coin_list/
  first_ticker.py, the same condition), whose wall-clock timestamp the parent reads.

Storage: ``--no-db``, and an existing SQLite file at the head revision (the usual start: the demo
database exists after the first run; one warm-up run per variant creates it). A warm-up run per
variant before the ``--no-db`` runs too: the extracted old tree has no compiled ``.pyc`` files yet.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from common import ROOT, header, percentile, summary_line, table

LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO upbit_monitor\.startup: "
                      r"startup: first ticker")
TARGET_S = 1.0


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
            self.printed: set[str] = set()
            self.seen: set[str] = set()

        def _has_ticker(self) -> bool:
            cl = self.win.coin_list
            if cl.proxy.rowCount() == 0:
                return False
            code = cl.proxy.index(0, Col.PRICE).data(CODE_ROLE)
            return isinstance(code, str) and cl.model.ticker(code) is not None

        def _attached(self) -> bool:
            # Everything there: the chart and no place still kept for a late dock (code before the
            # two-half start has no reservations and builds the chart before the first paint).
            return self.win.chart is not None and getattr(self.win, "reservations", None) is None

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                # Marked after this paint is done (next loop turn), in order WINDOW, TICKER, ATTACHED.
                due = ["WINDOW"]
                if "TICKER" in self.seen or self._has_ticker():
                    due.append("TICKER")
                    if self._attached():
                        due.append("ATTACHED")
                fresh = [m for m in due if m not in self.seen]
                self.seen.update(fresh)
                if fresh:
                    QTimer.singleShot(0, lambda: self._mark(fresh))
            return False

        def _mark(self, marks: list[str]) -> None:
            now = time.time()
            for m in marks:
                print(f"{m} {now:.6f}", flush=True)
            if marks[-1] == "TICKER":
                QTimer.singleShot(15_000, self.win.close)  # a late part that never attaches: no figure
            if marks[-1] == "ATTACHED":
                self.win.close()

    class ProbedWindow(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self._probe = Probe(self)
            self.coin_list.table.viewport().installEventFilter(self._probe)

    app.MainWindow = ProbedWindow  # type: ignore[misc]
    return app.main(argv)


@dataclass(frozen=True)
class Variant:
    """One way of starting the app."""

    name: str
    tree: Path | None  # python main.py from this tree; None = the bundle
    exe: Path | None = None


def one_run(v: Variant, db: Path | None, settings: Path) -> dict[str, float]:
    """Spawn one app process; seconds from spawn to first window paint and first ticker paint."""
    args = ["--demo", "--settings-file", str(settings), "--quit-after", "120"]
    args += ["--db-url", f"sqlite:///{db}"] if db is not None else ["--no-db"]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NO_PROXY="127.0.0.1,localhost")
    if v.tree is not None:
        # Both: bench/common.py puts BENCH_APP_TREE (default: this checkout) first on sys.path, so
        # PYTHONPATH alone ran this checkout's code for the "old" side too (until session 4).
        env["PYTHONPATH"] = env["BENCH_APP_TREE"] = str(v.tree)
        cmd = [sys.executable, __file__, "--child", *args]
    else:
        env.pop("PYTHONPATH", None)
        cmd = [str(v.exe), *args]
    marks: dict[str, float] = {}
    t0 = time.time()
    proc = subprocess.Popen(cmd, env=env, cwd=v.tree or settings.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    tail: list[str] = []
    for line in proc.stderr:  # the probe closes the window itself; the bundle is told by Ctrl+C
        tail = [*tail[-30:], line]
        if (m := LOG_LINE.match(line)) and "ticker" not in marks:
            marks["ticker"] = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp() - t0
            if v.tree is None:
                proc.send_signal(signal.SIGINT)  # the app's orderly close (state saved)
    out, _ = proc.communicate(timeout=120)
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("WINDOW", "TICKER", "ATTACHED"):
            marks[parts[0].lower()] = float(parts[1]) - t0  # the probe's figure wins for python runs
    if "ticker" not in marks:
        raise SystemExit(f"{v.name}: no ticker painted (exit {proc.returncode}):\n{''.join(tail)}")
    nan = float("nan")
    return {"window": marks.get("window", nan), "ticker": marks["ticker"],
            "attached": marks.get("attached", nan)}


def extract(ref: str, into: Path) -> Path:
    """The tree of git revision ``ref`` in ``into`` (for the "old" side)."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    """Measure and print the Markdown table."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.exit(child(sys.argv[2:]))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--old", default=None, metavar="REF", help="also time this git revision (e.g. main)")
    ap.add_argument("--bundle", type=Path, default=None, metavar="EXE", help="also time this bundle")
    args = ap.parse_args()
    load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        variants = [Variant("python main.py (this checkout)", ROOT)]
        if args.old:
            variants.insert(0, Variant(f"python main.py ({args.old})", extract(args.old, tmp / "old")))
        if args.bundle:
            variants.append(Variant("bundle (PyInstaller)", None, args.bundle.resolve()))
        results: dict[tuple[str, str], list[dict[str, float]]] = {}
        for storage in ("--no-db", "SQLite file at head"):
            dbs = {v.name: None if storage == "--no-db" else tmp / f"{i}.db"
                   for i, v in enumerate(variants)}
            # Warm-up per variant: compiles the extracted tree's .pyc files (the "old" side would
            # pay for that in its first run only) and, with SQLite, creates the file at head.
            for i, v in enumerate(variants):
                one_run(v, dbs[v.name], tmp / f"warm{i}.ini")
            for r in range(args.runs):
                for i, v in enumerate(variants):
                    res = one_run(v, dbs[v.name], tmp / f"s{i}-{r}.ini")
                    results.setdefault((storage, v.name), []).append(res)
    print(header("Startup: process start -> first painted ticker (--demo, offscreen)",
                 f"{args.runs} runs per row, interleaved; times include interpreter start and imports; "
                 f"load average {load_before} at the start."))
    print()
    rows = []
    for (storage, name), rs in results.items():
        w = [r["window"] * 1000 for r in rs]
        t = [r["ticker"] * 1000 for r in rs]
        a = [r["attached"] * 1000 for r in rs]
        rows.append([storage, name, len(rs), f"{percentile(w, 50):.0f}" if w[0] == w[0] else "-",
                     f"{percentile(t, 50):.0f}", f"{min(t):.0f}", f"{max(t):.0f}",
                     f"{percentile(a, 50):.0f}" if a[0] == a[0] else "-"])
    print(table(["storage", "code", "runs", "first window paint p50 ms", "first ticker painted p50 ms",
                 "min ms", "max ms", "chart + every dock attached p50 ms"], rows,
                [False, False] + [True] * 6))
    print()
    print(f"Target (#18): first painted ticker with --demo < {TARGET_S:.0f} s.")
    for (storage, name), rs in results.items():
        if name.startswith("python main.py (this"):
            p50 = percentile([r["ticker"] for r in rs], 50)
            print(summary_line(f"Startup to first painted ticker (--demo, {storage})", f"p50 {p50:.2f} s",
                               f"< {TARGET_S:.0f} s", p50 < TARGET_S))


if __name__ == "__main__":
    main()
