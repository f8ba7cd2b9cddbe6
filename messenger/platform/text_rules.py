"""What text the server takes from outside, in one place (docs/SECURITY.md,
"hostile input").

* Control characters (C0 except tab and newline, DEL, C1) are refused in
  every HTTP field, path part, query value and socket frame field, before
  any query: a NUL reaching PostgreSQL is an error there, not a value.
* Text made only of invisible characters (whitespace, zero-width and other
  format characters, fillers, variation selectors) is empty.
* Bidirectional override and isolate characters are removed from names and
  messages, so no text can reorder what the characters around it display
  (the "invoice_\u202egnp.exe" trick). The plain marks (LRM, RLM) stay.
"""

import re
import unicodedata

CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
BIDI_CONTROLS_RE = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Shown as nothing though not format characters (category Cf is checked apart).
_INVISIBLE = frozenset(
    "\u115f\u1160\u3164\uffa0\u034f\u17b4\u17b5\u180e\u2800"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))
)


def has_control(text: str) -> bool:
    return CONTROL_RE.search(text) is not None


def control_field(value, name: str = "") -> str | None:
    """The name of the first field of a decoded JSON value (keys included)
    that holds a control character, or None. Nested fields are dotted."""
    if isinstance(value, str):
        return (name or "value") if has_control(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            label = f"{name}.{key}" if name else str(key)
            if isinstance(key, str) and has_control(key):
                return name or "field name"
            found = control_field(item, label)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = control_field(item, f"{name}.{index}" if name else str(index))
            if found:
                return found
    return None


def _invisible(char: str) -> bool:
    return char.isspace() or char in _INVISIBLE or unicodedata.category(char) == "Cf" or (
        0xE0000 <= ord(char) <= 0xE007F or 0xE0100 <= ord(char) <= 0xE01EF
    )


def is_blank(text: str) -> bool:
    """True when nothing of the text would show: empty, whitespace, or only invisible characters."""
    return all(_invisible(char) for char in text)


def without_bidi_controls(text: str) -> str:
    return BIDI_CONTROLS_RE.sub("", text)


def clean_name(text: str) -> str:
    """A display name, room name or topic as stored: bidi controls removed, trimmed."""
    return without_bidi_controls(text).strip()
