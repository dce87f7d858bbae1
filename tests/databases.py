"""Test databases: a fresh, migrated database per test on SQLite and on PostgreSQL.

Migrating once into a template and copying it per test keeps the suite fast: SQLite
copies the file, PostgreSQL uses CREATE DATABASE ... TEMPLATE.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from storage.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "COACHBOT_TEST_POSTGRES_URL", "postgresql+psycopg://coachbot:coachbot@127.0.0.1:5432/postgres"
)

DROP_TRIES = 5


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as error:  # any failure means: no PostgreSQL for this run
        return f"PostgreSQL not reachable at {make_url(POSTGRES_URL).host}: {type(error).__name__}"
    return None


class PostgresDatabases:
    """Creates and drops databases on the test server through an admin connection."""

    def __init__(self) -> None:
        self.admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        self.template: str | None = None
        self.created: list[str] = []

    def url(self, name: str) -> str:
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    def create(self, *, migrated: bool) -> str:
        name = f"coachbot_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            if migrated:
                if self.template is None:
                    self.template = f"coachbot_tpl_{uuid.uuid4().hex[:12]}"
                    conn.execute(sa.text(f'CREATE DATABASE "{self.template}"'))
                    upgrade(self.url(self.template))
                conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
            else:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.url(name)

    def drop(self, url: str) -> None:
        self._drop(make_url(url).database)

    def _drop(self, name: str | None) -> None:
        """Drop a test database, whoever is still on it.

        An autovacuum worker can be on a fresh database at teardown; FORCE ends it when the
        role has pg_signal_backend (scripts/postgres-up grants it). Without that grant, or
        when a worker starts again in between, a few more tries settle it: a teardown must
        not fail a run for a process that is not ours."""
        if not name:
            return
        statement = sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for attempt in range(DROP_TRIES):
            try:
                with self.admin.connect() as conn:
                    conn.execute(statement)
                return
            except sa.exc.DBAPIError:
                if attempt == DROP_TRIES - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def close(self) -> None:
        for name in [*self.created, self.template]:
            self._drop(name)
        self.admin.dispose()


class SqliteDatabases:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.template: Path | None = None

    def create(self, *, migrated: bool) -> str:
        path = self.folder / f"{uuid.uuid4().hex[:12]}.sqlite3"
        if migrated:
            if self.template is None:
                self.template = self.folder / "template.sqlite3"
                upgrade(f"sqlite:///{self.template}")
            shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        pass
