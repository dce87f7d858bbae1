"""/log and /diary: the coach's diary of work for a client outside meetings, and the
month at a glance [002 §3.4.2; 003 forms B–D].

/log (coach): client → kind → day (today, yesterday or a day of the month calendar; for a
job's start its first day, which may be ahead) → for employer kinds the employer's name →
for a job's start the hours a week and wage support, for a job's end why it ended → for
calls and meetings the minutes → the note → Save.

/diary (coach; the caseworker of the client reads only): client → the month: each
attended meeting (day, hours, content) and each entry's latest version, "(corrected)" when
it was; ◀ ▶ for other months. The coach's view has one "✏ Correct" button per entry
(`dy:e:<id>`), which asks for the new text; the old version is kept (bot.diary.actions).
A busy month offers the buttons for its latest CORRECT_BUTTONS entries only, and says so:
Telegram refuses a message with more than 100 buttons.

Routed by state: each step takes only its own buttons (`dl:…`, the calendar `dlc:…`,
`dy:…`), pressed on this run's message; any other press is the polite "no longer valid".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from babel.dates import format_date
from babel.numbers import format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application, BaseHandler, ConversationHandler

from bot.access import reply
from bot.diary import actions, texts
from bot.diary.actions import WITH_EMPLOYER, WITH_MINUTES, DiaryError, Kind
from bot.meetings.keyboards import month_calendar, parse_calendar
from handlers.ui import Flow, Steps, Turn, nav_row, own_client, stale_buttons, typed_text
from messages.formatting import locale_of, show_date
from messages.i18n import N_, Translator
from messages.limits import MAX_TEXT, length
from storage.models import Role

ID = r"(\d{1,12})"
MINUTE_CHOICES = (15, 30, 60, 90)
WEEKLY_HOURS = ("10", "18", "20", "25", "30", "37.5")
# How far back the calendar reaches: last month's work can still be logged.
DAYS_BACK = 92
CAL = "dlc"
# ✏ buttons on one month's view: 10 rows of 3, well under Telegram's 100 a message.
CORRECT_BUTTONS = 30

# --- formatting shared by both conversations ----------------------------------------------


def _number(value: float, t: Translator) -> str:
    return format_decimal(round(value, 2), locale=locale_of(t.language))


def entry_text(
    t: Translator,
    *,
    day: date,
    kind: str,
    text: str,
    minutes: int | None = None,
    employer: str | None = None,
    hours_week: float | None = None,
    wage_support: bool | None = None,
    end_reason: str | None = None,
    corrected: bool = False,
    number: int | None = None,
) -> str:
    """One entry: day, kind and minutes on the first line, then its details and text."""
    head = [show_date(day, t.language), t(texts.KIND_NAMES.get(kind, texts.KIND_NAMES["other"]))]
    if minutes is not None:
        head.append(t(texts.MINUTES, minutes=minutes))
    first = " · ".join(head)
    lines = [f"{number}. {first}" if number is not None else first]
    details = []
    if employer:
        details.append(t(texts.EMPLOYER, employer=employer))
    if hours_week is not None:
        details.append(t(texts.HOURS_WEEK, hours=_number(hours_week, t)))
    if wage_support is not None:
        details.append(t(texts.WAGE_SUPPORT if wage_support else texts.NO_WAGE_SUPPORT))
    if end_reason:
        details.append(t(texts.END_REASON, reason=end_reason))
    if details:
        lines.append(", ".join(details))
    lines.append(f"{text} {t(texts.CORRECTED)}" if corrected else text)
    return "\n".join(lines)


def month_text(month: actions.Month, t: Translator) -> str:
    title = format_date(month.first, "LLLL yyyy", locale=locale_of(t.language))
    parts = [t(texts.TITLE, client=month.client, month=title), ""]
    parts.append(t(texts.MEETINGS) if month.meetings else t(texts.NO_MEETINGS))
    for held in month.meetings:
        line = t(texts.MEETING_LINE, day=show_date(held.day, t.language),
                 hours=_number(held.hours, t))  # fmt: skip
        parts.append(f"{line}\n{held.content}" if held.content else line)
    parts.append("")
    parts.append(t(texts.ENTRIES) if month.entries else t(texts.NO_ENTRIES))
    for number, line in enumerate(month.entries, start=1):
        parts.append(
            entry_text(
                t, day=line.day, kind=line.kind, text=line.text, minutes=line.minutes,
                employer=line.employer, hours_week=line.hours_week,
                wage_support=line.wage_support, end_reason=line.end_reason,
                corrected=line.corrected, number=number,
            )
        )  # fmt: skip
    return "\n".join(parts)


def _today(turn: Turn) -> date:  # type: ignore[type-arg]
    return turn.services.now().astimezone(turn.services.settings.tz).date()


def _too_long(t: Translator, limit: int) -> str:
    return t("That is too long. Please write at most {n} characters.", n=limit)


# --- /log ------------------------------------------------------------------------------------
CLIENT, KIND, DAY, EMPLOYER, HOURS, WAGE, END, MINUTES, NOTE, CONFIRM = range(10)


@dataclass
class LogDraft(Steps):
    client_id: int | None = None
    client_name: str = ""
    kind: str | None = None
    day: date | None = None
    month: date | None = None  # the month the calendar shows
    employer: str | None = None
    hours_week: float | None = None
    wage_support: bool | None = None
    end_reason: str | None = None
    minutes: int | None = None
    text: str | None = None


LOG = Flow(
    key="diary_log",
    draft=LogDraft,
    roles=(Role.COACH,),
    prefix="dl",
    stopped=N_("Stopped. Nothing was saved."),
)


def _kind(draft: LogDraft) -> Kind:
    if draft.kind is None:
        raise ValueError("no kind yet")
    return Kind(draft.kind)


def _steps(kind: Kind) -> list[int]:
    """The steps after the kind, in order: which a kind asks follows 003's forms B–D."""
    steps = [DAY]
    if kind in WITH_EMPLOYER:
        steps.append(EMPLOYER)
    if kind == Kind.JOB_START:
        steps += [HOURS, WAGE]
    if kind == Kind.JOB_END:
        steps.append(END)
    if kind in WITH_MINUTES:
        steps.append(MINUTES)
    return [*steps, NOTE, CONFIRM]


