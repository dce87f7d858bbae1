"""Coachbot: settings, application wiring, pure domain rules and scheduling."""

import os
import warnings

# python-telegram-bot 22 gives retry_after as a timedelta when asked; we are ready for it.
os.environ.setdefault("PTB_TIMEDELTA", "1")

# The conversations are per user on purpose: one flow at a time, whichever message its
# buttons are on. PTB warns about exactly that choice.
warnings.filterwarnings("ignore", message="If 'per_message=False'")
