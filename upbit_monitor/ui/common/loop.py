"""The running asyncio loop, for views that start REST reads from Qt slots.

Views start their reads (recent fills, chart history, sparkline history) from slots that also run
without a loop: in synchronous tests, or before the composition root runs the qasync loop. There
the read is skipped and the live data alone fills the view.
"""

from __future__ import annotations

import asyncio


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop, or None when no loop runs in this thread."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
