"""Many rows in one statement, and one process at a time for a periodic job.

A job that opens thousands of rows at the same minute (check-in rounds and their first
questions) inserts them in one `INSERT … ON CONFLICT DO NOTHING`, not a row and a savepoint
each; several bot processes sharing a PostgreSQL database take turns through a
transaction-scoped advisory lock instead of all doing the same work and colliding.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel


def insert_new(
    session: Session,
    model: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    unique: Sequence[str],
    returning: Sequence[Any] = (),
) -> list[Any]:
    """Insert the rows whose `unique` columns are not taken yet; returns `returning` of the
    rows inserted (none for the others)."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(list(rows)).on_conflict_do_nothing(index_elements=unique)
    if returning:
        return list(session.execute(statement.returning(*returning)).all())
    session.execute(statement)
    return []


def only_one(session: Session, job: str) -> bool:
    """True in the one transaction (across processes) allowed to run `job` now.

    PostgreSQL: a transaction-scoped advisory lock, released at commit; the others skip
    this run and find the work done on their next. SQLite: one process by design, and
    every write transaction already runs alone (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(job.encode()) - 2**31  # a stable signed 32-bit key per job name
    return bool(session.execute(select(func.pg_try_advisory_xact_lock(key))).scalar())
