"""The app's database (SQLite by default, PostgreSQL by URL): engine and Alembic migrations."""
