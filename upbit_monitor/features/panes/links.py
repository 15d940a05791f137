"""Pane linking (after flowsurface): which panes switch when a coin is chosen somewhere.

Every pane is in exactly one of three modes:

- ``FOLLOW``: shows the app's selected coin (the Markets list). Choosing a coin in a following
  pane selects it app-wide, so the list and every other follower switch too.
- ``PINNED``: keeps its own coin; choosing a coin in it changes only that pane.
- ``GROUP``: a colour link group; choosing a coin in any member switches every member, and nothing
  else.

The hub only decides and calls ``show_code`` on the targets in one pass. Each pane then replaces its
subscription with the manager, which coalesces every change of that pass into ONE merged request
(that is what makes N panes cost one request per switch). Targets are held weakly, so a pane that
is gone simply drops out; the UI also calls :meth:`LinkHub.remove` from its ``destroyed`` signal.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from upbit_monitor.errors import WorkspaceError

GROUP_COLORS: dict[str, str] = {
    "red": "#e5534b",
    "green": "#46954a",
    "blue": "#4a8cdb",
    "yellow": "#c69026",
    "purple": "#986ee2",
}
"""Link group names and the colour their panes are marked with."""


class LinkMode(StrEnum):
    """How a pane chooses its coin."""

    FOLLOW = "follow"
    PINNED = "pinned"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class PaneLink:
    """A pane's link: its mode, plus the group colour for ``GROUP``."""

    mode: LinkMode = LinkMode.FOLLOW
    group: str | None = None

    def __post_init__(self) -> None:
        if self.mode is LinkMode.GROUP and self.group not in GROUP_COLORS:
            raise WorkspaceError(f"unknown link group {self.group!r} (known: {', '.join(GROUP_COLORS)})")
        if self.mode is not LinkMode.GROUP and self.group is not None:
            raise WorkspaceError(f"a {self.mode.value} pane has no link group")

    def label(self) -> str:
        """Menu/badge text: ``follows selection``, ``pinned``, ``red group``."""
        if self.mode is LinkMode.GROUP:
            return f"{self.group} group"
        return "follows selection" if self.mode is LinkMode.FOLLOW else "pinned"


class LinkTarget(Protocol):
    """A pane as the hub sees it."""

    def show_code(self, code: str) -> None:
        """Switch the pane to ``code`` (one subscription update, no request of its own)."""
        ...


class LinkHub:
    """The panes and their links; decides who switches when a coin is chosen."""

    def __init__(self) -> None:
        self._links: dict[str, PaneLink] = {}
        self._targets: dict[str, weakref.ReferenceType[LinkTarget]] = {}
        self.selected: str | None = None
        self.selection_listeners: list[Callable[[str], None]] = []
        """Called with the code when the app-wide selection moves because a following pane chose it."""

    def __len__(self) -> int:
        return len(self._links)

    def add(self, pane_id: str, link: PaneLink, target: LinkTarget) -> None:
        """Register (or re-register) a pane."""
        self._links[pane_id] = link
        hub = weakref.ref(self)  # the finaliser must not keep the hub (or the pane) alive

        def dead(_ref: weakref.ReferenceType[LinkTarget]) -> None:
            alive = hub()
            if alive is not None:
                alive._dead(pane_id)

        self._targets[pane_id] = weakref.ref(target, dead)

    def remove(self, pane_id: str) -> None:
        """Forget a pane (closed); unknown ids are ignored (the weakref may have been first)."""
        self._links.pop(pane_id, None)
        self._targets.pop(pane_id, None)

    def _dead(self, pane_id: str) -> None:
        ref = self._targets.get(pane_id)
        if ref is not None and ref() is None:
            self.remove(pane_id)

    def link(self, pane_id: str) -> PaneLink:
        """The pane's current link."""
        return self._links[pane_id]

    def set_link(self, pane_id: str, link: PaneLink) -> None:
        """Change a pane's mode/group; a pane that starts following shows the selected coin."""
        self._links[pane_id] = link
        if link.mode is LinkMode.FOLLOW and self.selected is not None:
            self._show([pane_id], self.selected)

    def members(self, link: PaneLink) -> list[str]:
        """Ids of the panes with exactly this link (every follower, or one colour group)."""
        if link.mode is LinkMode.PINNED:
            return []
        return [pid for pid, other in self._links.items() if other == link]

    def select(self, code: str, source: str | None = None) -> list[str]:
        """``code`` was chosen in pane ``source`` (None: the Markets list). Returns the panes switched."""
        link = PaneLink() if source is None else self._links[source]
        if link.mode is LinkMode.PINNED:
            assert source is not None
            switched = [source]
        else:
            switched = self.members(link)
        if link.mode is LinkMode.FOLLOW:
            moved = code != self.selected
            self.selected = code
            if moved and source is not None:
                for listener in list(self.selection_listeners):
                    listener(code)
        self._show(switched, code)
        return switched

    def _show(self, pane_ids: list[str], code: str) -> None:
        for pid in pane_ids:
            ref = self._targets.get(pid)
            target = ref() if ref is not None else None
            if target is not None:
                target.show_code(code)
