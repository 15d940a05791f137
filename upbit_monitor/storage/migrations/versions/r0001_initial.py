"""Initial schema: markets, candles, trades, settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the market-data tables."""
    op.create_table(
        "markets",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("korean_name", sa.String(100), nullable=False),
        sa.Column("english_name", sa.String(100), nullable=False),
        sa.Column("warning", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "candles",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("unit", sa.String(8), primary_key=True),
        sa.Column("start", sa.BigInteger(), primary_key=True),
        sa.Column("open", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("close", sa.Float(), nullable=False),
        sa.Column("volume", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "trades",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("sequential_id", sa.BigInteger(), primary_key=True),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("volume", sa.Float(), nullable=False),
        sa.Column("ask_bid", sa.String(3), nullable=False),
        sa.Column("trade_timestamp", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_trades_trade_timestamp", "trades", ["trade_timestamp"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    """Drop the market-data tables (only used by tests; the app never downgrades)."""
    op.drop_table("settings")
    op.drop_index("ix_trades_trade_timestamp", table_name="trades")
    op.drop_table("trades")
    op.drop_table("candles")
    op.drop_table("markets")
