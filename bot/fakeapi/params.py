"""Decoding Bot API parameters the way Telegram does: form, multipart, JSON body or query string.

PTB sends form fields whose non-string values are JSON-encoded and plain strings as they are,
so a text "123" must stay a string: known string parameters are never JSON-decoded.
"""

from __future__ import annotations

import json
from typing import Any

from tornado.httputil import HTTPServerRequest

from bot.fakeapi.models import ApiError, Upload

# Parameters that are strings in the Bot API; everything else is tried as JSON first.
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "language_code",
        "file_id",
        "data",
        "description",
        "short_description",
        "name",
        "action",
        "business_connection_id",
        "message_effect_id",
        "secret_token",
        "ip_address",
        "title",
        "emoji",
        "query",
        "document",
        "photo",
        "thumbnail",
        "audio",
        "video",
        "voice",
        "animation",
        "sticker",
        "certificate",
    }
)
# Parameters that may arrive JSON-encoded even inside a JSON body.
COMPLEX_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "reply_parameters",
        "link_preview_options",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "media",
        "message_ids",
    }
)


def decode_value(name: str, raw: str) -> Any:
    if name in STRING_PARAMS or not raw:
        return raw
    first = raw[0]
    if not (first in '[{"-tfn' or first.isdigit()):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def decode_request(request: HTTPServerRequest) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Parameters and uploaded files of one Bot API call."""
    params: dict[str, Any] = {}
    uploads: dict[str, Upload] = {}
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json"):
        if request.body:
            try:
                body = json.loads(request.body)
            except ValueError as exc:
                raise ApiError(400, "Bad Request: can't parse JSON body") from exc
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON body must be an object")
            for key, value in body.items():
                if key in COMPLEX_PARAMS and isinstance(value, str):
                    value = decode_value(key, value)
                params[key] = value
    else:
        for key, values in request.body_arguments.items():
            params[key] = decode_value(key, values[-1].decode("utf-8", "replace"))
        for name, files in request.files.items():
            part = files[-1]
            uploads[name] = Upload(
                field=name,
                filename=part.filename or None,
                content_type=part.content_type or None,
                data=part.body,
            )
    for key, values in request.query_arguments.items():
        if key not in params:
            params[key] = decode_value(key, values[-1].decode("utf-8", "replace"))
    return params, uploads
