"""The frame around every extra pane: a header strip (link selector, coin box) above the pane widget.

The header is the same for every pane kind, so a pane author writes none of the linking UI: the
pane widget only has to switch coins in ``show_code``. The link selector is a small coloured button
(grey: follows the selection, outlined: pinned, filled colour: that link group) whose menu changes
the link; the coin box completes market codes and, on Enter, asks the hub to switch the pane and
whoever is linked to it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
)

from upbit_monitor.features.panes import GROUP_COLORS, LinkMode, PaneLink
from upbit_monitor.ui.common.layout import flush_column

_FOLLOW_COLOR = "#8b93a1"


class PaneFrame(QWidget):
    """Header + pane widget. **Signals** (the pane id first): ``sigLinkChosen(str, object)`` a new
    :class:`PaneLink`; ``sigCodeEntered(str, str)`` the user chose a market (typed, or a click in a
    body that has ``sigCodeClicked(str)``, like the watch grid)."""

    sigLinkChosen = Signal(str, object)
    sigCodeEntered = Signal(str, str)

    def __init__(
        self,
        pane_id: str,
        kind: str,
        body: QWidget,
        codes: Callable[[], list[str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("PaneFrame")
        self.pane_id = pane_id
        self.kind = kind
        self.body = body
        self._codes = codes
        self.link = PaneLink()
        self._code: str | None = None
        self.link_button = QToolButton(self)
        self.link_button.setObjectName("PaneLinkButton")
        self.link_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.link_button.setAutoRaise(True)
        self.link_menu = QMenu(self.link_button)
        self.link_button.setMenu(self.link_menu)
        self._link_actions: dict[PaneLink, QAction] = {}
        group = QActionGroup(self)
        choices = [(PaneLink(), "Follow selected coin"), (PaneLink(LinkMode.PINNED), "Pin to its coin")]
        choices += [(PaneLink(LinkMode.GROUP, name), f"Link group: {name}") for name in GROUP_COLORS]
        for link, text in choices:
            action = self.link_menu.addAction(text)
            action.setCheckable(True)
            action.setData(link)
            group.addAction(action)
            self._link_actions[link] = action
        # Bound methods only: a lambda holding the frame, kept by a child's connection, is a cycle
        # through Qt that Python's collector cannot see.
        self.link_menu.triggered.connect(self._link_triggered)
        self.coin_box = QLineEdit(self)
        self.coin_box.setObjectName("PaneCoinBox")
        self.coin_box.setPlaceholderText("code, e.g. KRW-ETH")
        self.coin_box.setMaximumWidth(130)
        self._completions = QStringListModel(self)
        completer = QCompleter(self._completions, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.coin_box.setCompleter(completer)
        self.coin_box.returnPressed.connect(self._entered)
        clicked = getattr(body, "sigCodeClicked", None)
        if clicked is not None:
            clicked.connect(self._body_clicked)
        self.problem = QLabel("", self)
        self.problem.setObjectName("PaneProblem")
        header = QHBoxLayout()
        header.setContentsMargins(4, 2, 4, 0)
        header.setSpacing(4)
        header.addWidget(self.link_button)
        header.addWidget(self.coin_box)
        header.addWidget(self.problem, 1)
        flush_column(self, header, (body, 1))
        self.set_link(self.link)

    def set_link(self, link: PaneLink) -> None:
        """Show ``link`` on the selector (the host decides; this only displays)."""
        self.link = link
        self._link_actions[link].setChecked(True)
        color = GROUP_COLORS.get(link.group or "", _FOLLOW_COLOR)
        fill = color if link.mode is LinkMode.GROUP else "transparent"
        border = _FOLLOW_COLOR if link.mode is LinkMode.FOLLOW else color
        self.link_button.setStyleSheet(
            f"QToolButton#PaneLinkButton {{ background: {fill}; border: 2px solid {border};"
            " border-radius: 6px; min-width: 10px; max-width: 10px; min-height: 10px; max-height: 10px; }"
        )
        self.link_button.setToolTip(f"Link: {link.label()} (click to change)")
        self.coin_box.setReadOnly(False)

    @property
    def code(self) -> str | None:
        """The coin the pane shows."""
        return self._code

    def show_code(self, code: str) -> None:
        """Switch the pane (the hub calls this): the body subscribes, the box shows the code."""
        self._code = code
        self.coin_box.setText(code)
        self.problem.setText("")
        show = getattr(self.body, "show_code", None) or getattr(self.body, "set_code", None)
        if callable(show):
            show(code)

    def _entered(self) -> None:
        codes = self._codes()
        self._completions.setStringList(codes)
        text = self.coin_box.text().strip().upper()
        if "-" not in text and f"KRW-{text}" in codes:
            text = f"KRW-{text}"  # "eth" means the KRW market, as on Upbit
        if codes and text not in codes:
            self.problem.setText(f"no market {text}")
            return
        self.problem.setText("")
        self.sigCodeEntered.emit(self.pane_id, text)

    def _body_clicked(self, code: str) -> None:
        self.sigCodeEntered.emit(self.pane_id, code)

    def _link_triggered(self, action: QAction) -> None:
        link = action.data()
        if isinstance(link, PaneLink):
            self.sigLinkChosen.emit(self.pane_id, link)

    def refresh_completions(self) -> None:
        """Market codes for the completer (after the market list loaded)."""
        self._completions.setStringList(self._codes())
