"""The durable inbox: nothing a person sends is lost or handled twice.

An update is a row (`storage.inbox`) before Telegram is told it arrived: the poller
stores a getUpdates batch and only then confirms its offset; the webhook stores the
update and only then answers 200. Workers claim stored updates at the head of each
person's lane (one at a time per person, in order, on one process or many), load the
person's conversation state from the database, run the Application's handlers, and mark
the update done together with the new conversation state.
"""

from bot.inbox.attempts import Attempt, current_attempt, event_time, is_passing_fault

__all__ = ["Attempt", "current_attempt", "event_time", "is_passing_fault"]
