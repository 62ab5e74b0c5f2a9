"""Territory management: a territory closed to new people, and the codes that were replaced.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WHEN = storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "retired_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("retired_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_retired_codes_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retired_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_retired_codes_code")),
    )
    with op.batch_alter_table("retired_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_retired_codes_territory_id"), ["territory_id"], unique=False
        )
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", WHEN, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
    with op.batch_alter_table("retired_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retired_codes_territory_id"))
    op.drop_table("retired_codes")
