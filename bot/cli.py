"""The `coachbot` command line: run the bot, migrate, add people, hand out invites."""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import date, datetime
from typing import Annotated

import httpx
import typer

from bot.cli_period import period_app
from bot.cli_report import report_app
from bot.settings import LANGUAGES, MissingTokenError, Settings
from storage.models import Role

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Coachbot: the Telegram assistant for employment coaching.",
    no_args_is_help=True,
)
db_app = typer.Typer(rich_markup_mode="markdown", help="Database schema.", no_args_is_help=True)
people_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Coaches, caseworkers, clients and admins.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
outbox_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Messages waiting to be sent, sent or failed.",
    no_args_is_help=True,
)
inbox_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Updates from Telegram: waiting to be handled, or failed.",
    no_args_is_help=True,
)
app.add_typer(people_app, name="people")
app.add_typer(outbox_app, name="outbox")
app.add_typer(inbox_app, name="inbox")
app.add_typer(period_app, name="period")
app.add_typer(report_app, name="report")


def _settings() -> Settings:
    return Settings()


def _fail(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code=1)


def _configure_logging(settings: Settings) -> None:
    """Plain text on standard error; the token, invite codes, texts and names hidden at
    every level (bot.logs). Logging set up already by whoever runs us (a test runner) is
    kept as it is, with the same secrets hidden."""
    from bot import logs

    secrets = [
        secret.get_secret_value()
        for secret in (settings.telegram_bot_token, settings.webhook_secret)
        if secret is not None
    ]
    if logging.getLogger().handlers:
        logs.hide_in(logging.getLogger().handlers, secrets)
        return
    logs.configure(settings.log_level, secrets=secrets)


@app.command()
def run() -> None:
    """Run the bot: long polling, or a webhook when COACHBOT_WEBHOOK_URL is set."""
    from bot.app import build_application, make_services

    settings = _settings()
    _configure_logging(settings)
    try:
        token = settings.require_token()
    except MissingTokenError as error:
        _fail(str(error))
    from bot.embedded import AlreadyRunning, hold_sqlite, serve

    try:
        lock = hold_sqlite(settings.database_url)
    except AlreadyRunning as error:
        _fail(str(error))
    services = make_services(settings)
    application = build_application(services, token=token)
    asyncio.run(serve(application, "webhook" if settings.webhook_url else "polling"))
    if lock is not None:
        lock.close()


@app.command()
def console(
    script: Annotated[
        bool, typer.Option(help="Plain line-by-line output for driving from a program.")
    ] = False,
) -> None:
    """Try the bot offline: a demo data set and a terminal chat, no token, no network."""
    from bot.console import run_console

    raise typer.Exit(code=run_console(script=script or not sys.stdin.isatty()))


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from storage.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url, revision)
    typer.echo(f"Database is at {revision}.")


@db_app.command("downgrade")
def db_downgrade(revision: str = "-1") -> None:
    """Undo migrations down to REVISION (default: one step)."""
    from storage.migrate import downgrade

    downgrade(_settings().database_url, revision)
    typer.echo(f"Database downgraded to {revision}.")


def _database(settings: Settings):  # type: ignore[no-untyped-def]
    from storage.db import Database
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    return Database(settings.database_url)


