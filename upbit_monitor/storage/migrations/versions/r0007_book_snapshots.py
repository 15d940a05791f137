"""Recorded orderbook snapshots for the order-flow heatmap: ``book_snapshots``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

Only written when order-flow recording is on (off by default), only for coins a heatmap watches.
Keyed by (venue, code, timestamp_ms): a snapshot repeated within one millisecond is stored once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the table."""
    op.create_table(
        "book_snapshots",
        sa.Column("venue", sa.String(16), primary_key=True),
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("timestamp_ms", sa.BigInteger(), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    """Revert to revision 0006 (tests only)."""
    op.drop_table("book_snapshots")
