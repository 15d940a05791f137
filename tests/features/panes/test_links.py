"""LinkHub: who switches when a coin is chosen (follow / pinned / colour groups), weak targets."""

from __future__ import annotations

import gc

import pytest

from upbit_monitor.errors import WorkspaceError
from upbit_monitor.features.panes import LinkHub, LinkMode, PaneLink


class Pane:
    def __init__(self) -> None:
        self.shown: list[str] = []

    def show_code(self, code: str) -> None:
        self.shown.append(code)


RED = PaneLink(LinkMode.GROUP, "red")
BLUE = PaneLink(LinkMode.GROUP, "blue")
PINNED = PaneLink(LinkMode.PINNED)


@pytest.fixture
def hub_and_panes():
    hub = LinkHub()
    panes = {name: Pane() for name in ("f1", "f2", "r1", "r2", "b1", "p1")}
    links = {"f1": PaneLink(), "f2": PaneLink(), "r1": RED, "r2": RED, "b1": BLUE, "p1": PINNED}
    for name, pane in panes.items():
        hub.add(name, links[name], pane)
    return hub, panes


def test_the_markets_list_moves_every_follower_and_nothing_else(hub_and_panes):
    hub, panes = hub_and_panes
    assert hub.select("KRW-BTC") == ["f1", "f2"]
    assert panes["f1"].shown == panes["f2"].shown == ["KRW-BTC"]
    assert panes["r1"].shown == panes["p1"].shown == []
    assert hub.selected == "KRW-BTC"


def test_a_group_member_switches_its_whole_group_only(hub_and_panes):
    hub, panes = hub_and_panes
    assert hub.select("KRW-ETH", source="r2") == ["r1", "r2"]
    assert panes["r1"].shown == panes["r2"].shown == ["KRW-ETH"]
    assert panes["b1"].shown == panes["f1"].shown == []
    assert hub.selected is None  # the app-wide selection did not move


def test_a_pinned_pane_changes_alone(hub_and_panes):
    hub, panes = hub_and_panes
    assert hub.select("KRW-XRP", source="p1") == ["p1"]
    assert [p.shown for p in panes.values()].count([]) == 5


def test_choosing_in_a_following_pane_moves_the_app_selection(hub_and_panes):
    hub, panes = hub_and_panes
    heard: list[str] = []
    hub.selection_listeners.append(heard.append)
    hub.select("KRW-SOL", source="f2")
    assert heard == ["KRW-SOL"] and panes["f1"].shown == ["KRW-SOL"]
    hub.select("KRW-SOL")  # the list echoes the selection back: nobody is told twice
    assert heard == ["KRW-SOL"]


def test_a_pane_that_starts_following_shows_the_selected_coin(hub_and_panes):
    hub, panes = hub_and_panes
    hub.select("KRW-BTC")
    hub.set_link("b1", PaneLink())
    assert panes["b1"].shown == ["KRW-BTC"]
    assert hub.members(PaneLink()) == ["f1", "f2", "b1"]


def test_a_deleted_pane_drops_out(hub_and_panes):
    hub, panes = hub_and_panes
    del panes["r2"]
    gc.collect()
    assert len(hub) == 5
    assert hub.select("KRW-ETH", source="r1") == ["r1"]
    hub.remove("r2")  # a late destroyed() for the same pane is harmless


def test_links_are_checked():
    with pytest.raises(WorkspaceError, match="unknown link group"):
        PaneLink(LinkMode.GROUP, "mauve")
    with pytest.raises(WorkspaceError, match="no link group"):
        PaneLink(LinkMode.PINNED, "red")
    assert RED.label() == "red group" and PaneLink().label() == "follows selection"