def _details(draft: LogDraft) -> actions.Details:
    return actions.Details(
        text=draft.text or "", minutes=draft.minutes, employer=draft.employer,
        hours_week=draft.hours_week, wage_support=draft.wage_support,
        end_reason=draft.end_reason,
    )  # fmt: skip


def _summary(turn: Turn[LogDraft]) -> str:
    draft = turn.draft
    assert draft.day is not None and draft.kind is not None
    return entry_text(
        turn.t, day=draft.day, kind=draft.kind, text=draft.text or "", minutes=draft.minutes,
        employer=draft.employer, hours_week=draft.hours_week, wage_support=draft.wage_support,
        end_reason=draft.end_reason,
    )  # fmt: skip


def _day_rows(turn: Turn[LogDraft]) -> list[list[InlineKeyboardButton]]:
    t, today = turn.t, _today(turn)
    last = actions.last_day(_kind(turn.draft), today)
    month = turn.draft.month or today.replace(day=1)
    calendar = month_calendar(month.year, month.month, today=today - timedelta(days=DAYS_BACK),
                              language=t.language, prefix=CAL, last_day=last)  # fmt: skip
    quick = [InlineKeyboardButton(t("Today"), callback_data="dl:d:0"),
             InlineKeyboardButton(t("Yesterday"), callback_data="dl:d:1")]  # fmt: skip
    return [quick, *[list(row) for row in calendar.inline_keyboard], nav_row(t, "dl")]


