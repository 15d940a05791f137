"""Study settings: one small frozen dataclass per study kind, serialisable to plain dicts.

The chart keeps a list of these per pane and the workspace/QSettings layer stores
:func:`study_to_dict` output (JSON-safe: str, int, float). Reading is strict: an unknown kind,
a missing or out-of-range parameter raises :class:`StudySettingsError` with a message that names
the field, so a damaged settings file is reported and skipped, never half-applied.

Each class says where it is drawn (``pane``: ``"price"`` for overlays on the candles, otherwise the
name of its own sub-pane) and the names of the lines it produces, in drawing order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar

from upbit_monitor.errors import StudySettingsError

MAX_PERIOD = 500
"""Longest period accepted (a 500-bar average on a 2,000-bar chart is already mostly warm-up)."""


class Source(StrEnum):
    """Where a study's values come from."""

    LOCAL = "local"  # computed here from the chart's candles
    SERVER = "server"  # Upbit's ``indicator`` stream (KRW markets, its timeframes and parameter sets)


@dataclass(frozen=True, slots=True)
class _Study:
    kind: ClassVar[str]
    pane: ClassVar[str]
    lines: ClassVar[tuple[str, ...]]

    # Keyword-only so that positional arguments are the study's own parameters: SmaSettings(50).
    source: Source = field(default=Source.LOCAL, kw_only=True)

    def label(self) -> str:
        """Short legend text, e.g. ``"SMA 20"``."""
        params = [f"{getattr(self, f.name):g}" for f in fields(self) if f.name != "source"]
        text = " ".join([self.kind.upper(), *params])
        return f"{text} · Upbit" if self.source is Source.SERVER else text

    def validate(self) -> None:
        """Raise :class:`StudySettingsError` when a parameter is out of range."""
        for f in fields(self):
            if f.name == "source":
                continue
            _check_period(self.kind, f.name, getattr(self, f.name))


