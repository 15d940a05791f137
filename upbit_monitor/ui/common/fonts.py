"""Korean-capable fonts on every OS, chosen explicitly instead of left to the fallback lottery.

Market names are Korean (비트코인, 이더리움). The platform UI font (Segoe UI, SF Pro, DejaVu Sans) has no
Hangul, so Qt falls back per glyph to whatever font it finds first, which can be a bitmap or a
Chinese/Japanese face with different metrics (rows jump in height between coins). The application
font keeps the platform family first (Latin digits stay native) and names the Korean UI font of
each OS next: Qt takes Hangul from the first one installed.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

# In order of preference; the first installed one supplies Hangul. Windows ships Malgun Gothic,
# macOS Apple SD Gothic Neo; on Linux the distributions' packages (fonts-noto-cjk, fonts-nanum).
KOREAN_FAMILIES = ("Malgun Gothic", "Apple SD Gothic Neo", "Noto Sans CJK KR", "Noto Sans KR",
                   "NanumGothic", "NanumBarunGothic", "UnDotum")


def korean_font_families(base: str) -> list[str]:
    """``base`` first, then the Korean families (no duplicates)."""
    return [base, *(f for f in KOREAN_FAMILIES if f != base)]


def installed_korean_family() -> str | None:
    """The Korean family Qt will use for Hangul (None: none of ours is installed; Qt falls back)."""
    installed = set(QFontDatabase.families())
    return next((f for f in KOREAN_FAMILIES if f in installed), None)


def apply_korean_fonts(app: QApplication) -> None:
    """Give the application font the Korean fallbacks (call before any widget exists)."""
    font = QFont(app.font())
    font.setFamilies(korean_font_families(font.family()))
    app.setFont(font)
