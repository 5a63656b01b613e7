"""Database URLs for the report tests: SQLite always; PostgreSQL when GAOHE_TEST_DATABASE_URL
names a server (``scripts/run-tests.sh`` starts a private one), each test in its own schema."""

from __future__ import annotations

import os
import secrets
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

POSTGRES_URL = os.environ.get("GAOHE_TEST_DATABASE_URL", "")
SKIP_POSTGRES = ("no PostgreSQL server for tests: GAOHE_TEST_DATABASE_URL is not set "
                 "(scripts/run-tests.sh starts one when Debian's postgresql is installed)")


def with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'reports.sqlite3'}"


class PostgresSchema:
    """A fresh schema on the test server, dropped afterwards."""

    def __init__(self) -> None:
        self.name = f"t_{secrets.token_hex(6)}"
        self._admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {self.name}"))
        self.url = with_search_path(POSTGRES_URL, self.name)

    def drop(self) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {self.name} CASCADE"))
        self._admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    if not POSTGRES_URL:
        pytest.skip(SKIP_POSTGRES)
    schema = PostgresSchema()
    try:
        yield schema.url
    finally:
        schema.drop()