async def ask_log(turn: Turn[LogDraft], state: int) -> int:
    """Show `state`'s question from the draft (also for Back)."""
    t, draft = turn.t, turn.draft
    if state == CLIENT:
        return await LOG.ask_client(turn, t("Diary: which client?"), CLIENT)
    rows: list[list[InlineKeyboardButton]]
    if state == KIND:
        question = t("{client}: what was done?", client=draft.client_name)
        rows = [
            [InlineKeyboardButton(t(texts.KIND_NAMES[kind.value]), callback_data=f"dl:k:{kind}")]
            for kind in Kind
        ]
        rows.append(nav_row(t, "dl"))
    elif state == DAY:
        question = (t("Which day does the job start?") if _kind(draft) == Kind.JOB_START
                    else t("Which day?"))  # fmt: skip
        rows = _day_rows(turn)
    elif state == EMPLOYER:
        question = t("The employer's name? (at most {n} characters)", n=actions.EMPLOYER_MAX)
        rows = [nav_row(t, "dl")]
    elif state == HOURS:
        question = t("How many hours a week?")
        rows = [[InlineKeyboardButton(h, callback_data=f"dl:h:{h}") for h in WEEKLY_HOURS[:3]],
                [InlineKeyboardButton(h, callback_data=f"dl:h:{h}") for h in WEEKLY_HOURS[3:]],
                nav_row(t, "dl")]  # fmt: skip
    elif state == WAGE:
        question = t("Is there wage support?")
        yes_no = [InlineKeyboardButton(t("Yes"), callback_data="dl:w:yes"),
                  InlineKeyboardButton(t("No"), callback_data="dl:w:no")]  # fmt: skip
        rows = [yes_no, nav_row(t, "dl")]
    elif state == END:
        question = t("Why did the job end? (at most {n} characters)", n=actions.END_REASON_MAX)
        rows = [nav_row(t, "dl")]
    elif state == MINUTES:
        question = t("How long did it take?")
        rows = [[InlineKeyboardButton(t(texts.MINUTES, minutes=m), callback_data=f"dl:m:{m}")
                 for m in MINUTE_CHOICES], nav_row(t, "dl")]  # fmt: skip
    elif state == NOTE:
        question = t("Write a short note: what was done? (at most {n} characters)",
                     n=actions.TEXT_MAX)  # fmt: skip
        rows = [nav_row(t, "dl")]
    else:
        assert state == CONFIRM
        question = t("{client}: save this?", client=draft.client_name) + "\n\n" + _summary(turn)
        rows = [[InlineKeyboardButton("✅ " + t("Save"), callback_data="dl:save")],
                nav_row(t, "dl")]  # fmt: skip
    await turn.show(question, InlineKeyboardMarkup(rows))
    return draft.reach(state)


async def _next(turn: Turn[LogDraft], after: int) -> int:
    steps = _steps(_kind(turn.draft))
    return await ask_log(turn, steps[steps.index(after) + 1])


def _expect(turn: Turn[LogDraft], state: int) -> None:
    """A press for `state` while the conversation shows another step is stale."""
    if turn.draft.current(CLIENT) != state or turn.draft.kind is None:
        raise turn.refused("diary: another step")


async def _log_begin(turn: Turn[LogDraft]) -> int:
    return await ask_log(turn, CLIENT)


async def on_log_client(turn: Turn[LogDraft]) -> int:
    client = await own_client(turn)
    turn.draft.client_id, turn.draft.client_name = client.id, client.display_name
    return await ask_log(turn, KIND)


async def on_kind(turn: Turn[LogDraft]) -> int:
    draft = turn.draft
    draft.kind = Kind(turn.group(1)).value
    draft.day = draft.month = draft.employer = draft.hours_week = draft.wage_support = None
    draft.end_reason = draft.minutes = draft.text = None
    return await ask_log(turn, DAY)


async def on_quick_day(turn: Turn[LogDraft]) -> int:
    _expect(turn, DAY)
    turn.draft.day = _today(turn) - timedelta(days=int(turn.group(1)))
    return await _next(turn, DAY)


