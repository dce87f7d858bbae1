"""A program's contract as the features read it: its preset row through
`bot.rules.periods.contract`, read leniently so a rule added by a later migration never
stops a running bot (the strict reading is the presets' test); and `describe`, its terms
in plain words for the coach's period view, so the rules that are agreements rather than
checks (billing, how often to meet, what is logged) are in front of the coach too
(DOMAIN.md, the programs table: [000] billing, [001] meetings and goals, [002 §2] work
days, allowance and leave, [003] the employer-contact log)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import time

from babel.numbers import format_decimal
from dateutil.relativedelta import relativedelta
from sqlmodel import Session

from bot.periods.programs import program_name
from bot.rules.periods import BONUS_WITHIN_MONTHS, Contract, contract, monthly_fee
from messages.formatting import locale_of
from messages.i18n import Translator
from storage.models import Program

log = logging.getLogger(__name__)


def terms_of(session: Session, program_key: str) -> Contract:
    """The contract of `program_key`; KeyError for a program that does not exist. A rule
    no code reads yet is logged, not obeyed: the operator sees the preset is ahead."""
    program = session.get(Program, program_key)
    if program is None:
        raise KeyError(program_key)
    terms = contract(program.model_dump(), strict=False)
    if terms.unknown:
        log.warning("program %s has rules no code reads: %s", program_key, terms.unknown)
    return terms


def describe(terms: Contract, t: Translator) -> list[str]:
    """The contract's terms, one short line each, in the reader's language."""
    found = [
        _length(terms, t),
        _meetings(terms, t),
        _work_days(terms, t),
        _employment(terms, t),
        _billing(terms, t),
        _goals(terms, t),
        t("Employer contacts are logged.") if terms.log_employer_contacts else None,
        t("Service description: {source}", source=terms.source),
    ]
    return [line for line in found if line]


def _number(value: float, t: Translator) -> str:
    return format_decimal(value, format="#,##0.##", locale=locale_of(t.language))


def _euros(value: float, t: Translator) -> str:
    return f"{_number(value, t)} €"


def _span(length: relativedelta, t: Translator) -> str:
    """'4 months', '2 weeks', '1 year', '1 month 2 weeks': the words of a preset's length."""
    parts = []
    if length.years:
        parts.append(t.plural("{n} year", "{n} years", length.years))
    if length.months:
        parts.append(t.plural("{n} month", "{n} months", length.months))
    weeks, days = divmod(length.days, 7)
    if weeks:
        parts.append(t.plural("{n} week", "{n} weeks", weeks))
    if days:
        parts.append(t.plural("{n} day", "{n} days", days))
    return " ".join(parts)


def _clock(at: time, t: Translator) -> str:
    pattern = "{h:02d}:{m:02d}" if t.language == "en" else "{h}.{m:02d}"
    return pattern.format(h=at.hour, m=at.minute)


def _range(pair: tuple[int, int]) -> str:
    low, high = pair
    return str(low) if low == high else f"{low}–{high}"


def _length(terms: Contract, t: Translator) -> str:
    """[001] 2 weeks – 4 months, twice in a row, 8 months in 12; [002 §3.2] within 6
    months, extended by at most 2, suspended for a month; [003] open-ended."""
    if terms.max_length is None:
        parts = [t("Length: open-ended, as long as it serves the client")]
    elif terms.min_length is not None:
        parts = [
            t(
                "Length: {shortest} – {longest}",
                shortest=_span(terms.min_length, t),
                longest=_span(terms.max_length, t),
            )
        ]
    else:
        parts = [t("Length: within {longest} of the start", longest=_span(terms.max_length, t))]
    if terms.max_extension is not None:
        parts.append(
            t(
                "the caseworker may extend it by at most {extension}",
                extension=_span(terms.max_extension, t),
            )
        )
    if terms.max_consecutive_periods is not None:
        parts.append(
            t.plural(
                "at most {n} period in a row",
                "at most {n} periods in a row",
                terms.max_consecutive_periods,
            )
        )
    if terms.max_months_in_12 is not None:
        parts.append(
            t.plural(
                "at most {n} month in any 12 months",
                "at most {n} months in any 12 months",
                terms.max_months_in_12,
            )
        )
    if terms.suspension_max is not None:
        suspension = _span(terms.suspension_max, t)
        parts.append(
            t("may be suspended for up to {length}; the end moves with it", length=suspension)
            if terms.suspension_moves_end
            else t("may be suspended for up to {length}", length=suspension)
        )
    if terms.requires_program is not None:
        parts.append(
            t(
                "only after {program} that led to a job",
                program=program_name(terms.requires_program, t),
            )
        )
    return "; ".join(parts)


