"""Render the order-flow panes for the README: the demo app, each pane floating at 1600x640.

    xvfb-run -a -s "-screen 0 1800x1000x24" .venv/bin/python scripts/orderflow_shots.py \
        heatmap,depth,footprint resources/orderflow --demo --no-db [--light]

Runs ``upbit_monitor.app.main`` with the remaining arguments, opens the named pane kinds 1.5 s
after start (following the selected coin), grabs each pane to ``<prefix>-<kind>[-light].png`` after
``PANE_DELAY`` seconds (default 60: a minute of history) and quits.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QTimer

import upbit_monitor.app as app


def main() -> int:
    kinds = [k for k in sys.argv[1].split(",") if k]
    prefix = sys.argv[2]
    args = sys.argv[3:]
    suffix = "-light" if "--light" in args else ""
    delay = float(os.environ.get("PANE_DELAY", "60"))
    sys.argv = [sys.argv[0], *args, "--quit-after", str(delay + 3)]
    install = app.install_orderflow_panes

    def patched(window: Any, *a: Any, **kw: Any) -> Any:
        hub = install(window, *a, **kw)
        frames: list[Any] = []

        def open_panes() -> None:
            for kind in kinds:
                frame = window.extras.host.add_pane(kind)
                dock = window.extras.host.dock(frame.pane_id)
                dock.setFloating(True)
                dock.resize(1600, 640)
                frames.append((kind, frame))

        def grab() -> None:
            for kind, frame in frames:
                frame.grab().save(f"{prefix}-{kind}{suffix}.png")

        QTimer.singleShot(1500, window, open_panes)
        QTimer.singleShot(int(delay * 1000), window, grab)
        return hub

    app.install_orderflow_panes = patched  # type: ignore[assignment]
    return app.main()


if __name__ == "__main__":
    sys.exit(main())
