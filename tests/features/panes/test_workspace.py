"""Workspaces: JSON round trip, rename/default rules, damaged entries skipped with a message."""

from __future__ import annotations

import json

import pytest

from upbit_monitor.errors import WorkspaceError
from upbit_monitor.features.panes import LinkMode, PaneKind, PaneLink, PaneState, Workspace, WorkspaceBook
from upbit_monitor.features.studies import BollingerSettings, RsiSettings


def sample(name: str = "scalping") -> Workspace:
    return Workspace(
        name,
        panes=(
            PaneState("chart-1", PaneKind.CHART, PaneLink(LinkMode.GROUP, "red"), "KRW-ETH", 5,
                      (RsiSettings(14), BollingerSettings(20, 2.0))),
            PaneState("book-1", PaneKind.ORDERBOOK, PaneLink(LinkMode.PINNED), "KRW-XRP"),
            PaneState("watch-1", PaneKind.WATCH),
        ),
        dock_state="AAAA/w==",
        selected_code="KRW-BTC",
        main_studies=(RsiSettings(7),),
        main_timeframe=1440,
    )


def test_a_book_round_trips_through_json():
    book = WorkspaceBook()
    book.save(sample())
    book.save(sample("swing"))
    book.set_default("swing")
    back, problems = WorkspaceBook.from_dict(json.loads(json.dumps(book.to_dict())))
    assert problems == []
    assert back.names() == ["scalping", "swing"] and back.default == "swing"
    assert back.get("scalping") == sample()


def test_rename_keeps_order_and_default():
    book = WorkspaceBook()
    for name in ("a", "b", "c"):
        book.save(sample(name))
    book.set_default("b")
    book.rename("b", "  night  ")
    assert book.names() == ["a", "night", "c"] and book.default == "night"
    assert book.get("night").name == "night"
    with pytest.raises(WorkspaceError, match="already exists"):
        book.rename("a", "c")
    book.delete("night")
    assert book.default is None and book.names() == ["a", "c"]
    with pytest.raises(WorkspaceError, match="no workspace"):
        book.get("night")


@pytest.mark.parametrize("name", ["", "   ", None, "x" * 61])
def test_bad_names_are_refused(name):
    with pytest.raises(WorkspaceError):
        WorkspaceBook().save(Workspace(name))


def test_damaged_entries_are_skipped_and_reported():
    good = sample().to_dict()
    bad_kind = {**sample("b").to_dict(), "panes": [{"pane_id": "x", "kind": "teletype"}]}
    bad_study = {**sample("c").to_dict(), "main_studies": [{"kind": "sma", "period": -1}]}
    dup = {**sample("d").to_dict(), "panes": [sample().panes[0].to_dict()] * 2}
    book, problems = WorkspaceBook.from_dict(
        {"default": "b", "workspaces": [good, bad_kind, bad_study, dup, "junk"]}
    )
    assert book.names() == ["scalping"] and book.default is None
    assert len(problems) == 4
    assert "teletype" in problems[0] and "period" in problems[1] and "share an id" in problems[2]
    assert WorkspaceBook.from_dict(["nope"])[1]
