"""Defence in depth for views: a value a model or delegate cannot format never raises into Qt.

The protocol decoder already refuses wrong-typed and out-of-range values, but events also come from
REST, other venues' normalisers and tests. An exception inside ``data()`` or ``paint()`` is raised
into Qt's C++ paint path at 25 Hz: the cell goes blank on every refresh, and during ``grab()`` it
has crashed the process. So models and delegates wrap their per-cell work with :func:`guarded`: on
any exception the cell shows :data:`PLACEHOLDER`, the fault is counted per place in
:data:`DISPLAY_FAULTS` (the status panel can show it) and logged a few times, never per frame.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

logger = logging.getLogger(__name__)

PLACEHOLDER = "?"
"""What a cell shows when its value cannot be formatted."""

DISPLAY_FAULTS: Counter[str] = Counter()
"""Place (``"orderbook.cell"``) -> how many times a value could not be shown there."""

_LOG_FIRST = 3  # per place: enough to find the cause, never a log line per repaint

P = ParamSpec("P")
R = TypeVar("R")


def note_fault(where: str, exc: BaseException) -> None:
    """Count one display fault at ``where`` (and log the first few of that place)."""
    DISPLAY_FAULTS[where] += 1
    n = DISPLAY_FAULTS[where]
    if n <= _LOG_FIRST:
        logger.warning("%s: cannot show a value (%r); showing %r instead (fault #%d)",
                       where, exc, PLACEHOLDER, n)


def guarded(where: str, fallback: Callable[P, R]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a model/delegate method: on any exception count it and return ``fallback(*args)``.

    ``fallback`` gets the same arguments as the method (so it can answer per role or column) and
    must not raise itself.
    """

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # the whole point: nothing escapes into Qt
                note_fault(where, exc)
                return fallback(*args, **kwargs)

        return inner

    return wrap


def display_text(*args: Any, **kwargs: Any) -> Any:
    """Fallback of ``data(index, role)``: the placeholder for the display role, nothing otherwise."""
    role = args[2] if len(args) > 2 else kwargs.get("role", 0)
    return PLACEHOLDER if int(role) == 0 else None


def nothing(*args: Any, **kwargs: Any) -> None:
    """Fallback of methods whose failure just skips the work (a paint, a refresh)."""
    return None
