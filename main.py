"""Run upbit-monitor: ``python main.py`` (real Upbit) or ``python main.py --demo`` (simulator)."""

from __future__ import annotations

import sys

from upbit_monitor.app import main

if __name__ == "__main__":
    sys.exit(main())
