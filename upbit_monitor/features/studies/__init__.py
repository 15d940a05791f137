"""Chart studies (SMA, EMA, Bollinger bands, session VWAP, RSI, MACD, volume MA), computed incrementally.

Qt-free: the chart feeds bars to a :class:`StudyEngine` and draws its numpy lines; the settings are
plain frozen dataclasses that serialise to dicts for QSettings and workspaces.
"""

from typing import TYPE_CHECKING

from upbit_monitor.features.studies.price_lines import PriceLine, PriceLineBook
from upbit_monitor.features.studies.settings import (
    STUDY_TYPES,
    BollingerSettings,
    EmaSettings,
    MacdSettings,
    RsiSettings,
    SmaSettings,
    Source,
    StudySettings,
    VolumeSettings,
    VwapSettings,
    studies_from_list,
    studies_to_list,
    study_from_dict,
    study_to_dict,
)

if TYPE_CHECKING:
    from upbit_monitor.features.studies.engine import StudyEngine


def __getattr__(name: str) -> object:
    # StudyEngine brings numpy and talipp: imported when a chart first computes a study, not when the
    # main window reads the saved study settings before the first price is painted (issue 18).
    if name == "StudyEngine":
        from upbit_monitor.features.studies.engine import StudyEngine

        return StudyEngine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "STUDY_TYPES",
    "BollingerSettings",
    "EmaSettings",
    "MacdSettings",
    "PriceLine",
    "PriceLineBook",
    "RsiSettings",
    "SmaSettings",
    "Source",
    "StudyEngine",
    "StudySettings",
    "VolumeSettings",
    "VwapSettings",
    "studies_from_list",
    "studies_to_list",
    "study_from_dict",
    "study_to_dict",
]