async def on_calendar(turn: Turn[LogDraft]) -> int | None:
    """A calendar's day within what it offers, or another month (the step stays)."""
    _expect(turn, DAY)
    data = turn.update.callback_query.data if turn.update.callback_query else None
    try:
        what, day = parse_calendar(data or "", CAL)
    except ValueError:
        raise turn.refused("diary: forged calendar") from None
    if what == "noop" or day is None:
        assert turn.update.callback_query is not None
        await turn.update.callback_query.answer()
        return None
    today = _today(turn)
    first, last = today - timedelta(days=DAYS_BACK), actions.last_day(_kind(turn.draft), today)
    if what == "month":
        if not first.replace(day=1) <= day <= last:
            raise turn.refused("diary: month not offered")
        turn.draft.month = day
        return await ask_log(turn, DAY)
    if not first <= day <= last:
        raise turn.refused("diary: day not offered")
    turn.draft.day = day
    return await _next(turn, DAY)


async def _typed(turn: Turn[LogDraft], state: int, limit: int) -> str | None:
    text = typed_text(turn.update).strip()
    if not text:
        await reply(turn.update, turn.t("Please write it as text, or /cancel to stop."))
        return None
    if len(text) > limit:
        await reply(turn.update, _too_long(turn.t, limit))
        return None
    return text


async def on_employer(turn: Turn[LogDraft]) -> int:
    text = await _typed(turn, EMPLOYER, actions.EMPLOYER_MAX)
    if text is None:
        return EMPLOYER
    turn.draft.employer = text
    return await _next(turn, EMPLOYER)


async def on_hours(turn: Turn[LogDraft]) -> int:
    _expect(turn, HOURS)
    if turn.group(1) not in WEEKLY_HOURS:
        raise turn.refused("diary: hours not offered")
    turn.draft.hours_week = float(turn.group(1))
    return await _next(turn, HOURS)


async def on_wage(turn: Turn[LogDraft]) -> int:
    _expect(turn, WAGE)
    turn.draft.wage_support = turn.group(1) == "yes"
    return await _next(turn, WAGE)


async def on_end(turn: Turn[LogDraft]) -> int:
    text = await _typed(turn, END, actions.END_REASON_MAX)
    if text is None:
        return END
    turn.draft.end_reason = text
    return await _next(turn, END)


async def on_minutes(turn: Turn[LogDraft]) -> int:
    _expect(turn, MINUTES)
    turn.draft.minutes = int(turn.group(1))
    return await _next(turn, MINUTES)


async def on_note(turn: Turn[LogDraft]) -> int:
    text = await _typed(turn, NOTE, actions.TEXT_MAX)
    if text is None:
        return NOTE
    turn.draft.text = text
    return await _next(turn, NOTE)


async def on_save(turn: Turn[LogDraft]) -> int:
    _expect(turn, CONFIRM)
    draft, services, t = turn.draft, turn.services, turn.t
    if draft.client_id is None or draft.day is None or draft.text is None:
        raise turn.refused("diary: nothing to save")
    assert turn.person.id is not None
    try:
        await services.db.run(
            actions.add_entry, turn.person.id, draft.client_id, _kind(draft), draft.day,
            _details(draft), now=services.now(), tz=services.settings.tz,
        )  # fmt: skip
    except DiaryError as error:
        await turn.show(t(texts.ERRORS.get(error.code, texts.ERRORS["invalid"])))
        return LOG.end(turn.context)
    summary = _summary(turn)
    await turn.show(t("Saved in {client}'s diary.", client=draft.client_name) + "\n\n" + summary)
    return LOG.end(turn.context)


# --- /diary ----------------------------------------------------------------------------------
VIEW_CLIENT, MONTH, CORRECT = range(3)


@dataclass
class ViewDraft(Steps):
    client_id: int | None = None
    month: date | None = None
    entries: list[int] = field(default_factory=list)  # the ids the view shows, in order
    entry_id: int | None = None  # the entry being corrected


