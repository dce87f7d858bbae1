"""Shared fixtures: every storage and end-to-end test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from storage.db import Database
from tests.databases import PostgresDatabases, SqliteDatabases, postgres_available

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def _sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteDatabases]:
    yield SqliteDatabases(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def _postgres_databases() -> Iterator[PostgresDatabases | None]:
    reason = postgres_available()
    if reason is not None:
        if os.environ.get("CI") or os.environ.get("COACHBOT_REQUIRE_POSTGRES"):
            pytest.fail(f"{reason}; CI must run the PostgreSQL tests (see .ci/run)")
        yield None
        return
    databases = PostgresDatabases()
    yield databases
    databases.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def databases(
    backend: str,
    _sqlite_databases: SqliteDatabases,
    _postgres_databases: PostgresDatabases | None,
) -> SqliteDatabases | PostgresDatabases:
    if backend == "sqlite":
        return _sqlite_databases
    if _postgres_databases is None:
        pytest.skip(postgres_available() or "PostgreSQL not available")
    return _postgres_databases


@pytest.fixture
def database_url(databases: SqliteDatabases | PostgresDatabases) -> Iterator[str]:
    """A fresh database migrated to head."""
    url = databases.create(migrated=True)
    yield url
    databases.drop(url)


@pytest.fixture
def empty_database_url(databases: SqliteDatabases | PostgresDatabases) -> Iterator[str]:
    """A fresh database with no tables, for migration tests."""
    url = databases.create(migrated=False)
    yield url
    databases.drop(url)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()
