"""SQLite serves one bot process: a second `coachbot run` on the same file refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.embedded import AlreadyRunning, hold_sqlite


def test_a_second_process_on_the_same_sqlite_file_is_refused_with_a_sentence(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'coachbot.sqlite3'}"
    first = hold_sqlite(url)
    assert first is not None
    try:
        with pytest.raises(AlreadyRunning, match="Another Coachbot is already running"):
            hold_sqlite(url)
    finally:
        first.close()
    again = hold_sqlite(url)  # the first one stopped: the file is free again
    assert again is not None
    again.close()


def test_postgresql_needs_no_file_lock() -> None:
    assert hold_sqlite("postgresql://coachbot@127.0.0.1/coachbot") is None
