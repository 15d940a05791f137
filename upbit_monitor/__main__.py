"""``python -m upbit_monitor``: the same entry point as the ``upbit-monitor`` script and ``main.py``."""

from __future__ import annotations

import sys

from upbit_monitor.app import main

if __name__ == "__main__":
    sys.exit(main())
