"""Many coins at once, without Qt: pane links (follow / pinned / colour groups) and named workspaces.

The UI's Chart, Orderbook and watch-grid panes each get a :class:`PaneLink` and register with one
:class:`LinkHub`; choosing a coin anywhere asks the hub which panes switch. Workspaces are plain
frozen dataclasses with a strict dict form, stored by the UI as JSON.
"""

from upbit_monitor.features.panes.links import GROUP_COLORS, LinkHub, LinkMode, LinkTarget, PaneLink
from upbit_monitor.features.panes.workspace import PaneKind, PaneState, Workspace, WorkspaceBook

__all__ = [
    "GROUP_COLORS",
    "LinkHub",
    "LinkMode",
    "LinkTarget",
    "PaneKind",
    "PaneLink",
    "PaneState",
    "Workspace",
    "WorkspaceBook",
]
