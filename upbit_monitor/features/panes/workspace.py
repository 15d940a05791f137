"""Workspaces: named layouts (panes, their coins and links, chart studies, dock arrangement).

A :class:`Workspace` is plain data. ``dock_state`` is the opaque ``QMainWindow.saveState()`` blob as
base64 text: the UI owns its meaning, this module only carries it. :class:`WorkspaceBook` holds the
named workspaces and which one is the default (loaded at start), and round-trips through JSON-safe
dicts. Reading is strict per workspace: a damaged entry is skipped with a message, the rest loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from upbit_monitor.errors import StudySettingsError, WorkspaceError
from upbit_monitor.features.panes.links import LinkMode, PaneLink
from upbit_monitor.features.studies import StudySettings, studies_to_list, study_from_dict

MAX_NAME = 60


class PaneKind(StrEnum):
    """The pane types the View menu can add."""

    CHART = "chart"
    ORDERBOOK = "orderbook"
    WATCH = "watch"
    HEATMAP = "heatmap"  # order-flow panes (issue 20)
    DEPTH = "depth"
    FOOTPRINT = "footprint"


Option = bool | int | float | str


def options_from(pane_id: str, raw: object) -> tuple[tuple[str, Option], ...]:
    """Validated pane options: a mapping of names to scalars (raises :class:`WorkspaceError`)."""
    if not isinstance(raw, Mapping) or not all(
        isinstance(k, str) and isinstance(v, bool | int | float | str) for k, v in raw.items()
    ):
        raise WorkspaceError(f"pane {pane_id}: options must map names to plain values, got {raw!r}")
    return tuple(sorted(raw.items()))


@dataclass(frozen=True, slots=True)
class PaneState:
    """One extra pane: identity, link, coin (for pinned/grouped panes) and its own settings."""

    pane_id: str
    kind: PaneKind
    link: PaneLink = field(default_factory=PaneLink)
    code: str | None = None
    timeframe: int | None = None  # charts: minutes (1440 = day, 10080 = week, 43200 = month)
    studies: tuple[StudySettings, ...] = ()
    # Any other pane's own choices (order-flow grouping, columns...): flat name -> scalar, as the
    # pane's ``pane_settings()`` gives them; the pane validates them when they are applied.
    options: tuple[tuple[str, Option], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "pane_id": self.pane_id,
            "kind": self.kind.value,
            "link": self.link.mode.value,
            "group": self.link.group,
            "code": self.code,
            "timeframe": self.timeframe,
            "studies": studies_to_list(list(self.studies)),
            "options": dict(self.options),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PaneState:
        """Strict inverse of :meth:`to_dict` (raises :class:`WorkspaceError`)."""
        try:
            pane_id = data["pane_id"]
            kind = PaneKind(data["kind"])
            link = PaneLink(LinkMode(data.get("link", "follow")), data.get("group"))
            code, timeframe = data.get("code"), data.get("timeframe")
            studies = tuple(study_from_dict(s) for s in data.get("studies", []))
        except StudySettingsError as exc:
            raise WorkspaceError(f"pane {data.get('pane_id')!r}: {exc}") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise WorkspaceError(f"pane entry is damaged ({type(exc).__name__}: {exc})") from exc
        if not isinstance(pane_id, str) or not pane_id:
            raise WorkspaceError(f"pane id must be a non-empty string, got {pane_id!r}")
        if code is not None and not isinstance(code, str):
            raise WorkspaceError(f"pane {pane_id}: code must be a string, got {code!r}")
        if timeframe is not None and (isinstance(timeframe, bool) or not isinstance(timeframe, int)):
            raise WorkspaceError(f"pane {pane_id}: timeframe must be whole minutes, got {timeframe!r}")
        options = options_from(pane_id, data.get("options", {}))
        return cls(pane_id, kind, link, code, timeframe, studies, options)


@dataclass(frozen=True, slots=True)
class Workspace:
    """A named layout."""

    name: str
    panes: tuple[PaneState, ...] = ()
    dock_state: str = ""  # base64 of QMainWindow.saveState(); "" = the default arrangement
    selected_code: str | None = None
    main_studies: tuple[StudySettings, ...] = ()  # the main Chart dock's studies
    main_timeframe: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "name": self.name,
            "panes": [p.to_dict() for p in self.panes],
            "dock_state": self.dock_state,
            "selected_code": self.selected_code,
            "main_studies": studies_to_list(list(self.main_studies)),
            "main_timeframe": self.main_timeframe,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Workspace:
        """Strict inverse of :meth:`to_dict` (raises :class:`WorkspaceError`)."""
        if not isinstance(data, Mapping):
            raise WorkspaceError(f"a workspace must be a mapping, got {type(data).__name__}")
        name = check_name(data.get("name"))
        panes_data = data.get("panes", [])
        if not isinstance(panes_data, list):
            raise WorkspaceError(f"workspace {name!r}: panes must be a list")
        panes = tuple(PaneState.from_dict(p) for p in panes_data)
        if len({p.pane_id for p in panes}) != len(panes):
            raise WorkspaceError(f"workspace {name!r}: two panes share an id")
        try:
            main_studies = tuple(study_from_dict(s) for s in data.get("main_studies", []))
        except StudySettingsError as exc:
            raise WorkspaceError(f"workspace {name!r}: {exc}") from exc
        dock_state, selected, tf = data.get("dock_state", ""), data.get("selected_code"), data.get(
            "main_timeframe"
        )
        if not isinstance(dock_state, str) or not (selected is None or isinstance(selected, str)):
            raise WorkspaceError(f"workspace {name!r}: dock_state/selected_code must be strings")
        if tf is not None and (isinstance(tf, bool) or not isinstance(tf, int)):
            raise WorkspaceError(f"workspace {name!r}: main_timeframe must be whole minutes")
        return cls(name, panes, dock_state, selected, main_studies, tf)


def check_name(name: object) -> str:
    """A valid workspace name (trimmed), or :class:`WorkspaceError`."""
    if not isinstance(name, str) or not name.strip():
        raise WorkspaceError("a workspace needs a name")
    name = name.strip()
    if len(name) > MAX_NAME:
        raise WorkspaceError(f"a workspace name is at most {MAX_NAME} characters")
    return name


class WorkspaceBook:
    """Named workspaces in creation order, plus the default one's name."""

    def __init__(self) -> None:
        self._items: dict[str, Workspace] = {}
        self.default: str | None = None

    def names(self) -> list[str]:
        """Workspace names in creation order."""
        return list(self._items)

    def get(self, name: str) -> Workspace:
        """The workspace ``name`` (:class:`WorkspaceError` when there is none)."""
        try:
            return self._items[name]
        except KeyError:
            raise WorkspaceError(f"no workspace named {name!r}") from None

    def save(self, workspace: Workspace) -> None:
        """Add or overwrite (same name)."""
        name = check_name(workspace.name)
        self._items[name] = replace(workspace, name=name)

    def rename(self, old: str, new: str) -> None:
        """Rename, keeping the position and the default mark."""
        new = check_name(new)
        current = self.get(old)
        if new != old and new in self._items:
            raise WorkspaceError(f"a workspace named {new!r} already exists")
        self._items = {
            (new if k == old else k): (replace(current, name=new) if k == old else v)
            for k, v in self._items.items()
        }
        if self.default == old:
            self.default = new

    def delete(self, name: str) -> None:
        """Remove ``name`` (and the default mark if it was the default)."""
        self.get(name)
        del self._items[name]
        if self.default == name:
            self.default = None

    def set_default(self, name: str | None) -> None:
        """Mark ``name`` as loaded at start (None: start with the last session's layout)."""
        if name is not None:
            self.get(name)
        self.default = name

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form of the whole book."""
        return {"default": self.default, "workspaces": [w.to_dict() for w in self._items.values()]}

    @classmethod
    def from_dict(cls, data: object) -> tuple[WorkspaceBook, list[str]]:
        """The book plus one message per workspace that was skipped."""
        book, problems = cls(), []
        if not isinstance(data, Mapping):
            return book, [f"stored workspaces are damaged ({type(data).__name__}); starting empty"]
        items = data.get("workspaces", [])
        for i, item in enumerate(items if isinstance(items, list) else []):
            try:
                book.save(Workspace.from_dict(item))
            except WorkspaceError as exc:
                problems.append(f"workspace {i + 1} skipped: {exc}")
        default = data.get("default")
        if isinstance(default, str) and default in book._items:
            book.default = default
        return book, problems
