"""Alert rules and their trigger history.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``alert_rules`` and ``alert_triggers``."""
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("venue", sa.String(32), nullable=False),
        sa.Column("market", sa.String(40), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("cooldown_s", sa.Float(), nullable=False),
        sa.Column("rearm", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_fired_ms", sa.BigInteger(), nullable=True),
    )
    op.create_table(
        "alert_triggers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("venue", sa.String(32), nullable=False),
        sa.Column("market", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.create_index("ix_alert_triggers_rule_id", "alert_triggers", ["rule_id"])
    op.create_index("ix_alert_triggers_at_ms", "alert_triggers", ["at_ms"])
    op.create_index("ix_alert_triggers_market", "alert_triggers", ["market"])


def downgrade() -> None:
    """Revert to revision 0002 (tests only)."""
    op.drop_index("ix_alert_triggers_market", table_name="alert_triggers")
    op.drop_index("ix_alert_triggers_at_ms", table_name="alert_triggers")
    op.drop_index("ix_alert_triggers_rule_id", table_name="alert_triggers")
    op.drop_table("alert_triggers")
    op.drop_table("alert_rules")
