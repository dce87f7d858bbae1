"""A program's contract as the features read it: its preset row through
`bot.rules.periods.contract`, read leniently so a rule added by a later migration never
stops a running bot (the strict reading is the presets' test)."""

from __future__ import annotations

from sqlmodel import Session

from bot.rules.periods import Contract, contract
from storage.models import Program


def terms_of(session: Session, program_key: str) -> Contract:
    """The contract of `program_key`; KeyError for a program that does not exist."""
    program = session.get(Program, program_key)
    if program is None:
        raise KeyError(program_key)
    return contract(program.model_dump(), strict=False)
