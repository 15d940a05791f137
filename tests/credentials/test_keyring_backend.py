"""keyring's cached import-failure tracebacks must not pin the caller's stack (and the UI above it)."""

from __future__ import annotations

import gc
import sys
import types
import weakref
from collections.abc import Iterator

import pytest
from jaraco.context import ExceptionTrap

from upbit_monitor.credentials.keyring_backend import release_cached_tracebacks, system_backend

FAKE = "keyring._upbit_monitor_test_fake"


class _Widget:
    """Stands in for the main window a caller's frame would hold."""


@pytest.fixture
def fake_module() -> Iterator[types.ModuleType]:
    module = types.ModuleType(FAKE)
    sys.modules[FAKE] = module
    yield module
    del sys.modules[FAKE]


def _trap_in(module: types.ModuleType) -> weakref.ref[_Widget]:
    widget = _Widget()  # a local of the frame the trap's traceback would pin (via f_back)

    def import_optional() -> None:
        with ExceptionTrap() as trap:
            try:
                raise ImportError("no win32cred")
            except ImportError:
                raise ImportError("no pywin32") from None
        module.missing_deps = trap  # type: ignore[attr-defined]

    import_optional()
    return weakref.ref(widget)


def test_trap_pins_the_callers_frame_until_released(fake_module: types.ModuleType) -> None:
    ref = _trap_in(fake_module)
    gc.collect()
    assert ref() is not None  # the traceback's frame chain keeps the caller's locals alive
    assert release_cached_tracebacks() >= 1
    gc.collect()
    assert ref() is None
    trap = fake_module.missing_deps
    assert bool(trap)  # keyring's only question still has the same answer
    assert trap.type is ImportError
    assert trap.tb is None and trap.value.__traceback__ is None


def test_system_backend_leaves_no_traceback_in_keyring_modules() -> None:
    system_backend()
    for name, module in list(sys.modules.items()):
        if name.startswith("keyring") and module is not None:
            for value in vars(module).values():
                if isinstance(value, ExceptionTrap):
                    assert value.tb is None, name
                    assert value.value is None or value.value.__traceback__ is None, name
