"""`coachbot period ...`: the service period's lifecycle from the command line.

The admin's way to the same actions the coach uses in chat (bot.periods.actions): each
command runs in one transaction with the time of now, is audited with no actor (the
command line), and queues the messages that tell the people concerned (the running bot
sends them). What the admin does here the caseworker has already decided outside the bot,
so an extension applies at once. A rule that refuses prints the rule's reason and exits 1.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer

from bot.settings import Settings

period_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Service periods: list, start, extend, suspend, resume, interrupt, end.",
    no_args_is_help=True,
)

PERIOD_ID = Annotated[int, typer.Argument(help="The period's id (see `period list`).")]


class By(StrEnum):
    client = "client"
    provider = "provider"
    purchaser = "purchaser"


class Ending(StrEnum):
    goal = "goal"
    time_limit = "time-limit"


def _fail(message: str) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code=1)


def _day(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{what}: dates are written YYYY-MM-DD")


def _today(settings: Settings) -> date:
    from storage.models import utcnow

    return utcnow().astimezone(settings.tz).date()


def _run(fn: Any, **kwargs: Any) -> Any:
    """One action in one transaction, now; a refusal prints its reason (in English)."""
    from bot.periods import texts
    from bot.periods.actions import PeriodError, PeriodRefused
    from messages.i18n import translator
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.models import utcnow

    settings = Settings()
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    t = translator("en")
    try:
        return db.call(fn, now=utcnow(), **kwargs)
    except PeriodRefused as refused:
        _fail(f"refused: {t(texts.problem_text(refused.problem))}")
    except PeriodError as error:
        _fail(t(texts.ERRORS.get(error.code, error.code)))
    finally:
        db.dispose()


def _show(period: Any) -> str:
    end = period.planned_end.isoformat() if period.planned_end else "open-ended"
    return f"{period.id}\t{period.program_key}\t{period.start_date.isoformat()}\t{end}"


@period_app.command("list")
def period_list(
    client: Annotated[int | None, typer.Option(help="Only this client's periods.")] = None,
    ended: Annotated[bool, typer.Option("--ended", help="Ended periods too.")] = False,
) -> None:
    """List periods: id, client id, program, start, planned end, status (how it ended),
    hours agreed + granted, suspension, client name."""
    from storage import periods
    from storage.db import Database
    from storage.migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        found = db.call(periods.listing, client_id=client, ended=ended)
    finally:
        db.dispose()
    if not found:
        typer.echo("No periods.")
    for period, person in found:
        end = period.planned_end.isoformat() if period.planned_end else "open-ended"
        status = period.status
        if period.end_reason:
            status += f" ({period.end_reason}, {period.ended_on})"
        cap = "-" if period.hour_cap is None else f"{period.hour_cap:g}"
        if period.extra_hours:
            cap += f"+{period.extra_hours:g}"
        pause = (
            f"{period.suspended_from}..{period.suspended_until}"
            if period.suspended_from and period.suspended_until
            else "-"
        )
        typer.echo(
            f"{period.id}\tclient {period.client_id}\t{period.program_key}\t"
            f"{period.start_date}\t{end}\t{status}\thours {cap}\tsuspended {pause}\t"
            f"{person.display_name}"
        )


@period_app.command("start")
def period_start(
    client: Annotated[int, typer.Argument(help="The client's person id.")],
    program: Annotated[str, typer.Option(help="Program key, e.g. job-search.")],
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")],
    end: Annotated[
        str | None, typer.Option(help="Last day, YYYY-MM-DD (default: the program's length).")
    ] = None,
    hours: Annotated[
        float | None, typer.Option(help="The agreed hour cap (at most the program's).")
    ] = None,
) -> None:
    """Start a period; the client is welcomed (and for job coaching the caseworker told).
    Prints the new period's id alone on the last line."""
    from bot.periods import actions

    period = _run(
        actions.start_period, actor_id=None, client_id=client, program_key=program,
        start=_day(start, "--start"), end=_day(end, "--end"), hour_cap=hours,
        provider=Settings().provider_name,
    )  # fmt: skip
    typer.echo(f"Started: {_show(period)}")
    typer.echo(str(period.id))


@period_app.command("extend")
def period_extend(
    period_id: PERIOD_ID,
    until: Annotated[str, typer.Option(help="The new last day, YYYY-MM-DD.")],
) -> None:
    """Extend a period as the caseworker decided (at most as far as the program allows)."""
    from bot.periods import actions

    period = _run(
        actions.extend_period, actor_id=None, period_id=period_id, until=_day(until, "--until")
    )
    typer.echo(f"Extended: {_show(period)}")


