"""`coachbot console`: talk to the real bot offline, as any person of a demo data set.

The real Application runs against the built-in fake Bot API on 127.0.0.1 with a fresh
SQLite database in a temporary folder. Pick who you are by number, type messages, and
press buttons by number. With standard input not a terminal it reads plain lines, so a
program can drive it; the output is the same plain text.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.app import build_application
from bot.demo import DemoPerson, create_demo
from bot.embedded import running
from bot.fakeapi import ChatEvent, FakeTelegram
from bot.services import Services
from bot.settings import Settings
from storage.db import Database
from storage.migrate import upgrade

QUIET_AFTER = 0.4  # seconds without a new bot message before the console asks for input
REPLY_WAIT = 5.0  # at most this long for the first reply

HELP = (
    "Type a message and press Enter. A number presses the button with that number.\n"
    "/who switches person, /restart restarts the bot, /quit ends (Ctrl-D too)."
)
RESTART = "/restart"


@dataclass
class ConsoleState:
    people: list[DemoPerson]
    current: DemoPerson | None = None
    joined: set[int] = field(default_factory=set)
    buttons: list[tuple[int, str, str]] = field(default_factory=list)  # (message id, label, data)
    choosing: bool = True  # the next number picks a person, not a button


class Console:
    def __init__(self, fake: FakeTelegram, state: ConsoleState, out: TextIO) -> None:
        self.fake = fake
        self.state = state
        self.out = out
        self.activity = asyncio.Event()
        self.unread: dict[int, int] = {}
        fake.add_listener(self._on_event)

    # --- what the bot does ------------------------------------------------------------
    def _person_by_chat(self, chat_id: int) -> DemoPerson | None:
        return next((p for p in self.state.people if p.telegram_user_id == chat_id), None)

    def _on_event(self, event: ChatEvent) -> None:
        current = self.state.current
        if event.kind not in ("message", "edit", "answer"):
            return
        self.activity.set()
        if current is None or event.chat_id != current.telegram_user_id:
            if event.kind == "message":
                self.unread[event.chat_id] = self.unread.get(event.chat_id, 0) + 1
                other = self._person_by_chat(event.chat_id)
                if other is not None:
                    self.print(f"(new message for {other.name}: /who to switch)")
            return
        if event.kind == "answer" and event.answer is not None and event.answer.text:
            self.print(f"bot (popup)> {event.answer.text}")
            return
        message = event.message
        if message is None:
            return
        label = "bot (edited)>" if event.kind == "edit" else "bot>"
        text = message.text or ""
        if message.document is not None:
            text = f"[file {message.document.filename}] {text}".strip()
        if message.photo is not None:
            text = f"[picture] {text}".strip()
        lines = text.splitlines() or [""]
        self.print(f"{label} {lines[0]}")
        for line in lines[1:]:
            self.print(f"     {line}")
        self._show_buttons(message.message_id, message.buttons)

    def _show_buttons(self, message_id: int, rows: list[list[tuple[str, str | None]]]) -> None:
        """One line a keyboard row; buttons that do nothing (headers, blanks) get no number."""
        if not rows:
            return
        self.state.buttons = []
        for row in rows:
            shown = []
            for text, data in row:
                if data is None or data.endswith(":n") or not text.strip():
                    if text.strip():
                        shown.append(text)
                    continue
                self.state.buttons.append((message_id, text, data))
                shown.append(f"[{len(self.state.buttons)}] {text}")
            if shown:
                self.print("     " + "  ".join(shown))

    def print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def settle(self) -> None:
        """Wait for the bot's replies: until it has been quiet for a moment."""
        try:
            await asyncio.wait_for(self.activity.wait(), REPLY_WAIT)
        except TimeoutError:
            return
        while True:
            self.activity.clear()
            try:
                await asyncio.wait_for(self.activity.wait(), QUIET_AFTER)
            except TimeoutError:
                return

    # --- what the person does ---------------------------------------------------------
    def list_people(self) -> None:
        self.print("Who are you? Type the number:")
        for i, person in enumerate(self.state.people, 1):
            waiting = self.unread.get(person.telegram_user_id, 0)
            extra = f", {waiting} new" if waiting else ""
            self.print(f"  {i}) {person.name} ({person.role.value}, {person.language}{extra})")

    async def become(self, person: DemoPerson) -> None:
        self.state.current = person
        self.state.buttons = []
        self.unread.pop(person.telegram_user_id, None)
        self.print(f"You are now {person.name} ({person.role.value}).")
        if person.person_id not in self.state.joined:
            self.state.joined.add(person.person_id)
            self.print(f"Opening the invite link: /start {person.invite_code}")
            await self.say(f"/start {person.invite_code}")
        else:
            for message in self.fake.messages_to(person.telegram_user_id)[-1:]:
                self.print(f"(last message) {(message.text or '').splitlines()[0]}")

    async def say(self, text: str) -> None:
        current = self.state.current
        assert current is not None
        self.activity.clear()
        await self.fake.send_text(current.telegram_user_id, text)
        await self.settle()

    async def press(self, number: int) -> None:
        current = self.state.current
        assert current is not None
        if not 1 <= number <= len(self.state.buttons):
            self.print(f"No button {number}. " + HELP)
            return
        message_id, label, data = self.state.buttons[number - 1]
        self.print(f"(you pressed: {label})")
        self.activity.clear()
        try:
            await self.fake.press_button(current.telegram_user_id, message_id, data)
        except LookupError:  # the message was edited since: Telegram shows no such button
            self.print("(That button is no longer on its message.) " + HELP)
            return
        await self.settle()

    async def handle(self, line: str) -> bool | str:
        """One line of input; False when the console should end, RESTART to restart the bot."""
        text = line.strip()
        if text in ("/quit", "/exit"):
            return False
        if text == RESTART:
            return RESTART
        if text == "/who":
            self.state.choosing = True
            self.list_people()
            return True
        if self.state.choosing:
            if text.isdigit() and 1 <= int(text) <= len(self.state.people):
                self.state.choosing = False
                await self.become(self.state.people[int(text) - 1])
                self.print(HELP)
            else:
                self.list_people()
            return True
        if not text:
            return True
        if text.isdigit() and self.state.buttons:
            await self.press(int(text))
        else:
            await self.say(line.rstrip("\n"))
        return True


