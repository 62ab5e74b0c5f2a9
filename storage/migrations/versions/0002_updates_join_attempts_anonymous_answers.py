"""Received updates (kept before they are confirmed), join attempts, anonymous answers,
unreachable people.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", JSON, nullable=True),
        sa.Column("received_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("handled_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_updates")),
        sa.UniqueConstraint("channel", "update_id", name=op.f("uq_updates_channel")),
    )
    with op.batch_alter_table("updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_updates_handled_at"), ["handled_at"], unique=False)
    op.execute(
        "INSERT INTO updates (channel, update_id, received_at, handled_at) "
        "SELECT channel, update_id, processed_at, processed_at FROM processed_updates"
    )
    op.drop_table("processed_updates")

    op.create_table(
        "join_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("who", sa.String(length=64), nullable=False),
        sa.Column("failed_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_attempts")),
    )
    with op.batch_alter_table("join_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_join_attempts_failed_at"), ["failed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_join_attempts_who"), ["who"], unique=False)

    op.create_table(
        "anonymous_answers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("value", JSON, nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_anonymous_answers_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_answers")),
    )
    with op.batch_alter_table("anonymous_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_anonymous_answers_territory_flow_question",
            ["territory_id", "flow_id", "question_id"],
            unique=False,
        )

    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unreachable_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("unreachable_at")

    with op.batch_alter_table("anonymous_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_anonymous_answers_territory_flow_question")
    op.drop_table("anonymous_answers")

    with op.batch_alter_table("join_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_join_attempts_who"))
        batch_op.drop_index(batch_op.f("ix_join_attempts_failed_at"))
    op.drop_table("join_attempts")

    op.create_table(
        "processed_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("processed_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_updates")),
        sa.UniqueConstraint("channel", "update_id", name=op.f("uq_processed_updates_channel")),
    )
    op.execute(
        "INSERT INTO processed_updates (channel, update_id, processed_at) "
        "SELECT channel, update_id, handled_at FROM updates WHERE handled_at IS NOT NULL"
    )
    with op.batch_alter_table("updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_updates_handled_at"))
    op.drop_table("updates")
