"""Plain words for a database that cannot be opened (terminal and status panel).

``--db-url nonsense://x`` used to surface as "database error (NoSuchModuleError: Can't load plugin:
sqlalchemy.dialects:nonsense)": true, but jargon. A user needs to know three things: the URL they
gave is not usable, why in their terms (unknown database type, driver not installed, server not
reachable, not a URL at all), and that the app carries on without storage. The URL is shown with
its password masked, or not at all when it does not even parse (it may be a password typo).
"""

from __future__ import annotations

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from upbit_monitor.errors import ConfigError

KNOWN_TYPES = "sqlite:///path/to/file.db or postgresql://user:password@host/database"
CARRY_ON = "the app runs without storage (nothing is saved this session)"


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    node: BaseException | None = exc
    while node is not None and node not in chain:
        chain.append(node)
        node = node.__cause__ or node.__context__
    return chain


def _first_line(exc: BaseException, limit: int = 140) -> str:
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def explain_open_failure(url: str | None, exc: BaseException) -> str:
    """One plain sentence: why the database at ``url`` is not usable, and that the app goes on."""
    try:
        parsed = make_url(url) if url else None
    except ArgumentError:
        parsed = None
    shown = parsed.render_as_string(hide_password=True) if parsed is not None else None
    causes = _causes(exc)
    # NoSuchModuleError subclasses ArgumentError: the unknown-type test goes first.
    if any(isinstance(c, NoSuchModuleError) for c in causes) and parsed is not None:
        reason = (f"the database URL {shown} is not usable: unknown database type "
                  f"'{parsed.get_backend_name()}' (use {KNOWN_TYPES})")
    elif (url and parsed is None) or any(isinstance(c, ArgumentError | ConfigError) for c in causes):
        reason = f"the database URL is not a valid URL (expected e.g. {KNOWN_TYPES})"
    elif (missing := next((c for c in causes if isinstance(c, ModuleNotFoundError)), None)) is not None:
        kind = parsed.get_backend_name() if parsed is not None else "this database"
        reason = (f"the database URL {shown} is not usable: the driver for {kind} is not installed "
                  f"({_first_line(missing)})")
    elif (down := next((c for c in causes if isinstance(c, OperationalError)), None)) is not None:
        orig = getattr(down, "orig", None) or down
        reason = f"the database at {shown} cannot be opened: {_first_line(orig)}"
    else:
        where = f"at {shown} " if shown else ""
        reason = f"the database {where}cannot be opened: {_first_line(exc)}"
    return f"{reason}; {CARRY_ON}"
