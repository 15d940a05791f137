"""Resolve the OS keyring backend without letting keyring pin our call stack.

keyring's backend modules record why an optional platform dependency is missing in a module-level
``jaraco.context.ExceptionTrap`` (e.g. ``keyring.backends.Windows.missing_deps`` on Linux): the trap
keeps ``(type, value, traceback)`` for the life of the process. A traceback references its frames,
and every frame its caller (``f_back``), so the first ``keyring.get_keyring()`` - which imports those
modules - pins the whole stack it was called from: ``KeyStore.__init__``, ``start_private_ui`` with
its locals (the main window, PrivateUi), and through them hundreds of Qt wrappers. Those wrappers
then die only in interpreter finalization, after QApplication is gone, and under a debug allocator
(``python -X dev``) that crashes the process at exit.

keyring only ever asks such a trap whether something was caught (``bool(trap)`` = exception type set),
so keeping the type and the exception while dropping every traceback changes no behaviour.
"""

from __future__ import annotations

import sys
from typing import Any

import keyring


def system_backend() -> Any:
    """``keyring.get_keyring()``, then drop the tracebacks keyring cached while loading backends."""
    backend = keyring.get_keyring()
    release_cached_tracebacks()
    return backend


def release_cached_tracebacks() -> int:
    """Strip tracebacks from exceptions held at module level by ``keyring.*`` modules.

    Returns how many traceback references were dropped (0 when nothing was pinned).
    """
    dropped = 0
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "keyring" or name.startswith("keyring.")):
            continue
        for value in list(vars(module).values()):
            exc_info = getattr(value, "exc_info", None)
            is_trap = type(value).__name__ == "ExceptionTrap"
            if not is_trap or not isinstance(exc_info, tuple) or len(exc_info) != 3:
                continue
            typ, exc, tb = exc_info
            if tb is not None:
                value.exc_info = (typ, exc, None)
                dropped += 1
            if isinstance(exc, BaseException):
                dropped += _strip_exception(exc)
    return dropped


def _strip_exception(exc: BaseException) -> int:
    """Drop ``__traceback__`` from an exception and the ones chained to it."""
    dropped = 0
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        cur = todo.pop()
        if cur is None or id(cur) in seen:
            continue
        seen.add(id(cur))
        if cur.__traceback__ is not None:
            cur.__traceback__ = None
            dropped += 1
        todo += [cur.__context__, cur.__cause__]
    return dropped
