"""A person's text made safe to show to another person.

What a person types is stored and shown to others (a client's absence note reaches the
coach, a coach's place reaches the client). Some characters in it are not text: control
characters (ESC starts terminal escapes in logs and exports, BEL, NUL) and the
bidirectional overrides, embeddings and isolates, with which "txt.exe" can be made to
read "exe.txt" (U+202E, RIGHT-TO-LEFT OVERRIDE). `clean` removes them:

- C0 controls (U+0000–U+001F) and DEL (U+007F), except the line break; a tab becomes a
  space; CR LF and a lone CR become LF, and so do U+2028 / U+2029 (line and paragraph
  separators).
- C1 controls (U+0080–U+009F, NEL among them).
- Bidi embeddings and overrides U+202A–U+202E, and isolates U+2066–U+2069: they reorder
  the text that follows them, up to the end of the paragraph.

Kept on purpose: the left-to-right and right-to-left marks (U+200E, U+200F) and the
Arabic letter mark (U+061C), which reorder nothing but the neutral characters next to
them and which right-to-left writers (Arabic, Hebrew, Persian) need for punctuation and
numbers; the zero-width joiner and non-joiner (U+200D, U+200C), which build emoji
(👩‍💻) and are needed in Persian and Indic scripts.

Pure: strings in, strings out.
"""

from __future__ import annotations

import re

_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")
_REMOVED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """`text` without control or bidirectional-override characters; line breaks kept."""
    text = _LINE_BREAKS.sub("\n", text).replace("\t", " ")
    return _REMOVED.sub("", text)


def clean_line(text: str) -> str:
    """`text` cleaned, on one line: every run of whitespace (line breaks too) one space."""
    return " ".join(clean(text).split())
