"""Provisional candles: ``candles.provisional``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

A candle saved from the live stream (or fetched before its interval closed) may miss trades; it is
stored provisional and refetched by the chart. Rows written before this revision cannot be told
apart (a live candle saved mid-minute looked exactly like a complete one), so they are all marked
provisional: the chart refetches each range once, after which they are complete. Nothing is lost.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the flag (default false) and mark every existing candle provisional."""
    with op.batch_alter_table("candles") as batch:
        batch.add_column(
            sa.Column("provisional", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(sa.text("UPDATE candles SET provisional = :yes").bindparams(yes=True))


def downgrade() -> None:
    """Revert to revision 0005 (tests only)."""
    with op.batch_alter_table("candles") as batch:
        batch.drop_column("provisional")
