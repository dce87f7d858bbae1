"""Coachbot: settings, application wiring, pure domain rules and scheduling."""

import os

# python-telegram-bot 22 gives retry_after as a timedelta when asked; we are ready for it.
os.environ.setdefault("PTB_TIMEDELTA", "1")
