"""`coachbot people edit | deactivate | reactivate` as an operator meets them, on a real
SQLite and PostgreSQL database: what changes, who is told (outbox rows the running bot
sends), what is refused and why, and that every change is audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.cli import app
from bot.people import texts
from storage import meetings
from storage.db import Database
from storage.models import (
    AuditEntry,
    Meeting,
    MeetingKind,
    MeetingStatus,
    OutboxMessage,
    Person,
    utcnow,
)

runner = CliRunner()


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    for name in ("TELEGRAM_BOT_TOKEN", "COACHBOT_BOT_USERNAME", "TELEGRAM_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return {"DATABASE_URL": database_url}


@pytest.fixture
def store(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def help_text(*args: str) -> str:
    """The --help text as words: rich's box and line wrapping taken out."""
    code, out = cli(*args, "--help")
    assert code == 0, out
    return " ".join(out.replace("│", " ").split())


def add(*args: str) -> int:
    code, out = cli("people", "add", *args)
    assert code == 0, out
    return int(out.strip().splitlines()[-1])


def team(env: dict[str, str]) -> dict[str, int]:
    """Two coaches, two caseworkers, and a client of the first coach and caseworker."""
    coach = add("--role", "coach", "--name", "Kaisa Koutsi")
    other = add("--role", "coach", "--name", "Olli Ohjaaja")
    worker = add("--role", "caseworker", "--name", "Ville Virkailija")
    other_worker = add("--role", "caseworker", "--name", "Vera Virkailija")
    client = add(
        "--role", "client", "--name", "Matti Meikäläinen", "--language", "sv",
        "--coach", str(coach), "--caseworker", str(worker),
    )  # fmt: skip
    return {
        "coach": coach, "other": other, "worker": worker, "other_worker": other_worker,
        "client": client,
    }  # fmt: skip


def book(store: Database, coach: int, client: int) -> tuple[int, int]:
    """A past meeting and a coming one of the client with the coach."""
    now = utcnow()

    def make(session):  # type: ignore[no-untyped-def]
        return [
            meetings.book(
                session, coach_id=coach, client_id=client, kind=MeetingKind.INDIVIDUAL,
                starts=[start], duration=timedelta(hours=1), place=None,
            )[0].id
            for start in (now - timedelta(days=2), now + timedelta(days=2))
        ]  # fmt: skip

    past, coming = store.call(make)
    return past, coming


def rows_to(store: Database, recipient: int) -> list[OutboxMessage]:
    with store.session() as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.recipient_id == recipient, OutboxMessage.kind == "people")
                .order_by(col(OutboxMessage.id))
            )
        )


def audited(store: Database, action: str, subject: int) -> list[AuditEntry]:
    with store.session() as session:
        return list(
            session.exec(
                select(AuditEntry).where(
                    AuditEntry.action == action, AuditEntry.subject_id == subject
                )
            )
        )


def person(store: Database, person_id: int) -> Person:
    with store.session() as session:
        found = session.get(Person, person_id)
        assert found is not None
        return found


def meeting(store: Database, meeting_id: int) -> Meeting:
    with store.session() as session:
        found = session.get(Meeting, meeting_id)
        assert found is not None
        return found


def test_each_people_command_explains_itself_in_help(env: dict[str, str]) -> None:
    out = help_text("people")
    for command in ("edit", "deactivate", "reactivate"):
        assert command in out
    out = help_text("people", "edit")
    assert "--coach" in out and "coming meetings move to the new coach" in out
    out = help_text("people", "deactivate")
    assert "--to" in out and "treats them as a stranger" in out
    assert "who takes them over" in out
    assert "no new invite" in help_text("people", "reactivate")


def test_edit_changes_the_name_and_language_and_audits_it(
    env: dict[str, str], store: Database
) -> None:
    ids = team(env)
    code, out = cli(
        "people", "edit", str(ids["client"]), "--name", "  Matti   M ", "--language", "fi"
    )
    assert code == 0, out
    assert "name, language" in out
    client = person(store, ids["client"])
    assert (client.display_name, client.language) == ("Matti M", "fi")
    assert [e.detail for e in audited(store, "person.edit", ids["client"])] == ["name,language"]
    # The same values again change nothing and tell nobody.
    code, out = cli("people", "edit", str(ids["client"]), "--name", "Matti M")
    assert code == 0 and "Nothing changed" in out
    assert len(audited(store, "person.edit", ids["client"])) == 1


