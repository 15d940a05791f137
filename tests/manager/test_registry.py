from __future__ import annotations

import asyncio
import gc

import pytest

from tests.manager.waiting import wait_until
from upbit_monitor.errors import ManagerError
from upbit_monitor.manager.registry import ComponentRegistry, Registration, component_name
from upbit_monitor.protocol.subscriptions import SubscriptionSpec

SPEC = (SubscriptionSpec("ticker", ("KRW-BTC",)),)


class Comp:
    def on_event(self, ev: object) -> None:
        pass


@pytest.mark.asyncio
async def test_dead_component_cleanup_runs_on_loop_not_in_gc() -> None:
    removed: list[Registration] = []
    reg = ComponentRegistry(asyncio.get_running_loop(), removed.append)
    comp = Comp()
    r = reg.add(comp, "upbit-public", SPEC, comp.on_event)
    assert reg.find(comp) is r and len(reg) == 1
    del comp
    gc.collect()
    assert removed == []  # only scheduled so far: nothing runs inside the GC callback
    await wait_until(lambda: removed)
    assert [x.token for x in removed] == [r.token]
    assert len(reg) == 0 and reg.dead_cleaned == 1


@pytest.mark.asyncio
async def test_explicit_remove_and_double_register() -> None:
    removed: list[Registration] = []
    reg = ComponentRegistry(asyncio.get_running_loop(), removed.append)
    comp = Comp()
    r = reg.add(comp, "upbit-public", SPEC, None)
    with pytest.raises(ManagerError):
        reg.add(comp, "upbit-public", SPEC, None)
    assert reg.remove(r.token) is r
    assert reg.find(comp) is None and reg.remove(r.token) is None
    del comp
    gc.collect()
    await asyncio.sleep(0.01)
    assert removed == []  # explicitly removed components are not reported as dead


@pytest.mark.asyncio
async def test_not_weakrefable_is_rejected() -> None:
    reg = ComponentRegistry(asyncio.get_running_loop(), lambda r: None)
    with pytest.raises(ManagerError):
        reg.add(42, "upbit-public", SPEC, None)


def test_component_name_uses_object_name() -> None:
    class Named:
        def objectName(self) -> str:
            return "orderbook"

    assert component_name(Named()) == "test_component_name_uses_object_name.<locals>.Named 'orderbook'"
    assert component_name(Comp()) == "Comp"