def _check_period(kind: str, name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PERIOD:
        raise StudySettingsError(
            f"{kind}: {name} must be a whole number from 1 to {MAX_PERIOD}, got {value!r}"
        )


@dataclass(frozen=True, slots=True)
class SmaSettings(_Study):
    """Simple moving average of closes."""

    kind: ClassVar[str] = "sma"
    pane: ClassVar[str] = "price"
    lines: ClassVar[tuple[str, ...]] = ("sma",)
    period: int = 20


@dataclass(frozen=True, slots=True)
class EmaSettings(_Study):
    """Exponential moving average of closes (seeded with the SMA of the first ``period`` closes)."""

    kind: ClassVar[str] = "ema"
    pane: ClassVar[str] = "price"
    lines: ClassVar[tuple[str, ...]] = ("ema",)
    period: int = 50


@dataclass(frozen=True, slots=True)
class BollingerSettings(_Study):
    """Bollinger bands: SMA of closes +- ``mult`` population standard deviations."""

    kind: ClassVar[str] = "bb"
    pane: ClassVar[str] = "price"
    lines: ClassVar[tuple[str, ...]] = ("upper", "middle", "lower")
    period: int = 20
    mult: float = 2.0

    def validate(self) -> None:
        _check_period(self.kind, "period", self.period)
        if self.period < 2:
            raise StudySettingsError("bb: period must be at least 2 (a deviation needs two closes)")
        mult = self.mult
        if isinstance(mult, bool) or not isinstance(mult, int | float) or not 0.1 <= mult <= 10:
            raise StudySettingsError(f"bb: mult must be a number from 0.1 to 10, got {self.mult!r}")


@dataclass(frozen=True, slots=True)
class VwapSettings(_Study):
    """Session VWAP of the typical price; the session is Upbit's trading day (00:00 UTC = 09:00 KST)."""

    kind: ClassVar[str] = "vwap"
    pane: ClassVar[str] = "price"
    lines: ClassVar[tuple[str, ...]] = ("vwap",)


@dataclass(frozen=True, slots=True)
class RsiSettings(_Study):
    """Wilder's relative strength index of closes."""

    kind: ClassVar[str] = "rsi"
    pane: ClassVar[str] = "rsi"
    lines: ClassVar[tuple[str, ...]] = ("rsi",)
    period: int = 14

    def validate(self) -> None:
        _check_period(self.kind, "period", self.period)
        if self.period < 2:
            raise StudySettingsError("rsi: period must be at least 2")


@dataclass(frozen=True, slots=True)
class MacdSettings(_Study):
    """MACD: EMA(fast) - EMA(slow) of closes, its EMA(signal), and the histogram (difference)."""

    kind: ClassVar[str] = "macd"
    pane: ClassVar[str] = "macd"
    lines: ClassVar[tuple[str, ...]] = ("macd", "signal", "histogram")
    fast: int = 12
    slow: int = 26
    signal: int = 9

    def validate(self) -> None:
        _Study.validate(self)
        if self.fast >= self.slow:
            raise StudySettingsError(f"macd: fast ({self.fast}) must be shorter than slow ({self.slow})")


@dataclass(frozen=True, slots=True)
class VolumeSettings(_Study):
    """Traded volume bars and their simple moving average."""

    kind: ClassVar[str] = "volume"
    pane: ClassVar[str] = "volume"
    lines: ClassVar[tuple[str, ...]] = ("volume", "ma")
    period: int = 20


StudySettings = (
    SmaSettings | EmaSettings | BollingerSettings | VwapSettings | RsiSettings | MacdSettings | VolumeSettings
)
"""Any one study's settings."""

STUDY_TYPES: dict[str, type[StudySettings]] = {
    cls.kind: cls
    for cls in (
        SmaSettings,
        EmaSettings,
        BollingerSettings,
        VwapSettings,
        RsiSettings,
        MacdSettings,
        VolumeSettings,
    )
}
"""Settings class per ``kind`` string, in menu order."""


def study_to_dict(study: StudySettings) -> dict[str, Any]:
    """Plain JSON-safe form: ``{"kind": "sma", "source": "local", "period": 20}``."""
    out: dict[str, Any] = {"kind": study.kind}
    for f in fields(study):
        value = getattr(study, f.name)
        out[f.name] = value.value if isinstance(value, Source) else value
    return out


def study_from_dict(data: Mapping[str, Any]) -> StudySettings:
    """Inverse of :func:`study_to_dict`; missing parameters take their defaults, extras are refused."""
    if not isinstance(data, Mapping):
        raise StudySettingsError(f"a study must be a mapping, got {type(data).__name__}")
    kind = data.get("kind")
    cls = STUDY_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise StudySettingsError(f"unknown study kind {kind!r} (known: {', '.join(STUDY_TYPES)})")
    names = {f.name for f in fields(cls)}
    extra = set(data) - names - {"kind"}
    if extra:
        raise StudySettingsError(f"{kind}: unknown field(s) {', '.join(sorted(extra))}")
    kwargs: dict[str, Any] = {k: v for k, v in data.items() if k in names}
    if "source" in kwargs:
        try:
            kwargs["source"] = Source(kwargs["source"])
        except ValueError:
            raise StudySettingsError(f"{kind}: unknown source {kwargs['source']!r}") from None
    study = cls(**kwargs)
    study.validate()
    return study


def studies_to_list(studies: list[StudySettings]) -> list[dict[str, Any]]:
    """Serialise a pane's study list."""
    return [study_to_dict(s) for s in studies]


def studies_from_list(data: object) -> tuple[list[StudySettings], list[str]]:
    """Read a stored study list: the valid studies plus one message per entry that was skipped."""
    if not isinstance(data, list):
        return [], [f"stored studies are not a list ({type(data).__name__}); using none"]
    studies: list[StudySettings] = []
    problems: list[str] = []
    for i, item in enumerate(data):
        try:
            studies.append(study_from_dict(item))
        except StudySettingsError as exc:
            problems.append(f"study {i + 1} skipped: {exc}")
    return studies, problems
