"""Periodic jobs that keep their state in the database: run once at start, then repeat.

The start run is its own one-off job: a repeating job added before the scheduler starts
skips a first run that is already past and waits a whole interval, and a bot that was
down when something fell due must catch up at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.ext import Application


def every(
    application: Application,  # type: ignore[type-arg]
    callback: Callable[[Any], Awaitable[None]],
    interval: timedelta,
    name: str,
) -> None:
    """Run `callback` at start and then every `interval`, one run at a time."""
    job_queue = application.job_queue
    assert job_queue is not None
    job_queue.run_once(callback, 0.0, name=f"{name}-start", job_kwargs={"misfire_grace_time": None})
    job_queue.run_repeating(
        callback,
        interval=interval,
        first=interval,
        name=name,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )


@dataclass(frozen=True)
class Job:
    """One row of the wiring's job table (`bot.app.JOBS`)."""

    name: str
    callback: Callable[[Any], Awaitable[None]]
    interval: timedelta


def start_all(application: Application, table: tuple[Job, ...]) -> None:  # type: ignore[type-arg]
    """Start every job of the table the same way: at once, then every interval."""
    for job in table:
        every(application, job.callback, job.interval, job.name)