def test_a_coach_change_keeps_the_history_moves_coming_meetings_and_tells_all_three(
    env: dict[str, str], store: Database
) -> None:
    ids = team(env)
    past, coming = book(store, ids["coach"], ids["client"])
    code, out = cli("people", "edit", str(ids["client"]), "--coach", str(ids["other"]))
    assert code == 0, out
    assert "moved to the new coach: 1" in out and "3 messages queued" in out
    assert person(store, ids["client"]).coach_id == ids["other"]
    assert meeting(store, past).coach_id == ids["coach"]  # history stays
    assert meeting(store, coming).coach_id == ids["other"]
    [told_client] = rows_to(store, ids["client"])
    assert told_client.message == texts.CLIENT_NEW_COACH
    assert told_client.params == {"coach": "Olli Ohjaaja"}
    [told_old] = rows_to(store, ids["coach"])
    assert told_old.message == texts.OLD_COACH_CLIENT_MOVED
    [told_new] = rows_to(store, ids["other"])
    assert told_new.message == texts.NEW_COACH_CLIENTS
    assert "Matti Meikäläinen" in told_new.params["clients"]
    [entry] = audited(store, "person.coach", ids["client"])
    assert entry.detail == f"{ids['coach']}->{ids['other']}; 1 meetings"
    # Back and forth: each change is told again (its own keys).
    cli("people", "edit", str(ids["client"]), "--coach", str(ids["coach"]))
    cli("people", "edit", str(ids["client"]), "--coach", str(ids["other"]))
    assert len(rows_to(store, ids["client"])) == 3


def test_a_caseworker_change_tells_the_new_caseworker(env: dict[str, str], store: Database) -> None:
    ids = team(env)
    code, out = cli("people", "edit", str(ids["client"]), "--caseworker", str(ids["other_worker"]))
    assert code == 0, out
    assert person(store, ids["client"]).caseworker_id == ids["other_worker"]
    [told] = rows_to(store, ids["other_worker"])
    assert told.message == texts.NEW_CASEWORKER_CLIENTS
    assert told.params["old"] == "Ville Virkailija"
    assert rows_to(store, ids["client"]) == []


@pytest.mark.parametrize(
    ("who", "args", "message"),
    [
        ("client", ["--coach", "{worker}"], "not an active coach"),
        ("client", ["--caseworker", "{coach}"], "not an active caseworker"),
        ("client", ["--coach", "999"], "not an active coach"),
        ("coach", ["--coach", "{other}"], "only a client has a coach"),
        ("client", ["--language", "de"], "language must be one of fi, sv, en"),
        ("client", ["--name", "   "], "a name is needed"),
        ("client", [], "nothing to change"),
        ("nobody", ["--name", "X"], "no person 999"),
    ],
)
def test_edit_refuses_clearly_and_changes_nothing(
    env: dict[str, str], store: Database, who: str, args: list[str], message: str
) -> None:
    ids = {**team(env), "nobody": 999}
    filled = [arg.format(**ids) for arg in args]
    code, out = cli("people", "edit", str(ids[who]), *filled)
    assert code == 1 and message in out and "Traceback" not in out
    assert person(store, ids["client"]).coach_id == ids["coach"]
    assert audited(store, "person.edit", ids[who]) == []


def test_an_inactive_coach_cannot_take_a_client(env: dict[str, str], store: Database) -> None:
    ids = team(env)
    assert cli("people", "deactivate", str(ids["other"]))[0] == 0
    code, out = cli("people", "edit", str(ids["client"]), "--coach", str(ids["other"]))
    assert code == 1 and f"coach {ids['other']} is not an active coach" in out