async def _read_lines(stream: TextIO) -> asyncio.Queue[str | None]:
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def pump() -> None:
        for line in stream:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    loop.run_in_executor(None, pump)
    return queue


async def console_main(
    stdin: TextIO, stdout: TextIO, *, script: bool, data_dir: Path | None = None
) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    folder = data_dir or Path(tempfile.mkdtemp(prefix="coachbot-console-"))
    url = f"sqlite:///{folder / 'console.sqlite3'}"
    upgrade(url)
    database = Database(url)
    now = datetime.now(UTC)
    people = database.call(create_demo, today=now.date(), now=now)
    async with FakeTelegram(bot_username="coachbot_console_bot") as fake:
        for person in people:
            fake.add_user(
                person.telegram_user_id, person.name.split()[0], language_code=person.language
            )
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_API_BASE_URL=fake.base_url,
            DATABASE_URL=url,
        )
        console = Console(fake, ConsoleState(people), stdout)
        console.print("Coachbot console: the real bot, offline, with demo people.")
        console.list_people()
        lines = await _read_lines(stdin)
        going = True
        while going:
            # A new Application on the same database, as after a deploy or a crash: whatever
            # a person was in the middle of continues (the inbox keeps it).
            application = build_application(Services(settings=settings, db=database))
            async with running(application):
                while True:
                    if not script and not console.state.choosing and console.state.current:
                        stdout.write(f"{console.state.current.name.split()[0]}> ")
                        stdout.flush()
                    line = await lines.get()
                    handled = False if line is None else await console.handle(line)
                    if handled == RESTART:
                        console.print("(the bot restarts)")
                        break
                    if not handled:
                        going = False
                        break
        console.print("Bye.")
    database.dispose()
    return 0


def run_console(*, script: bool) -> int:
    return asyncio.run(console_main(sys.stdin, sys.stdout, script=script))
