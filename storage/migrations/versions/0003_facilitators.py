"""Facilitators: a facilitator code per territory, pseudonym numbers, the territory profile,
open blocks, break-out group links, pending dialogs (creating a territory, the profile).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # as storage.repository.JOIN_CODE_ALPHABET


def upgrade() -> None:
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facilitator_code", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("last_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("open_blocks", JSON, nullable=True))
        batch_op.add_column(sa.Column("profile", JSON, nullable=True))
        batch_op.add_column(
            sa.Column("profile_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("first_blocks", JSON, nullable=True))

    connection = op.get_bind()
    taken = {row[0] for row in connection.execute(sa.text("SELECT join_code FROM territories"))}
    territories = [row[0] for row in connection.execute(sa.text("SELECT id FROM territories"))]
    for territory_id in territories:
        code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        while code in taken:
            code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        taken.add(code)
        members = connection.execute(
            sa.text("SELECT id FROM memberships WHERE territory_id = :t ORDER BY id"),
            {"t": territory_id},
        ).all()
        for number, (membership_id,) in enumerate(members, start=1):
            connection.execute(
                sa.text("UPDATE memberships SET number = :n WHERE id = :id"),
                {"n": number, "id": membership_id},
            )
        connection.execute(
            sa.text("UPDATE territories SET facilitator_code = :c, last_number = :n WHERE id = :t"),
            {"c": code, "n": len(members), "t": territory_id},
        )

    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.alter_column("facilitator_code", existing_type=sa.String(16), nullable=False)
        batch_op.alter_column("last_number", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_territories_facilitator_code"), ["facilitator_code"]
        )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_memberships_territory_id"), ["territory_id", "number"]
        )

    op.create_table(
        "group_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("first_blocks", JSON, nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_group_links_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_links")),
        sa.UniqueConstraint("code", name=op.f("uq_group_links_code")),
    )
    with op.batch_alter_table("group_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_links_territory_id"), ["territory_id"], unique=False
        )
    op.create_table(
        "pending_dialogs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=True),
        sa.Column("state", JSON, nullable=False),
        sa.Column("updated_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_pending_dialogs_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_dialogs")),
        sa.UniqueConstraint(
            "channel", "external_id", "kind", name=op.f("uq_pending_dialogs_channel")
        ),
    )


def downgrade() -> None:
    op.drop_table("pending_dialogs")
    with op.batch_alter_table("group_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_links_territory_id"))
    op.drop_table("group_links")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_memberships_territory_id"), type_="unique")
        batch_op.drop_column("first_blocks")
        batch_op.drop_column("number")
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_territories_facilitator_code"), type_="unique")
        batch_op.drop_column("profile_at")
        batch_op.drop_column("profile")
        batch_op.drop_column("open_blocks")
        batch_op.drop_column("last_number")
        batch_op.drop_column("facilitator_code")
