"""Account tables (my_orders, my_order_states, asset_snapshots), candle coverage, market flags.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

``markets`` gains ``caution`` and ``updated_ms`` with server defaults, so rows written by revision
0001 stay valid; SQLite gets them through a batch (copy-and-rename) operation.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the private-account tables, candle coverage and the new market columns."""
    with op.batch_alter_table("markets") as batch:
        batch.add_column(sa.Column("caution", sa.Text(), nullable=False, server_default="{}"))
        batch.add_column(
            sa.Column("updated_ms", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.create_table(
        "candle_coverage",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(8), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("end", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_candle_coverage_code", "candle_coverage", ["code"])
    op.create_table(
        "my_orders",
        sa.Column("uuid", sa.String(64), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("ask_bid", sa.String(3), nullable=False),
        sa.Column("order_type", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("price", sa.String(64), nullable=True),
        sa.Column("avg_price", sa.String(64), nullable=True),
        sa.Column("volume", sa.String(64), nullable=True),
        sa.Column("remaining_volume", sa.String(64), nullable=True),
        sa.Column("executed_volume", sa.String(64), nullable=True),
        sa.Column("trades_count", sa.Integer(), nullable=False),
        sa.Column("paid_fee", sa.String(64), nullable=True),
        sa.Column("executed_funds", sa.String(64), nullable=True),
        sa.Column("identifier", sa.String(64), nullable=True),
        sa.Column("order_timestamp", sa.BigInteger(), nullable=True),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_my_orders_code", "my_orders", ["code"])
    op.create_table(
        "my_order_states",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("trade_uuid", sa.String(64), nullable=False),
        sa.Column("executed_volume", sa.String(64), nullable=True),
        sa.Column("remaining_volume", sa.String(64), nullable=True),
        sa.Column("trade_fee", sa.String(64), nullable=True),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("uuid", "timestamp", "state", "trade_uuid", name="uq_my_order_states"),
    )
    op.create_index("ix_my_order_states_uuid", "my_order_states", ["uuid"])
    op.create_table(
        "asset_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("asset_uuid", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(16), nullable=False),
        sa.Column("balance", sa.String(64), nullable=False),
        sa.Column("locked", sa.String(64), nullable=False),
        sa.Column("asset_timestamp", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("asset_uuid", "currency", name="uq_asset_snapshots"),
    )
    op.create_index(
        "ix_asset_snapshots_asset_timestamp", "asset_snapshots", ["asset_timestamp"]
    )


def downgrade() -> None:
    """Revert to revision 0001 (tests only)."""
    op.drop_index("ix_asset_snapshots_asset_timestamp", table_name="asset_snapshots")
    op.drop_table("asset_snapshots")
    op.drop_index("ix_my_order_states_uuid", table_name="my_order_states")
    op.drop_table("my_order_states")
    op.drop_index("ix_my_orders_code", table_name="my_orders")
    op.drop_table("my_orders")
    op.drop_index("ix_candle_coverage_code", table_name="candle_coverage")
    op.drop_table("candle_coverage")
    with op.batch_alter_table("markets") as batch:
        batch.drop_column("updated_ms")
        batch.drop_column("caution")
