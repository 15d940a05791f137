"""The chart's Studies menu and its non-modal settings dialog.

The menu toggles each study kind (on with its usual parameters) and can add further SMA/EMA lines;
"Study settings…" opens a small non-modal dialog with one row of parameters per study. Both emit the
complete new study list (``sigStudiesChanged``); the chart applies it through its engine, which
validates first, so a bad value is reported in the dialog and nothing half-changes.

Each row of the dialog also has the study's source: "Local" (computed here from the chart's candles) or
"Upbit server" (Upbit's own values, see features/studies/server.py). Upbit's choice is disabled, with
the reason as its tooltip, where Upbit does not serve the study: not a KRW market, a timeframe other
than 5m-D, parameters outside Upbit's sets, no API keys, or a kind Upbit does not compute.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from dataclasses import fields, replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QMenu,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from upbit_monitor.errors import StudySettingsError
from upbit_monitor.features.studies import (
    STUDY_TYPES,
    EmaSettings,
    SmaSettings,
    Source,
    StudySettings,
)
from upbit_monitor.features.studies.settings import MAX_PERIOD

MENU_TITLES = {
    "sma": "Moving average (SMA)",
    "ema": "Exponential MA (EMA)",
    "bb": "Bollinger bands",
    "vwap": "VWAP (session)",
    "rsi": "RSI",
    "macd": "MACD",
    "volume": "Volume MA",
}
_EXTRA_MA = {"sma": (5, 20, 60, 120), "ema": (9, 21, 50, 200)}
SOURCE_TITLES = {Source.LOCAL: "Local", Source.SERVER: "Upbit server"}
ServerProblem = Callable[[StudySettings], str | None]
"""Why a study cannot take Upbit's values on the chart as it is (None: it can)."""


class StudiesMenu(QMenu):
    """Toggle studies; emits the full new list."""

    sigStudiesChanged = Signal(list)

    def __init__(self, parent: QWidget, current: Callable[[], list[StudySettings]]) -> None:
        super().__init__("Studies", parent)
        # A weak reference: the menu is the chart's child, and a strong one back to the chart
        # would be a cycle through Qt that the garbage collector cannot see.
        self._current_ref = weakref.WeakMethod(current) if inspect.ismethod(current) else None
        self._current_fn = None if inspect.ismethod(current) else current
        self.aboutToShow.connect(self._rebuild)
        self.dialog: StudySettingsDialog | None = None
        self.server_problem: ServerProblem | None = None  # set when the chart can use Upbit's values

    def _current(self) -> list[StudySettings]:
        fn = self._current_ref() if self._current_ref is not None else self._current_fn
        return fn() if fn is not None else []

    def _rebuild(self) -> None:
        self.clear()
        studies = self._current()
        kinds = {s.kind for s in studies}
        for kind, cls in STUDY_TYPES.items():
            action = self.addAction(MENU_TITLES[kind])
            action.setCheckable(True)
            action.setChecked(kind in kinds)
            action.toggled.connect(lambda on, cls=cls: self._toggle(cls, on))
        self.addSeparator()
        for kind, periods in _EXTRA_MA.items():
            sub = self.addMenu(f"Add another {kind.upper()}")
            have = {s.period for s in studies if isinstance(s, SmaSettings | EmaSettings) and s.kind == kind}
            for period in periods:
                if period in have:
                    continue
                cls = STUDY_TYPES[kind]
                sub.addAction(f"{kind.upper()} {period}").triggered.connect(
                    lambda _=False, cls=cls, p=period: self._emit([*self._current(), cls(p)])
                )
        self.addSeparator()
        self.addAction("Study settings…").triggered.connect(self.open_settings)
        clear = self.addAction("Remove all studies")
        clear.setEnabled(bool(studies))
        clear.triggered.connect(lambda: self._emit([]))

    def _toggle(self, cls: type[StudySettings], on: bool) -> None:
        studies = self._current()
        if on:
            self._emit([*studies, cls()])
        else:
            self._emit([s for s in studies if not isinstance(s, cls)])

    def _emit(self, studies: list[StudySettings]) -> None:
        self.sigStudiesChanged.emit(studies)

    def open_settings(self) -> None:
        """Show the non-modal settings dialog (one per menu)."""
        if self.dialog is None:
            owner = self.parentWidget()
            assert owner is not None
            self.dialog = StudySettingsDialog(owner, self._current, self._emit)
        self.dialog.server_problem = self.server_problem
        self.dialog.load()
        self.dialog.show()
        self.dialog.raise_()


