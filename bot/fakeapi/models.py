"""Plain records the fake keeps, shaped so tests and the console can read them directly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

EventKind = Literal["message", "edit", "delete", "answer", "action"]


class ApiError(Exception):
    """A Bot API error answer; raised inside method handlers, turned into JSON by the server."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        body: bytes | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.body = body


@dataclass(slots=True)
class Upload:
    """One multipart file part, exactly as the bot uploaded it."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(slots=True)
class StoredFile:
    """A file known to the fake: uploaded by the bot or sent by a user; getFile serves it."""

    file_id: str
    file_unique_id: str
    file_path: str
    kind: str  # "document" | "photo" | "voice" | "video_note"
    filename: str | None = None
    mime_type: str | None = None
    data: bytes | None = None
    url: str | None = None  # set when the bot sent a URL instead of bytes (never fetched)
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else 0

    def document_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.filename:
            out["file_name"] = self.filename
        if self.mime_type:
            out["mime_type"] = self.mime_type
        if self.data is not None:
            out["file_size"] = self.size
        return out

    def photo_api(self) -> list[dict[str, Any]]:
        size: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
        }
        if self.data is not None:
            size["file_size"] = self.size
        return [size]


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who the fake bot is (getMe, and "from" of every bot message)."""

    id: int
    username: str
    first_name: str

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }


@dataclass(slots=True)
class FakeUser:
    """A Telegram user talking to the bot; their private chat has the same id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "fi"
    started: bool = True  # False: the user never pressed Start, the bot may not write first
    blocked: bool = False
    deactivated: bool = False

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        if self.language_code:
            out["language_code"] = self.language_code
        return out

    def chat_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        return out


@dataclass(eq=False, slots=True)
class BotMessage:
    """A message the bot sent; edits update it in place so tests see the current state."""

    message_id: int
    chat_id: int
    date: int
    kind: str  # "text" | "document" | "photo" | "voice" | "video_note" (copied)
    text: str | None  # what the user reads: text, or the caption of a document/photo
    source: str | None  # the text/caption exactly as sent (before parse_mode)
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    chat: dict[str, Any]
    sender: dict[str, Any]
    params: dict[str, Any]
    sent_at: float
    document: StoredFile | None = None
    photo: StoredFile | None = None
    reply_to_message_id: int | None = None
    reply_to: dict[str, Any] | None = None
    media: dict[str, Any] | None = None  # a copied voice or video note: its API object
    copied_from: tuple[int, int] | None = None  # copyMessage: (from chat id, message id)
    edit_date: int | None = None
    edits: int = 0
    history: list[str | None] = field(default_factory=list)  # earlier texts, oldest first
    deleted: bool = False

    @property
    def caption(self) -> str | None:
        return self.text if self.kind != "text" else None

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard rows as (text, callback_data); URL buttons have callback_data None."""
        markup = self.reply_markup or {}
        return [
            [(b.get("text", ""), b.get("callback_data")) for b in row]
            for row in markup.get("inline_keyboard", [])
        ]

    @property
    def button_texts(self) -> list[str]:
        return [text for row in self.buttons for text, _ in row]

    @property
    def keyboard(self) -> list[list[str]] | None:
        """Reply keyboard rows (button texts) if this message set one, else None."""
        markup = self.reply_markup or {}
        rows = markup.get("keyboard")
        if rows is None:
            return None
        return [[b if isinstance(b, str) else b.get("text", "") for b in row] for row in rows]

    @property
    def removes_keyboard(self) -> bool:
        return bool((self.reply_markup or {}).get("remove_keyboard"))

    def callback_data(self, text: str) -> str:
        """The callback_data of the inline button with this visible text."""
        for row in self.buttons:
            for label, data in row:
                if label == text and data is not None:
                    return data
        raise LookupError(f"no callback button {text!r} in message {self.message_id}")

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
        }
        if self.kind == "text":
            out["text"] = self.text
            if self.entities:
                out["entities"] = self.entities
        else:
            if self.document is not None:
                out["document"] = self.document.document_api()
            if self.photo is not None:
                out["photo"] = self.photo.photo_api()
            if self.media is not None:
                out[self.kind] = self.media
            if self.text is not None:
                out["caption"] = self.text
                if self.entities:
                    out["caption_entities"] = self.entities
        if self.reply_to is not None:
            out["reply_to_message"] = self.reply_to
        if self.edit_date is not None:
            out["edit_date"] = self.edit_date
        # Like Telegram: only inline keyboards are part of the Message object.
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            out["reply_markup"] = self.reply_markup
        return out

    def __repr__(self) -> str:
        text = self.text if self.text is None or len(self.text) <= 60 else self.text[:57] + "..."
        extra = f" buttons={self.button_texts}" if self.buttons else ""
        if self.document is not None:
            extra += f" document={self.document.filename!r}"
        if self.deleted:
            extra += " deleted"
        return f"<BotMessage #{self.message_id} to {self.chat_id}: {text!r}{extra}>"


@dataclass(slots=True)
class CallbackAnswer:
    """One answerCallbackQuery call, tied back to the button press it answers."""

    query_id: str
    user_id: int
    message_id: int | None
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    at: float


@dataclass(slots=True)
class ChatEvent:
    """Something the bot did in a chat, in order; cursors and the console read this log."""

    seq: int
    chat_id: int
    kind: EventKind
    at: float
    message: BotMessage | None = None
    answer: CallbackAnswer | None = None
    action: str | None = None


@dataclass(slots=True)
class RecordedRequest:
    """One HTTP call of the bot: kept for assertions and rate measurements (at = monotonic)."""

    seq: int
    method: str
    params: dict[str, Any]
    token: str
    at: float
    uploads: dict[str, Upload]
    status: int = 0  # HTTP status answered; 0 while still in progress (e.g. long polling)

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")
