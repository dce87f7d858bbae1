"""The diary's rows: work logged outside meetings, and the meetings held, for one client's
month [002 §3.4.2; 003 forms B–D]. Plain values in, rows out; what a kind means and who may
look is bot.diary's business."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from storage.models import Attendance, DiaryEntry, Meeting


def add(session: Session, row: DiaryEntry) -> DiaryEntry:
    """Add one entry; its id is known on return."""
    session.add(row)
    session.flush()
    return row


def entry(session: Session, entry_id: int) -> DiaryEntry | None:
    return session.get(DiaryEntry, entry_id)


def entries_between(session: Session, client_id: int, first: date, last: date) -> list[DiaryEntry]:
    """Every row of the client's entries from `first` to `last` (both included), corrected
    ones too, by day and then in the order written (the client and day index)."""
    return list(
        session.exec(
            select(DiaryEntry)
            .where(
                DiaryEntry.client_id == client_id,
                col(DiaryEntry.happened_on) >= first,
                col(DiaryEntry.happened_on) <= last,
            )
            .order_by(col(DiaryEntry.happened_on), col(DiaryEntry.id))
        )
    )


def latest_between(
    session: Session, client_id: int, first: date, last: date
) -> list[tuple[DiaryEntry, bool]]:
    """The entries as they read now (a corrected one by its latest version), each with
    whether it was corrected: what `/diary` and the monthly report show."""
    found = entries_between(session, client_id, first, last)
    replaced = {row.replaced_by for row in found if row.replaced_by is not None}
    return [(row, row.id in replaced) for row in found if row.replaced_by is None]


def versions(session: Session, entry_id: int) -> list[DiaryEntry]:
    """The entry and every correction after it, oldest first (the audit trail)."""
    chain: list[DiaryEntry] = []
    found = session.get(DiaryEntry, entry_id)
    while found is not None and len(chain) < 1000:
        chain.append(found)
        found = session.get(DiaryEntry, found.replaced_by) if found.replaced_by else None
    return chain


def meetings_held(
    session: Session, client_id: int, since: datetime, until: datetime, outcome: str
) -> list[tuple[Meeting, Attendance]]:
    """The client's meetings starting in [since, until) whose recorded outcome is
    `outcome`, with their diary row, in time order."""
    return list(
        session.exec(
            select(Meeting, Attendance)
            .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id))
            .where(
                Meeting.client_id == client_id,
                col(Meeting.starts_at) >= since,
                col(Meeting.starts_at) < until,
                Attendance.outcome == outcome,
            )
            .order_by(col(Meeting.starts_at))
        ).all()
    )
