"""Error frames of the sockets, and the one mapping of a frame-schema failure to the contract's code."""

import pydantic

from messenger import errors


def error_frame(code: str, message: str, **extra) -> dict:
    frame = {"type": "error", "code": code, "message": message}
    frame.update({key: value for key, value in extra.items() if value is not None})
    return frame


# A person can meet these (the page's font toolbar, a hand-written client):
# words instead of the schema library's.
_WORDS = {
    ("color", "string_pattern_mismatch"): "must be a colour written #RRGGBB, such as #0000FF",
    ("color", "string_type"): "must be a colour written #RRGGBB, such as #0000FF",
    ("bold", "bool_type"): "must be true or false",
    ("italic", "bool_type"): "must be true or false",
}


def validation_error(exc: pydantic.ValidationError) -> tuple[str, str]:
    """Map a schema failure to the contract's code and a message naming the field."""
    first = exc.errors()[0]
    loc = [str(part) for part in first["loc"]]
    kind = first["type"]
    if kind == "union_tag_invalid" or kind == "union_tag_not_found":
        return errors.UNKNOWN_TYPE, "Unknown frame type; see the protocol's client frames."
    field = loc[-1] if loc else "frame"
    ctx = first.get("ctx") or {}
    if ctx.get("code") == errors.TOO_LONG:
        return errors.TOO_LONG, first["msg"].removeprefix("Value error, ")
    if (field, kind) in _WORDS:
        return errors.INVALID_MESSAGE, f"{field}: {_WORDS[field, kind]}"
    message = "is required" if kind == "missing" else first["msg"].removeprefix("Value error, ")
    return errors.INVALID_MESSAGE, f"{field}: {message}"
