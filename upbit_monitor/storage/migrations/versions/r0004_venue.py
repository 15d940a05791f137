"""Market and account rows keyed by venue (Upbit, Bithumb).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

Every market-data and account table gains ``venue`` (``upbit`` for all existing rows: until now the
database held Upbit only), and it joins the keys: the primary keys of ``markets``, ``candles``,
``trades`` and ``my_orders`` and the unique constraints of ``my_order_states`` and
``asset_snapshots``. Existing data stays in place. A primary key cannot be altered in place
portably (SQLite cannot at all), so those four tables are rebuilt and their rows copied.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

# table -> the primary key after this revision (None: the table keeps its surrogate id key).
_KEYED = {
    "markets": ("venue", "code"),
    "candles": ("venue", "code", "unit", "start"),
    "trades": ("venue", "code", "sequential_id"),
    "my_orders": ("venue", "uuid"),
}
_UNIQUE = {
    "my_order_states": ("uq_my_order_states", ("uuid", "timestamp", "state", "trade_uuid")),
    "asset_snapshots": ("uq_asset_snapshots", ("asset_uuid", "currency")),
}


def _venue_column() -> sa.Column[str]:
    return sa.Column("venue", sa.String(16), nullable=False, server_default="upbit")


def _rekey(table: str, key: tuple[str, ...], *, add: bool) -> None:
    """Rebuild ``table`` with primary key ``key``, adding (or dropping) ``venue``; rows are copied.

    Neither dialect can alter a primary key in place portably (SQLite cannot at all), so the table is
    recreated under a temporary name, filled with ``INSERT ... SELECT``, and swapped in; its indexes
    are recreated under their old names.
    """
    bind = op.get_bind()
    old = sa.Table(table, sa.MetaData(), autoload_with=bind)
    indexes = sa.inspect(bind).get_indexes(table)
    columns = [sa.Column(c.name, c.type, nullable=c.nullable, server_default=c.server_default,
                         primary_key=c.name in key)
               for c in old.columns if add or c.name != "venue"]
    if add:
        columns.insert(0, _venue_column())
        columns[0].primary_key = True
    temp = f"{table}__new"
    op.create_table(temp, *columns)
    kept = [c.name for c in old.columns if c.name != "venue"]
    names = ", ".join(f'"{n}"' for n in kept)
    op.execute(sa.text(f'INSERT INTO {temp} ({names}) SELECT {names} FROM {table}'
                       + ("" if add else " WHERE venue = 'upbit'")))
    for index in indexes:
        op.drop_index(str(index["name"]), table_name=table)
    op.drop_table(table)
    op.rename_table(temp, table)
    for index in indexes:
        op.create_index(str(index["name"]), table, [str(c) for c in index["column_names"]],
                        unique=bool(index["unique"]))


def upgrade() -> None:
    """Add ``venue`` everywhere and put it into the keys; existing rows become Upbit's."""
    for table, key in _KEYED.items():
        _rekey(table, key, add=True)
    for table, (name, columns) in _UNIQUE.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(_venue_column())
            batch.drop_constraint(name, type_="unique")
            batch.create_unique_constraint(name, ["venue", *columns])
    with op.batch_alter_table("candle_coverage") as batch:
        batch.add_column(_venue_column())


def downgrade() -> None:
    """Revert to revision 0003 (tests only; rows of other venues than Upbit are deleted)."""
    for table in (*_KEYED, *_UNIQUE, "candle_coverage"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE venue <> 'upbit'"))
    with op.batch_alter_table("candle_coverage") as batch:
        batch.drop_column("venue")
    for table, (name, columns) in _UNIQUE.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(name, type_="unique")
            batch.create_unique_constraint(name, list(columns))
            batch.drop_column("venue")
    for table, key in _KEYED.items():
        _rekey(table, tuple(c for c in key if c != "venue"), add=False)