def _meetings(terms: Contract, t: Translator) -> str | None:
    """[001]: "vähintään 1–2 kertaa/vk", face to face by default."""
    if terms.meetings_per_week is not None:
        line = t("Meet at least {times} times a week", times=_range(terms.meetings_per_week))
        return line + (t(", face to face") if terms.face_to_face else "")
    return t("Meetings are face to face") if terms.face_to_face else None


def _work_days(terms: Contract, t: Translator) -> str | None:
    """[002 §2]: 4 or 6 hours, 08–17 on working days, 2–5 days a week; 2 leave days a
    month with 14 attendance days."""
    parts = []
    if terms.day_hours is not None:
        hours = f" {t('or')} ".join(str(h) for h in terms.day_hours)
        parts.append(t("Work days of {hours} hours", hours=hours))
    if terms.day_window is not None:
        first, last = terms.day_window
        parts.append(
            t("{first}–{last} on working days", first=_clock(first, t), last=_clock(last, t))
        )
    if terms.days_per_week is not None:
        parts.append(t("{days} days a week", days=_range(terms.days_per_week)))
    line = ", ".join(parts)
    if terms.leave_days_per_month is not None and terms.leave_min_attendance_days is not None:
        leave = t.plural(
            "{n} leave day a month with at least {days} attendance days",
            "{n} leave days a month with at least {days} attendance days",
            terms.leave_days_per_month,
            days=terms.leave_min_attendance_days,
        )
        line = f"{line}; {leave}" if line else leave
    return line or None


def _billing(terms: Contract, t: Translator) -> str:
    """[000] by the realised month with its extra and bonus; [002 §3] by the hour;
    [002 §2] the work allowance paid to the client; otherwise as the contract says."""
    if terms.billing == "monthly" and terms.monthly_fee_eur is not None:
        parts = [t("Billing: {fee} + VAT a realised month", fee=_euros(terms.monthly_fee_eur, t))]
        with_extra = monthly_fee(terms, partial_work_ability=True)
        if with_extra is not None and with_extra != terms.monthly_fee_eur:
            parts.append(
                t(
                    "+{extra} for partial work ability",
                    extra=_euros(with_extra - terms.monthly_fee_eur, t),
                )
            )
        if terms.employment_bonus_eur is not None:
            parts.append(
                t(
                    "{bonus} bonus for a job of at least {hours} h a week on the open "
                    "labour market within {months} months",
                    bonus=_euros(terms.employment_bonus_eur, t),
                    hours=_number(terms.min_weekly_work_hours or 0, t),
                    months=BONUS_WITHIN_MONTHS,
                )
            )
        line = "; ".join(parts)
    elif terms.billing == "hourly":
        line = t("Billing: by the coaching hour")
    elif terms.billing == "work_allowance" and terms.work_allowance_eur:
        line = t(
            "Work allowance to the client for each day attended: {rates}; nothing for sick days",
            rates=_rates(terms.work_allowance_eur, t),
        )
    else:
        line = t("Billing: as the contract says")
    return line


def _employment(terms: Contract, t: Translator) -> str | None:
    """[000]: coached in employment, the client works at least 18 h a week."""
    if terms.min_weekly_work_hours is None:
        return None
    return t(
        "In employment: at least {hours} h of work a week",
        hours=_number(terms.min_weekly_work_hours, t),
    )


def _rates(rates: Mapping[str, float], t: Translator) -> str:
    """'8 € for a 4-hour day, 12 € for a 6-hour day' from `work_allowance_eur`."""
    return ", ".join(
        t("{amount} for a {hours}-hour day", amount=_euros(euros, t), hours=hours)
        for hours, euros in sorted(rates.items(), key=lambda item: float(item[0]))
    )


def _goals(terms: Contract, t: Translator) -> str | None:
    """[001]: at least two goals or results reached, and/or concrete next steps."""
    if terms.min_goals_reached is None:
        return None
    return t.plural(
        "At the end: at least {n} goal or result reached, or concrete next steps",
        "At the end: at least {n} goals or results reached, or concrete next steps",
        terms.min_goals_reached,
    )