def test_a_coach_with_clients_leaves_only_with_a_successor_of_the_same_role(
    env: dict[str, str], store: Database
) -> None:
    ids = team(env)
    code, out = cli("people", "deactivate", str(ids["coach"]))
    assert code == 1 and "has 1 active clients" in out and "--to ID" in out
    code, out = cli("people", "deactivate", str(ids["coach"]), "--to", str(ids["worker"]))
    assert code == 1 and "not an active coach" in out
    code, out = cli("people", "deactivate", str(ids["coach"]), "--to", str(ids["coach"]))
    assert code == 1 and "someone else" in out
    assert person(store, ids["coach"]).active
    code, out = cli("people", "deactivate", str(ids["client"]), "--to", str(ids["coach"]))
    assert code == 1 and "only a coach's or a caseworker's work" in out


def test_a_leaving_coachs_clients_and_coming_meetings_go_to_the_successor(
    env: dict[str, str], store: Database
) -> None:
    ids = team(env)
    past, coming = book(store, ids["coach"], ids["client"])
    code, out = cli("people", "deactivate", str(ids["coach"]), "--to", str(ids["other"]))
    assert code == 0, out
    assert "Clients moved" in out and "Coming meetings moved" in out
    assert not person(store, ids["coach"]).active
    assert person(store, ids["client"]).coach_id == ids["other"]
    assert (meeting(store, past).coach_id, meeting(store, coming).coach_id) == (
        ids["coach"],
        ids["other"],
    )
    [told_client] = rows_to(store, ids["client"])
    assert told_client.message == texts.CLIENT_NEW_COACH
    [told_new] = rows_to(store, ids["other"])
    assert told_new.message == texts.NEW_COACH_CLIENTS
    assert told_new.params == {"old": "Kaisa Koutsi", "clients": "• Matti Meikäläinen"}
    assert rows_to(store, ids["coach"]) == []  # the one who left is told nothing
    [entry] = audited(store, "person.deactivate", ids["coach"])
    assert entry.detail == f"to {ids['other']}" and entry.actor_id is None


def test_a_leaving_caseworkers_clients_go_to_the_successor(
    env: dict[str, str], store: Database
) -> None:
    ids = team(env)
    code, out = cli("people", "deactivate", str(ids["worker"]), "--to", str(ids["other_worker"]))
    assert code == 0, out
    assert person(store, ids["client"]).caseworker_id == ids["other_worker"]
    [told] = rows_to(store, ids["other_worker"])
    assert told.message == texts.NEW_CASEWORKER_CLIENTS


def test_a_leaving_client_has_coming_meetings_cancelled_and_the_coach_is_told(
    env: dict[str, str], store: Database
) -> None:
    ids = team(env)
    past, coming = book(store, ids["coach"], ids["client"])
    code, out = cli("people", "deactivate", str(ids["client"]))
    assert code == 0, out
    assert "Coming meetings cancelled: 1." in out
    assert meeting(store, coming).status == MeetingStatus.CANCELLED.value
    assert meeting(store, past).status == MeetingStatus.SCHEDULED.value
    [told] = rows_to(store, ids["coach"])
    assert told.message == texts.COACH_CLIENT_LEFT
    assert told.params == {"client": "Matti Meikäläinen", "count": 1}
    _, listing = cli("people", "list", "--role", "client")
    assert listing.strip().endswith("(inactive)")
    code, out = cli("people", "deactivate", str(ids["client"]))
    assert code == 1 and "already inactive" in out


def test_reactivate_brings_a_person_back_and_names_what_is_missing(
    env: dict[str, str], store: Database
) -> None:
    ids = team(env)
    code, out = cli("people", "reactivate", str(ids["client"]))
    assert code == 1 and "already active" in out
    cli("people", "deactivate", str(ids["client"]))
    cli("people", "edit", str(ids["client"]), "--coach", str(ids["other"]))
    cli("people", "deactivate", str(ids["coach"]))  # no active clients left: no successor needed
    cli("people", "deactivate", str(ids["other"]))
    code, out = cli("people", "reactivate", str(ids["client"]))
    assert code == 0, out
    assert person(store, ids["client"]).active
    assert f"no active coach; give one with `coachbot people edit {ids['client']}" in out
    assert "caseworker" not in out
    assert len(audited(store, "person.reactivate", ids["client"])) == 1
