"""Where the reports live and how the schema gets there.

SQLite in WAL mode (``data/reports.sqlite3``) is the embedded default; ``GAOHE_DATABASE_URL``
may name PostgreSQL instead (``postgresql+psycopg://user:pass@host/db``): the same code runs on
both. The schema is created and upgraded by Alembic, run from Python when the store opens; the
whole upgrade is one transaction that also serialises concurrent starters (SQLite: ``BEGIN
IMMEDIATE``; PostgreSQL: an advisory lock), so two app processes starting together do not race.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError

from geo.errors import StorageError
from geo.place.reference import DATA_DIR

DEFAULT_DATABASE_PATH = DATA_DIR / "reports.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: How long a writer waits for another one before the report is refused as "busy", seconds.
LOCK_TIMEOUT_S = 10.0

#: Key of the PostgreSQL advisory lock held while migrating (any constant unique to this app).
_MIGRATION_LOCK_KEY = 0x6A0E_0013


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """``GAOHE_DATABASE_URL`` when set, else the SQLite file in ``data/``."""
    configured = (os.environ if environ is None else environ).get("GAOHE_DATABASE_URL", "").strip()
    return configured or f"sqlite:///{DEFAULT_DATABASE_PATH}"


def photos_dir(url: str, environ: Mapping[str, str] | None = None) -> Path:
    """Where the photos of the database at ``url`` live: ``GAOHE_REPORT_PHOTOS`` when set; else
    ``report_photos/`` beside a SQLite database file (one folder to back up holds both); else
    (PostgreSQL, in-memory SQLite) ``data/report_photos``."""
    configured = (os.environ if environ is None else environ).get("GAOHE_REPORT_PHOTOS", "").strip()
    if configured:
        return Path(configured)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).resolve().parent / "report_photos"
    return DATA_DIR / "report_photos"


def create_report_engine(url: str, *, lock_timeout_s: float = LOCK_TIMEOUT_S) -> Engine:
    """An engine for ``url``. SQLite: WAL journal, full sync (a confirmed report is on disk),
    foreign keys on, and transactions begun by us (``BEGIN`` or, for writers, ``BEGIN
    IMMEDIATE`` via the ``sqlite_begin`` execution option) instead of by the sqlite3 module."""
    parsed = make_url(url)
    # statement parameters (a resident's contact, a note) stay out of logs and error messages
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": lock_timeout_s}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(lock_timeout_s * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # noqa: ANN001
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def writer(engine: Engine) -> Engine:
    """The engine for write transactions: SQLite takes the write lock at BEGIN, so a
    read-then-write transaction never fails half-way on another writer's commit."""
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest schema revision this code knows."""
    return str(ScriptDirectory.from_config(_alembic_config()).get_current_head())


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the database (``None`` when empty)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` in one transaction."""
    config = _alembic_config()
    with writer(engine).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


#: What a database fault means to the person who sent a change: (full, busy, unavailable) keys.
FaultKeys = tuple[str, str, str]


def database_fault(err: DBAPIError, keys: FaultKeys) -> StorageError:
    """A database fault as the :class:`StorageError` whose message fits it: the disk is full,
    the database is busy (locked, a serialisation failure: send again), or it cannot be reached."""
    orig = err.orig
    code = getattr(orig, "sqlite_errorcode", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    text = str(orig).lower()
    full, busy, unavailable = keys
    if code == 13 or sqlstate in ("53100", "53200") or "disk is full" in text or "no space" in text:
        return StorageError(full)
    if code in (5, 6) or sqlstate in ("55P03", "40001", "40P01") or "locked" in text or "busy" in text:
        return StorageError(busy)
    return StorageError(unavailable)
