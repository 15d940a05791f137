"""Exchange notices (the ``announcement`` feed of the private endpoint).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``announcements`` (one row per venue + uuid)."""
    op.create_table(
        "announcements",
        sa.Column("venue", sa.String(32), primary_key=True),
        sa.Column("uuid", sa.String(64), primary_key=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("listed_at", sa.String(40), nullable=True),
        sa.Column("first_listed_at", sa.String(40), nullable=True),
        sa.Column("event_type", sa.String(16), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("is_listing", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_announcements_timestamp_ms", "announcements", ["timestamp_ms"])


def downgrade() -> None:
    """Revert to revision 0004 (tests only)."""
    op.drop_index("ix_announcements_timestamp_ms", table_name="announcements")
    op.drop_table("announcements")
