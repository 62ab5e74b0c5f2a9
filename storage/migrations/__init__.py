"""Alembic migrations of the schema (`sse-facilitator db upgrade`)."""