@people_app.command("add")
def people_add(
    role: Annotated[Role, typer.Option(help="admin, coach, caseworker or client.")],
    name: Annotated[str, typer.Option(help="Display name shown to others.")],
    language: Annotated[str, typer.Option(help="fi, sv or en.")] = "fi",
    coach: Annotated[int | None, typer.Option(help="The client's coach (person id).")] = None,
    caseworker: Annotated[
        int | None, typer.Option(help="The client's caseworker (person id).")
    ] = None,
    program: Annotated[str | None, typer.Option(help="Program key for a service period.")] = None,
    start: Annotated[str | None, typer.Option(help="Service period start, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="Planned end, YYYY-MM-DD.")] = None,
) -> None:
    """Add a person; prints the new id alone on the last line."""
    from storage import people

    if language not in LANGUAGES:
        _fail(f"language must be one of {', '.join(LANGUAGES)}")
    if (program is None) != (start is None):
        _fail("--program and --start go together")
    if program and role is not Role.CLIENT:
        _fail("only a client has a service period")
    try:
        start_date = date.fromisoformat(start) if start else None
        end_date = date.fromisoformat(end) if end else None
    except ValueError:
        _fail("dates are written YYYY-MM-DD")
    db = _database(_settings())

    def add(session):  # type: ignore[no-untyped-def]
        person = people.add_person(
            session,
            role=role,
            name=name,
            language=language,
            coach_id=coach,
            caseworker_id=caseworker,
        )
        if program and start_date:
            people.add_period(
                session,
                client_id=person.id,
                program_key=program,
                start=start_date,
                planned_end=end_date,
            )
        return person

    try:
        person = db.call(add)
    except people.PeopleError as error:
        _fail(str(error))
    typer.echo(f"Added {person.role} {person.display_name}.")
    typer.echo(str(person.id))


@people_app.command("list")
def people_list(
    role: Annotated[Role | None, typer.Option(help="Only this role.")] = None,
) -> None:
    """List people: id, role, language, joined or not, name."""
    from storage import people

    db = _database(_settings())
    for person in db.call(people.list_people, role):
        joined = "joined" if person.telegram_user_id else "invite pending"
        state = "" if person.active else " (inactive)"
        typer.echo(
            f"{person.id}\t{person.role}\t{person.language}\t{joined}\t{person.display_name}{state}"
        )


def _people_action(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run one of bot.people's actions in one transaction, now; a broken rule is an error."""
    from storage.models import utcnow
    from storage.people import PeopleError

    db = _database(_settings())
    try:
        return db.call(fn, *args, now=utcnow(), **kwargs)
    except PeopleError as error:
        _fail(str(error))
    finally:
        db.dispose()


def _told(count: int) -> str:
    return f"{count} messages queued: the running bot sends them." if count else "Nobody told."


@people_app.command("edit")
def people_edit(
    person_id: Annotated[int, typer.Argument(help="The person's id (see `people list`).")],
    name: Annotated[str | None, typer.Option(help="A new display name.")] = None,
    language: Annotated[str | None, typer.Option(help="fi, sv or en.")] = None,
    coach: Annotated[
        int | None,
        typer.Option(
            help="A client's new coach (an active coach's id). The client's history stays; "
            "their coming meetings move to the new coach; the client and both coaches are told."
        ),
    ] = None,
    caseworker: Annotated[
        int | None,
        typer.Option(
            help="A client's new caseworker (an active caseworker's id); the new one is told."
        ),
    ] = None,
) -> None:
    """Change a person's name or language, or a client's coach or caseworker."""
    from bot.people import actions

    if name is None and language is None and coach is None and caseworker is None:
        _fail("nothing to change: give --name, --language, --coach or --caseworker")
    outcome = _people_action(
        actions.edit,
        person_id,
        name=name,
        language=language,
        coach_id=coach,
        caseworker_id=caseworker,
    )
    if not outcome.changed:
        typer.echo(f"Nothing changed for {outcome.role} {person_id}: the values were the same.")
        return
    typer.echo(f"Changed {outcome.role} {person_id}: {', '.join(outcome.changed)}.")
    if "coach" in outcome.changed:
        typer.echo(f"Coming meetings moved to the new coach: {outcome.meetings_moved}.")
    typer.echo(_told(outcome.told))


@people_app.command("deactivate")
def people_deactivate(
    person_id: Annotated[int, typer.Argument(help="The person's id (see `people list`).")],
    to: Annotated[
        int | None,
        typer.Option(
            "--to",
            help="For a coach or caseworker with active clients: who takes them over (an "
            "active person of the same role). A coach's clients' coming meetings move too, "
            "and each client is told who their new coach is.",
        ),
    ] = None,
) -> None:
    """Take a person out of the service: they get no messages and the bot treats them as
    a stranger. A client's coming meetings are cancelled and their coach is told. History
    stays; `people reactivate` brings them back."""
    from bot.people import actions

    outcome = _people_action(actions.deactivate, person_id, successor_id=to)
    typer.echo(f"Deactivated {outcome.role} {person_id}.")
    if outcome.clients_moved:
        typer.echo(f"Clients moved to {to}: {outcome.clients_moved}.")
        if outcome.role == Role.COACH.value:
            typer.echo(f"Coming meetings moved to {to}: {outcome.meetings_moved}.")
    if outcome.role == Role.CLIENT.value:
        typer.echo(f"Coming meetings cancelled: {outcome.meetings_cancelled}.")
    typer.echo(_told(outcome.told))


@people_app.command("reactivate")
def people_reactivate(
    person_id: Annotated[int, typer.Argument(help="The person's id (see `people list`).")],
) -> None:
    """Bring a deactivated person back, with the same Telegram link (no new invite).
    Messages cancelled while they were inactive stay cancelled."""
    from bot.people import actions

    outcome = _people_action(actions.reactivate, person_id)
    typer.echo(f"Reactivated {outcome.role} {person_id}.")
    for role in outcome.missing:
        typer.echo(
            f"Note: the client has no active {role}; "
            f"give one with `coachbot people edit {person_id} --{role} ID`."
        )


def bot_username(settings: Settings) -> str:
    """COACHBOT_BOT_USERNAME, or ask Telegram's getMe with the token."""
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    token = settings.require_token()
    response = httpx.get(f"{settings.telegram_api_base_url}{token}/getMe", timeout=15)
    body = response.json()
    if not body.get("ok"):
        raise RuntimeError(f"Telegram refused the token: {body.get('description')}")
    return str(body["result"]["username"])


@app.command()
def invite(
    person_id: Annotated[int, typer.Argument(help="Who the invite is for.")],
    expires_days: Annotated[
        int | None, typer.Option(help="Days until the link expires (default 7).", min=1, max=90)
    ] = None,
) -> None:
    """Make a one-time invite link; prints the link, and the code alone on the last line."""
    from bot.onboarding import actions as onboarding
    from storage.models import utcnow

    settings = _settings()
    try:
        username = bot_username(settings)
    except MissingTokenError:
        _fail("set TELEGRAM_BOT_TOKEN (or COACHBOT_BOT_USERNAME) so the link names your bot")
    except (httpx.HTTPError, RuntimeError, KeyError, ValueError) as error:
        _fail(f"could not ask Telegram for the bot's name: {error}")
    db = _database(settings)
    days = expires_days or settings.invite_days
    try:
        code = db.call(onboarding.create_invite, person_id, now=utcnow(), days=days)
    except LookupError as error:
        _fail(str(error))
    typer.echo(f"Invite link (valid {days} days, works once):")
    typer.echo(f"https://t.me/{username}?start={code}")
    typer.echo(code)


@outbox_app.command("list")
def outbox_list(
    failed: Annotated[bool, typer.Option("--failed", help="Only failed messages.")] = False,
    pending: Annotated[bool, typer.Option("--pending", help="Only waiting messages.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many rows, newest first.")] = 50,
) -> None:
    """List outbox rows: id, status, kind, recipient id, due time (UTC), attempts, error."""
    from storage import outbox
    from storage.models import OutboxStatus

    status = OutboxStatus.FAILED if failed else OutboxStatus.PENDING if pending else None
    db = _database(_settings())
    rows = db.call(outbox.list_messages, status=status, limit=limit)
    if not rows:
        typer.echo("No messages.")
    for row in rows:
        due = row.due_at.strftime("%Y-%m-%d %H:%M:%S")
        error = row.last_error or ""
        typer.echo(
            f"{row.id}\t{row.status}\t{row.kind}\tperson {row.recipient_id}\t{due}\t"
            f"{row.attempts}\t{error}"
        )


@outbox_app.command("retry")
def outbox_retry(
    message_id: Annotated[int, typer.Argument(help="The id shown by `outbox list`.")],
) -> None:
    """Send a failed (or cancelled) message again, now."""
    from storage import outbox
    from storage.models import utcnow

    db = _database(_settings())
    if not db.call(outbox.retry, message_id, utcnow()):
        _fail(
            f"message {message_id} is not failed or cancelled, or it has expired "
            "(see `coachbot outbox list`)"
        )
    typer.echo(f"Message {message_id} will be sent again by the running bot.")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment is not None else "-"


@inbox_app.command("list")
def inbox_list(
    failed: Annotated[bool, typer.Option("--failed", help="Only failed updates.")] = False,
    pending: Annotated[bool, typer.Option("--pending", help="Only waiting updates.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many updates, newest first.")] = 50,
) -> None:
    """List inbox updates: id, status, kind, Telegram user id, received, due and done
    times (UTC), attempts, error. Never what the person wrote."""
    from storage import inbox
    from storage.models import InboxStatus

    status = InboxStatus.FAILED if failed else InboxStatus.PENDING if pending else None
    db = _database(_settings())
    rows = db.call(inbox.list_updates, status=status, limit=limit)
    if not rows:
        typer.echo("No updates.")
    for row in rows:
        kind = next((key for key in row.payload if key != "update_id"), "-")
        typer.echo(
            f"{row.update_id}\t{row.status}\t{kind}\tuser {row.lane}\t"
            f"{_when(row.received_at)}\t{_when(row.due_at)}\t{_when(row.done_at)}\t"
            f"{row.attempts}\t{row.last_error or ''}"
        )


@inbox_app.command("retry")
def inbox_retry(
    update_id: Annotated[int, typer.Argument(help="The id shown by `inbox list --failed`.")],
) -> None:
    """Handle a failed update again, now (the running bot takes it)."""
    from storage import inbox
    from storage.models import utcnow

    db = _database(_settings())
    if not db.call(inbox.retry_failed, update_id, utcnow()):
        _fail(f"update {update_id} is not failed (see `coachbot inbox list --failed`)")
    typer.echo(f"Update {update_id} will be handled again by the running bot.")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