@period_app.command("suspend")
def period_suspend(
    period_id: PERIOD_ID,
    first: Annotated[str, typer.Option(help="First day of the suspension, YYYY-MM-DD.")],
    last: Annotated[str, typer.Option(help="Last day of the suspension, YYYY-MM-DD.")],
) -> None:
    """Suspend a period (at most a month, as agreed in a three-party meeting); the end
    moves when the program says so, and the coach is offered to cancel meetings in it."""
    from bot.periods import actions

    period = _run(
        actions.suspend, actor_id=None, period_id=period_id, first=_day(first, "--first"),
        last=_day(last, "--last"),
    )  # fmt: skip
    typer.echo(f"Suspended {period.suspended_from} – {period.suspended_until}: {_show(period)}")


@period_app.command("resume")
def period_resume(
    period_id: PERIOD_ID,
    on: Annotated[
        str | None, typer.Option(help="The first day it runs again (default: today).")
    ] = None,
) -> None:
    """End a suspension early; the unused days no longer move the end."""
    from bot.periods import actions

    day = _day(on, "--on") or _today(Settings())
    period = _run(actions.resume, actor_id=None, period_id=period_id, on=day)
    typer.echo(f"Resumed: {_show(period)}")


@period_app.command("interrupt")
def period_interrupt(
    period_id: PERIOD_ID,
    by: Annotated[By, typer.Option(help="Who interrupts: client, provider or purchaser.")],
    reason: Annotated[str, typer.Option(help="Why (goes to the caseworker and the report).")],
    on: Annotated[str | None, typer.Option(help="The last day (default: today).")] = None,
) -> None:
    """Interrupt a period; what is booked is cancelled and everyone is told why."""
    from bot.periods import actions
    from bot.rules.periods import EndReason

    if not reason.strip():
        _fail("--reason must say why")
    day = _day(on, "--on") or _today(Settings())
    period = _run(
        actions.end_period, actor_id=None, period_id=period_id, reason=EndReason(by.value),
        note=reason.strip(), on=day,
    )  # fmt: skip
    typer.echo(f"Interrupted ({by.value}): {_show(period)}")


@period_app.command("end")
def period_end(
    period_id: PERIOD_ID,
    reason: Annotated[Ending, typer.Option(help="goal (reached) or time-limit.")],
    note: Annotated[str | None, typer.Option(help="A note for the caseworker.")] = None,
    on: Annotated[str | None, typer.Option(help="The last day (default: today).")] = None,
) -> None:
    """End a period: the goal was reached, or its time limit (unused hours lapse)."""
    from bot.periods import actions
    from bot.rules.periods import EndReason

    why = EndReason.GOAL_REACHED if reason is Ending.goal else EndReason.TIME_LIMIT
    day = _day(on, "--on") or _today(Settings())
    period = _run(
        actions.end_period, actor_id=None, period_id=period_id, reason=why, note=note, on=day
    )
    typer.echo(f"Ended ({why.value}): {_show(period)}")


@period_app.command("employment")
def period_employment(
    period_id: PERIOD_ID,
    start: Annotated[str, typer.Option(help="The job's first day, YYYY-MM-DD.")],
    hours: Annotated[float, typer.Option(help="Working hours a week.")],
    open_market: Annotated[
        bool, typer.Option("--open-market/--not-open-market", help="On the open labour market?")
    ] = True,
    ended: Annotated[
        str | None, typer.Option(help="The job's last day, YYYY-MM-DD, if it has ended.")
    ] = None,
    verified: Annotated[
        str | None,
        typer.Option(
            help="The day the pay certificate was seen, YYYY-MM-DD: the on-the-job "
            "employment bonus is billed only once it is verified."
        ),
    ] = None,
) -> None:
    """Record the job a period led to (job-retention coaching may follow a job-search
    period that led to a job), its end and the pay certificate that verifies the
    on-the-job employment bonus. Left out, --ended and --verified keep what was recorded
    for the same job."""
    from bot.periods import actions

    first = _day(start, "--start")
    assert first is not None
    last = _day(ended, "--ended")
    seen = _day(verified, "--verified")
    if last is not None and last < first:
        _fail("--ended: the job cannot end before it starts")
    if seen is not None and seen < first:
        _fail("--verified: the pay certificate cannot be seen before the job starts")
    period = _run(
        actions.record_employment, actor_id=None, period_id=period_id,
        job_start=first, hours_week=hours, open_market=open_market,
        job_end=last, verified_on=seen,
    )  # fmt: skip
    parts = [f"Employment recorded: {_show(period)}"]
    if period.job_end is not None:
        parts.append(f"ended {period.job_end.isoformat()}")
    if period.job_verified_on is not None:
        parts.append(f"verified {period.job_verified_on.isoformat()}")
    typer.echo("\t".join(parts))
