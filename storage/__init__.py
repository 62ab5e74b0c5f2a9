"""Persistence: SQLAlchemy models, the database engine and every query of the project.

Nothing outside this package builds SQL. The default database is an SQLite file; any
SQLAlchemy async URL (PostgreSQL with asyncpg) works through `DATABASE_URL`.
"""