VIEW = Flow(
    key="diary_view",
    draft=ViewDraft,
    roles=(Role.COACH, Role.CASEWORKER),
    prefix="dy",
    stopped=N_("Closed."),
)


def _shift(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


async def show_month(turn: Turn[ViewDraft], *, new: bool = False, head: str = "") -> int:
    draft, services, t = turn.draft, turn.services, turn.t
    assert draft.client_id is not None
    this_month = _today(turn).replace(day=1)
    draft.month = draft.month or this_month
    found = await services.db.run(
        actions.month_view, turn.person, draft.client_id, draft.month, tz=services.settings.tz
    )
    if found is None:
        raise turn.refused("diary: not the viewer's client")
    draft.entries = [line.id for line in found.entries]
    rows: list[list[InlineKeyboardButton]] = []
    note = ""
    if found.may_correct and found.entries:
        skipped = max(0, len(draft.entries) - CORRECT_BUTTONS)
        buttons = [InlineKeyboardButton("✏ " + t("Correct {n}", n=n), callback_data=f"dy:e:{i}")
                   for n, i in enumerate(draft.entries, start=1) if n > skipped]  # fmt: skip
        rows += [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
        if skipped:
            note = "\n\n" + t("✏ Only the latest {n} entries can be corrected here.",
                                n=CORRECT_BUTTONS)  # fmt: skip
    earlier = _shift(draft.month, -1)
    months = [InlineKeyboardButton("◀", callback_data=f"dy:m:{earlier:%Y-%m}")]
    if draft.month < this_month:
        later = _shift(draft.month, 1)
        months.append(InlineKeyboardButton("▶", callback_data=f"dy:m:{later:%Y-%m}"))
    rows += [months, nav_row(t, "dy", back=False)]
    text = (head + "\n\n" if head else "") + month_text(found, t) + note
    # A long month goes as several messages (the buttons on the last); an edit is one.
    new = new or length(text) > MAX_TEXT
    query = turn.update.callback_query
    if new and query is not None:
        await query.answer()
    await turn.show(text, InlineKeyboardMarkup(rows), new=new)
    return draft.reach(MONTH)


async def ask_view(turn: Turn[ViewDraft], state: int) -> int:
    if state == VIEW_CLIENT:
        return await VIEW.ask_client(turn, turn.t("Diary: which client?"), VIEW_CLIENT)
    return await show_month(turn)


async def _view_begin(turn: Turn[ViewDraft]) -> int:
    return await ask_view(turn, VIEW_CLIENT)


async def on_view_client(turn: Turn[ViewDraft]) -> int:
    client = await own_client(turn)
    turn.draft.client_id, turn.draft.month = client.id, None
    return await show_month(turn)


async def on_month(turn: Turn[ViewDraft]) -> int:
    """◀ or ▶: only the months the view offers (never ahead of this one)."""
    draft = turn.draft
    if draft.month is None:
        raise turn.refused("diary: no month shown")
    year, month = (int(part) for part in turn.group(1).split("-"))
    try:
        wanted = date(year, month, 1)  # "0000-01" or "2026-13": no such month
    except ValueError:
        raise turn.refused("diary: forged month") from None
    offered = {_shift(draft.month, -1)}
    if draft.month < _today(turn).replace(day=1):
        offered.add(_shift(draft.month, 1))
    if wanted not in offered:
        raise turn.refused("diary: month not offered")
    draft.month = wanted
    return await show_month(turn)


async def on_correct(turn: Turn[ViewDraft]) -> int:
    """✏ on an entry the coach's view shows: ask for its new text."""
    draft, t = turn.draft, turn.t
    entry_id = int(turn.group(1))
    offered = draft.entries[-CORRECT_BUTTONS:]
    if turn.person.role != Role.COACH.value or entry_id not in offered:
        raise turn.refused("diary: entry not offered")
    draft.entry_id = entry_id
    number = draft.entries.index(entry_id) + 1
    await turn.show(
        t("Entry {n}: write the corrected text (at most {limit} characters). The first "
          "version is kept.", n=number, limit=actions.TEXT_MAX),
        InlineKeyboardMarkup([nav_row(t, "dy")]),
    )  # fmt: skip
    return draft.reach(CORRECT)


async def on_corrected(turn: Turn[ViewDraft]) -> int:
    draft, services, t = turn.draft, turn.services, turn.t
    text = typed_text(turn.update).strip()
    if not text:
        await reply(turn.update, t("Please write it as text, or /cancel to stop."))
        return CORRECT
    if len(text) > actions.TEXT_MAX:
        await reply(turn.update, _too_long(t, actions.TEXT_MAX))
        return CORRECT
    if draft.entry_id is None or turn.person.role != Role.COACH.value:
        raise turn.refused("diary: nothing to correct")
    assert turn.person.id is not None
    try:
        await services.db.run(
            actions.correct_entry, turn.person.id, draft.entry_id, text, now=services.now()
        )
    except DiaryError as error:
        head = t(texts.ERRORS.get(error.code, texts.ERRORS["invalid"]))
    else:
        head = t("Corrected. The first version is kept.")
    draft.entry_id = None
    draft.history = [VIEW_CLIENT]
    return await show_month(turn, head=head)


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application: a conversation's state belongs to
    one running bot."""
    log_back = LOG.back(CLIENT, ask_log)
    log_cancel, log_cancel_command = LOG.stops()
    log_hint = LOG.hint()
    nav = [log_back, log_cancel]
    view_back = VIEW.back(VIEW_CLIENT, ask_view)
    view_cancel, view_cancel_command = VIEW.stops()
    view_hint = VIEW.hint()
    kinds = "|".join(k.value for k in Kind)
    return [
        ConversationHandler(
            entry_points=[LOG.command("log", _log_begin)],
            states={
                CLIENT: [LOG.button(rf"^dl:c:{ID}$", on_log_client), log_cancel, log_hint],
                KIND: [LOG.button(rf"^dl:k:({kinds})$", on_kind), *nav, log_hint],
                DAY: [
                    LOG.button(r"^dl:d:([01])$", on_quick_day),
                    LOG.button(r"^dlc:(?:n|d:[0-9-]{10}|m:[0-9-]{7})$", on_calendar),  # type: ignore[arg-type]
                    *nav,
                    log_hint,
                ],
                EMPLOYER: [*nav, LOG.text(on_employer)],
                HOURS: [LOG.button(r"^dl:h:(\d{1,2}(?:\.5)?)$", on_hours), *nav, log_hint],
                WAGE: [LOG.button(r"^dl:w:(yes|no)$", on_wage), *nav, log_hint],
                END: [*nav, LOG.text(on_end)],
                MINUTES: [LOG.button(r"^dl:m:(15|30|60|90)$", on_minutes), *nav, log_hint],
                NOTE: [*nav, LOG.text(on_note)],
                CONFIRM: [LOG.button(r"^dl:save$", on_save), *nav, log_hint],
            },
            fallbacks=[log_cancel_command, stale_buttons("dl")],
            allow_reentry=True,
            conversation_timeout=3600,
            name="diary_log",
        ),
        ConversationHandler(
            entry_points=[VIEW.command("diary", _view_begin)],
            states={
                VIEW_CLIENT: [VIEW.button(rf"^dy:c:{ID}$", on_view_client), view_cancel, view_hint],
                MONTH: [
                    VIEW.button(r"^dy:m:(\d{4}-\d{2})$", on_month),
                    VIEW.button(rf"^dy:e:{ID}$", on_correct),
                    view_cancel,
                    view_hint,
                ],
                CORRECT: [view_back, view_cancel, VIEW.text(on_corrected)],
            },
            fallbacks=[view_cancel_command, stale_buttons("dy")],
            allow_reentry=True,
            conversation_timeout=3600,
            name="diary_view",
        ),
    ]
