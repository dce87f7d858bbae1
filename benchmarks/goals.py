"""Goals benchmarks: what the every-minute goals job costs as clients grow, and what a
/progress picture costs against the bare canvas it is drawn on.

- sweep: the job's transaction at an idle minute (nothing due: the cost paid every minute
  of the day) and at the minute when every client's check-in is due (rounds opened and
  first questions queued), for a small and a large number of clients. The per-client cost
  should stay flat (ratio ≈ 1): the job makes a fixed number of queries per minute.
- chart: rendering a client's chart (1, 4 and 8 goals of 12 check-ins each) against
  saving an empty figure of the same size with the same Agg canvas (the floor).
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.goals.checkins import BATCH, queue_rounds
from bot.goals.jobs import sweep
from bot.goals.progress import WIDTH_PX, GoalSeries, Point, height_px, render_progress
from storage.db import Database
from storage.models import CheckInPlan, Goal, Person, Role, ServicePeriod

HKI = ZoneInfo("Europe/Helsinki")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=HKI).astimezone(UTC)
BEFORE = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)


def add_clients(db: Database, n: int) -> None:
    """n clients of one coach, each with two open goals and a Monday 10.00 plan."""

    def add(session):  # type: ignore[no-untyped-def]
        coach = Person(role=Role.COACH.value, display_name="Coach")
        session.add(coach)
        session.flush()
        clients = [
            Person(role=Role.CLIENT.value, display_name=f"Client {i}", coach_id=coach.id)
            for i in range(n)
        ]
        session.add_all(clients)
        session.flush()
        for client in clients:
            session.add(
                ServicePeriod(
                    client_id=client.id, program_key="job-search", start_date=date(2026, 11, 2)
                )
            )
            session.add(
                CheckInPlan(client_id=client.id, anchor=date(2026, 11, 16), updated_at=BEFORE)
            )
            for k in range(2):
                session.add(
                    Goal(
                        client_id=client.id, area="documents", text=f"Goal {k}",
                        criterion="Criterion", created_at=BEFORE, updated_at=BEFORE,
                    )
                )  # fmt: skip

    db.call(add)


def _timed(db: Database, now: datetime) -> tuple[float, int]:
    start = time.perf_counter()
    done = db.call(sweep, now, HKI)
    return time.perf_counter() - start, done


def _due_minute(db: Database, now: datetime) -> tuple[float, float, int]:
    """As the job runs it: rounds in batches, one transaction each, then the other steps.
    Returns (total seconds, the longest transaction, rounds opened)."""
    total, longest, opened = 0.0, 0.0, 0
    while True:
        start = time.perf_counter()
        made = db.call(queue_rounds, now, HKI)
        took = time.perf_counter() - start
        total, longest, opened = total + took, max(longest, took), opened + made
        if made < BATCH:
            break
    rest, _ = _timed(db, now)
    return total + rest, max(longest, rest), opened


def sweep_cost(make_url: Any, sizes: tuple[int, int] = (500, 5000)) -> dict[str, Any]:
    """Per-client milliseconds of an idle minute and of the due minute, small vs large."""
    out: dict[str, Any] = {}
    for n in sizes:
        db = Database(make_url())
        add_clients(db, n)
        idle = min(_timed(db, MONDAY_10 - timedelta(minutes=m))[0] for m in (3, 2, 1))
        due, longest, opened = _due_minute(db, MONDAY_10)
        assert opened == n, (opened, n)
        after = min(_timed(db, MONDAY_10 + timedelta(minutes=m))[0] for m in (1, 2, 3))
        db.dispose()
        out[str(n)] = {
            "idle_ms": round(idle * 1000, 1),
            "due_ms": round(due * 1000, 1),
            "longest_transaction_ms": round(longest * 1000, 1),
            "after_due_ms": round(after * 1000, 1),
            "due_us_per_client": round(due / n * 1e6, 1),
        }
    small, large = (out[str(n)] for n in sizes)
    scale = sizes[1] / sizes[0]
    out["per_client_ratio_due"] = round(large["due_ms"] / small["due_ms"] / scale, 2)
    out["per_client_ratio_idle"] = round(large["idle_ms"] / small["idle_ms"] / scale, 2)
    return out


def _history(goals: int, points: int = 12) -> list[GoalSeries]:
    start = date(2026, 9, 7)
    return [
        GoalSeries(
            f"Tavoite {g + 1}: haen töitä ja päivitän CV:n",
            "5 hakemusta lähetetty 15.12. mennessä",
            tuple(
                Point(
                    start + timedelta(weeks=w),
                    None if w == points - 1 else 1 + (w + g) % 5,
                    w == points - 1,
                )
                for w in range(points)
            ),
        )
        for g in range(goals)
    ]


def _bare(goals: int) -> bytes:
    """The floor: an empty figure of the same pixel size through the same canvas."""
    import io

    figure = Figure(figsize=(WIDTH_PX / 100, height_px(goals) / 100), dpi=100)
    canvas = FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    canvas.print_png(buffer)
    return buffer.getvalue()


def chart_cost(repeat: int = 5) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for goals in (1, 4, 8):
        series = _history(goals)
        ours, bare = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            render_progress("Matti Meikäläinen", series, "fi")
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            _bare(goals)
            bare.append(time.perf_counter() - start)
        out[f"{goals}_goals"] = {
            "ms": round(statistics.median(ours) * 1000, 1),
            "bare_canvas_ms": round(statistics.median(bare) * 1000, 1),
            "ratio": round(statistics.median(ours) / statistics.median(bare), 2),
        }
    return out
