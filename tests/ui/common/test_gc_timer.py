"""GuiThreadGc: automatic GC off, cycles collected by a GUI-thread timer."""

from __future__ import annotations

import gc
import weakref

from pytestqt.qtbot import QtBot

from upbit_monitor.ui.common.gc_timer import GuiThreadGc


class _Node:
    def __init__(self) -> None:
        self.me = self


def test_disables_automatic_gc_and_collects_on_timer(qtbot: QtBot) -> None:
    gc.enable()
    try:
        guard = GuiThreadGc(interval_ms=10, full_every=3)
        assert not gc.isenabled()
        assert guard.active
        node = _Node()
        ref = weakref.ref(node)
        del node
        assert ref() is not None  # a cycle: only the collector frees it
        qtbot.waitUntil(lambda: ref() is None, timeout=2000)
        guard.stop()
        assert not guard.active
        assert gc.isenabled()  # restored: it was on before the guard
    finally:
        gc.disable()  # the test session keeps automatic GC off (conftest)


def test_full_collection_every_n_ticks() -> None:
    guard = GuiThreadGc(interval_ms=60_000, full_every=2)
    try:
        node = _Node()
        ref = weakref.ref(node)
        gc.collect(1)  # the live cycle survives into the oldest generation
        del node
        guard.collect()  # tick 1: young generations only, the old cycle stays
        assert ref() is not None
        guard.collect()  # tick 2: full collection
        assert ref() is None
    finally:
        guard.stop()
