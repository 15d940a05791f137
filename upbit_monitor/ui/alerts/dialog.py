"""The rule dialog: pick a kind, fill its settings; impossible values are refused in words.

Nothing is saved from here: :meth:`RuleDialog.rule` returns a rule the engine has validated
(``engine.validate``), or the dialog stays open with the engine's message under the form. The
caller stores it (``await engine.add_rule`` / ``update_rule``), so a refused or half-filled rule can
never reach the database.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from upbit_monitor.errors import AlertRuleError
from upbit_monitor.features.alerts import KIND_LABELS, AlertEngine, AlertRule, RuleKind
from upbit_monitor.features.alerts.rules import DEFAULTS, PARAMS, _Choice, _Num

_NO_MARKET = (RuleKind.CONNECTION,)


class RuleDialog(QDialog):
    """Create or edit one rule (see the module docstring).

    Args:
        engine: validates the rule (venues, known markets, value ranges).
        rule: the rule to edit, or a template (kind, market, prefilled params) for a new one.
    """

    def __init__(self, engine: AlertEngine, rule: AlertRule | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._editing = rule if rule is not None and rule.id is not None else None
        template = rule or AlertRule(RuleKind.PRICE)
        self.setWindowTitle("Edit alert" if self._editing else "New alert")
        self._result: AlertRule | None = None

        self.kind = QComboBox()
        for kind in RuleKind:
            self.kind.addItem(KIND_LABELS[kind], kind)
        self.kind.setCurrentIndex(list(RuleKind).index(template.kind))
        self.venue = QComboBox()
        self.venue.addItems(list(engine.venues))
        self.venue.setCurrentText(template.venue)
        self.market = QLineEdit(template.market)
        self.market.setPlaceholderText("KRW-BTC, or KRW-* for every KRW market")
        self.cooldown = QLineEdit(f"{template.cooldown_s:g}")
        self.rearm = QLineEdit(f"{template.rearm:g}")
        self.note = QLineEdit(template.note)
        self.error = QLabel()
        self.error.setObjectName("ruleError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #e5484d;")
        self.error.hide()

        self.form = QFormLayout()
        self.form.addRow("Kind", self.kind)
        self.form.addRow("Venue", self.venue)
        self.form.addRow("Market", self.market)
        self._param_rows: dict[str, QLineEdit | QComboBox] = {}
        self._fixed_rows = self.form.rowCount()
        self.form.addRow("Cooldown (s)", self.cooldown)
        self.form.addRow("Re-arm distance", self.rearm)
        self.form.addRow("Note", self.note)
        std = QDialogButtonBox.StandardButton
        buttons = QDialogButtonBox(std.Ok | std.Cancel)
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._build_params(template.kind, template.params)
        self.kind.currentIndexChanged.connect(lambda _i: self._build_params(self.current_kind(), {}))

    def current_kind(self) -> RuleKind:
        """The kind selected."""
        return RuleKind(self.kind.currentData())

    def _build_params(self, kind: RuleKind, values: Any) -> None:
        for _ in range(len(self._param_rows)):
            self.form.removeRow(self._fixed_rows)
        self._param_rows = {}
        merged = {**DEFAULTS.get(kind, {}), **dict(values)}
        for i, (key, spec) in enumerate(PARAMS[kind].items()):
            widget: QLineEdit | QComboBox
            if isinstance(spec, _Choice):
                widget = QComboBox()
                widget.addItems(list(spec.options))
                if key in merged:
                    widget.setCurrentText(str(merged[key]))
            else:
                value = merged.get(key, "")
                text = f"{value:g}" if isinstance(value, float) and isinstance(spec, _Num) else str(value)
                widget = QLineEdit(text)
            widget.setObjectName(f"param_{key}")
            self._param_rows[key] = widget
            self.form.insertRow(self._fixed_rows + i, spec.label.capitalize(), widget)
        self.market.setEnabled(kind not in _NO_MARKET)

    def param_widget(self, key: str) -> QLineEdit | QComboBox:
        """The input of one kind setting (tests and callers that prefill)."""
        return self._param_rows[key]

    def build(self) -> AlertRule:
        """The rule as entered, validated by the engine.

        Raises:
            AlertRuleError: with the engine's words.
        """
        params: dict[str, float | str] = {}
        for key, widget in self._param_rows.items():
            params[key] = widget.currentText() if isinstance(widget, QComboBox) else widget.text().strip()
        rule = AlertRule(
            kind=self.current_kind(), market=self.market.text(), params=params,
            venue=self.venue.currentText(), enabled=self._editing.enabled if self._editing else True,
            cooldown_s=_number(self.cooldown.text(), "cooldown"), rearm=_number(self.rearm.text(), "re-arm"),
            note=self.note.text(), id=self._editing.id if self._editing else None,
        )
        return self.engine.validate(rule)

    def try_accept(self) -> None:
        """OK: accept only a valid rule; otherwise say why and stay open."""
        try:
            self._result = self.build()
        except AlertRuleError as exc:
            self.show_error(str(exc))
            return
        self.error.hide()
        self.accept()

    def show_error(self, text: str) -> None:
        """Show a refusal under the form (also used for a database error after OK)."""
        self.error.setText(text)
        self.error.show()

    def rule(self) -> AlertRule | None:
        """The validated rule after OK, else None."""
        return self._result


def _number(text: str, label: str) -> float:
    try:
        return float(text.strip() or "0")
    except ValueError:
        raise AlertRuleError(f"{label} must be a number (got {text!r})") from None
