"""What waits for a caseworker's decision follows the client to a new caseworker: the
coach's pending period requests and an interim evaluation not decided are sent again
with their buttons, and the old caseworker's copies lose theirs [002 §3.4: the caseworker
decides]. Called by people management (bot.people.actions) when a client's caseworker
changes, so the period feature keeps the wording of its own messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot import outbox
from bot.periods import actions, buttons, interim, texts
from bot.periods.terms import terms_of
from bot.rules.periods import latest_end
from messages.render import msg, on
from storage import alerts as sent_rows
from storage import period_hours
from storage import periods as period_rows
from storage.models import (
    InterimEvaluation,
    PeriodRequest,
    PeriodStatus,
    Person,
    Priority,
    ServicePeriod,
)


def request_message(
    session: Session, request: PeriodRequest, period: ServicePeriod, client: Person
) -> tuple[str, dict[str, Any]]:
    """The caseworker's copy of a coach's request, as bot.periods.actions.request words it
    (the coach who asked, the end or the cap as they are now)."""
    coach = session.get(Person, request.requested_by)
    params: dict[str, Any] = {
        "coach": coach.display_name if coach else "-",
        "client": client.display_name,
        "program": actions.program_param(period.program_key),
        "note": request.note or msg(texts.NO_NOTE),
    }
    if request.kind == "extension":
        assert request.until is not None
        terms = terms_of(session, period.program_key)
        latest = latest_end(terms, period.start_date, period.suspended_days)
        params |= {
            "end": on(period.planned_end) if period.planned_end else msg(texts.NO_END),
            "until": on(request.until),
            "latest": on(latest) if latest else msg(texts.NO_END),
        }
        return texts.ASK_EXTENSION, params
    cap = actions.current_cap(session, period)
    params |= {
        "hours": actions.hours_text(request.hours),
        "cap": actions.hours_text(cap),
    }
    return texts.ASK_HOURS, params


def send_again(
    session: Session,
    new: Person,
    *,
    ref: str,
    kind: str,
    message: str,
    params: dict[str, Any],
    buttons: list[Any],
    key: str,
    now: datetime,
) -> int:
    """What waits for the caseworker's decision goes to `new` with its buttons: the copies
    not sent yet are withdrawn, the ones sent (to the old caseworker) lose their buttons."""
    outbox.cancel(session, object_ref=ref, kind=kind)
    outbox.unbutton(
        session, sent_rows.sent_copies(session, ref, kind), key=ref, now=now, object_ref=ref
    )
    if not new.active or new.id is None:
        return 0
    outbox.schedule(
        session, recipient_id=new.id, kind=kind, message=message, params=params,
        buttons=buttons, key=key, due_at=now, priority=Priority.NOTICE, object_ref=ref,
    )  # fmt: skip
    return 1


def hand_over_decisions(
    session: Session, client: Person, new: Person, number: int, now: datetime
) -> int:
    """The client's pending period requests and an interim evaluation not decided go to
    the new caseworker [002 §3.4: the caseworker decides]; the keys name the new caseworker
    and the change, so A → B → A sends again. Returns the rows written."""
    assert client.id is not None and new.id is not None
    told = 0
    for period in period_rows.history(session, client.id):
        if period.status == PeriodStatus.ENDED.value or period.id is None:
            continue
        for request in period_rows.pending_requests(session, period.id):
            assert request.id is not None
            message, params = request_message(session, request, period, client)
            ref = f"period-request:{request.id}"
            told += send_again(
                session, new, ref=ref, kind="period", message=message, params=params,
                buttons=buttons.decision(request.id), now=now,
                key=f"{ref}:ask:to:{new.id}:{number}",
            )  # fmt: skip
        evaluation: InterimEvaluation | None = period_hours.interim_of(session, period.id)
        if evaluation is not None and evaluation.decision is None and evaluation.id is not None:
            ref = f"interim-evaluation:{evaluation.id}"
            told += send_again(
                session, new, ref=ref, kind="interim", message=interim.TO_CASEWORKER,
                params=interim.caseworker_params(session, evaluation, new.language),
                buttons=interim.caseworker_buttons(evaluation.id), now=now,
                key=f"interim:{evaluation.id}:caseworker:to:{new.id}:{number}",
            )  # fmt: skip
    return told