class StudySettingsDialog(QDialog):
    """One row per study: its parameters as spin boxes. Apply emits the edited list."""

    def __init__(
        self,
        parent: QWidget,
        current: Callable[[], list[StudySettings]],
        apply: Callable[[list[StudySettings]], None],
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Study settings")
        self.setModal(False)
        self._current = current
        self._apply = apply
        self._rows: list[tuple[StudySettings, dict[str, QSpinBox | QDoubleSpinBox]]] = []
        self.sources: dict[int, QComboBox] = {}  # row -> source box (tests read it)
        self.server_problem: ServerProblem | None = None
        layout = QVBoxLayout(self)
        self._grid_host = QWidget(self)
        layout.addWidget(self._grid_host)
        self.error = QLabel("", self)
        self.error.setObjectName("StudyError")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Close, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)

    def load(self) -> None:
        """Rebuild the rows from the chart's current studies."""
        old = self._grid_host.layout()
        if old is not None:
            QWidget().setLayout(old)  # the usual way to drop a layout with its widgets
        grid = QGridLayout(self._grid_host)
        self._rows = []
        self.sources = {}
        self.error.setText("")
        studies = self._current()
        if not studies:
            grid.addWidget(QLabel("No studies: add them from the Studies menu.", self._grid_host), 0, 0)
        for row, study in enumerate(studies):
            grid.addWidget(QLabel(MENU_TITLES[study.kind], self._grid_host), row, 0)
            boxes: dict[str, QSpinBox | QDoubleSpinBox] = {}
            col = 1
            for f in fields(study):
                if f.name == "source":
                    continue
                value = getattr(study, f.name)
                box: QSpinBox | QDoubleSpinBox
                if isinstance(value, float):
                    box = QDoubleSpinBox(self._grid_host)
                    box.setRange(0.1, 10.0)
                    box.setSingleStep(0.1)
                else:
                    box = QSpinBox(self._grid_host)
                    box.setRange(1, MAX_PERIOD)
                box.setValue(value)
                box.setPrefix(f"{f.name} ")
                box.setAccessibleName(f"{study.kind} {f.name}")
                grid.addWidget(box, row, col)
                boxes[f.name] = box
                col += 1
            self.sources[row] = self._source_box(study)
            grid.addWidget(self.sources[row], row, 4)
            remove = QToolButton(self._grid_host)
            remove.setText("✕")
            remove.setToolTip(f"Remove {study.label()}")
            remove.clicked.connect(lambda _=False, s=study: self._remove(s))
            grid.addWidget(remove, row, 5)
            self._rows.append((study, boxes))
        self.adjustSize()

    def _source_box(self, study: StudySettings) -> QComboBox:
        box = QComboBox(self._grid_host)
        box.setAccessibleName(f"{study.kind} source")
        for source, title in SOURCE_TITLES.items():
            box.addItem(title, source.value)
        box.setCurrentIndex(list(SOURCE_TITLES).index(study.source))
        # The server choice as it would be (a local study asks about its server twin).
        problem = "this chart cannot reach Upbit's indicators" if self.server_problem is None else \
            self.server_problem(replace(study, source=Source.SERVER))
        model = box.model()
        if problem is not None and isinstance(model, QStandardItemModel):
            item = model.item(list(SOURCE_TITLES).index(Source.SERVER))
            # A study already on the server source keeps the choice (its legend says why it is empty).
            item.setEnabled(study.source is Source.SERVER)
            item.setToolTip(problem)
            box.setToolTip(problem)
        else:
            box.setToolTip("Local: computed from the chart's candles. Upbit server: Upbit's values, "
                           "one per closed candle")
        return box

    def edited(self) -> list[StudySettings]:
        """The studies with the values and sources in the boxes (not validated)."""
        out: list[StudySettings] = []
        for row, (study, boxes) in enumerate(self._rows):
            values: dict[str, object] = {name: box.value() for name, box in boxes.items()}
            source = self.sources.get(row)
            if source is not None:
                values["source"] = Source(source.currentData(Qt.ItemDataRole.UserRole))
            out.append(replace(study, **values))  # type: ignore[arg-type]
        return out

    def apply(self) -> None:
        """Validate and emit; a bad combination (MACD fast >= slow) is shown, nothing changes."""
        studies = self.edited()
        try:
            for study in studies:
                study.validate()
        except StudySettingsError as exc:
            self.error.setText(str(exc))
            return
        # New parameters can leave Upbit's sets (RSI 15): say so instead of an empty server study.
        for (old, _), study in zip(self._rows, studies, strict=True):
            changed = study != old
            problem = self.server_problem(study) if self.server_problem is not None else None
            if changed and study.source is Source.SERVER and problem is not None:
                self.error.setText(f"{MENU_TITLES[study.kind]} from Upbit: {problem}")
                return
        self.error.setText("")
        self._apply(studies)

    def _remove(self, study: StudySettings) -> None:
        self._apply([s for s in self._current() if s != study])
        self.load()
