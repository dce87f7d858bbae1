"""End-to-end tests: the real Application talking HTTP to the fake Bot API on loopback.

The handler-error guard is on for every test here: a handler or job that fails (an
`assert` on a stale draft, a double-answered button) fails the test even when the person
got the polite apology. A test that provokes a failure on purpose says so with
`@pytest.mark.handler_errors_expected`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

OUR_LOGGERS = ("coachbot", "bot", "handlers", "storage")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "handler_errors_expected: the test makes a handler fail on purpose"
    )


@pytest.fixture(autouse=True)
def no_handler_errors(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Any error logged by our code fails the test (every handler and job failure is
    logged by the error handler)."""
    caplog.set_level(logging.INFO)
    yield
    if request.node.get_closest_marker("handler_errors_expected"):
        return
    failed = [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.get_records("call")
        if record.levelno >= logging.ERROR and record.name.startswith(OUR_LOGGERS)
    ]
    assert not failed, f"a handler or job failed: {failed}"
