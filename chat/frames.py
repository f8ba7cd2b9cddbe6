"""Client frames of the room socket (contract 2.3), one pydantic model each.

`ROOM_FRAMES` is the discriminated union the socket validates with; a
schema failure is mapped to the contract's error code by
messenger.realtime.frame_errors.validation_error.
"""

from typing import Annotated, Literal

from django.conf import settings
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, TypeAdapter
from pydantic_core import PydanticCustomError

from messenger import errors
from messenger.platform import text_rules

from .winks import CATALOG


def _text_checked(text: str) -> str:
    """Text as stored: bidi override characters removed (messenger.platform.text_rules);
    empty when nothing of it would show."""
    if text_rules.has_control(text):
        raise PydanticCustomError("text_control", "text must not contain control characters other than \\n and \\t")
    text = text_rules.without_bidi_controls(text)
    if text_rules.is_blank(text):
        raise PydanticCustomError("text_empty", "text must not be empty, whitespace or only invisible characters")
    if len(text.strip()) > settings.MAX_TEXT_CHARS:
        raise PydanticCustomError(
            "text_too_long",
            "text is longer than {limit} characters",
            {"code": errors.TOO_LONG, "limit": settings.MAX_TEXT_CHARS},
        )
    return text


def _wink_known(wink_id: str) -> str:
    if wink_id not in CATALOG:
        raise PydanticCustomError("wink_unknown", "winkId is not in the catalog (GET /api/winks)")
    return wink_id


# Strict types: "5" is not a seq and 1 is not a string.
ClientId = Annotated[str, Field(strict=True, min_length=1, max_length=64)]
Text = Annotated[str, Field(strict=True), AfterValidator(_text_checked)]
WinkId = Annotated[str, Field(strict=True, max_length=64), AfterValidator(_wink_known)]
Seq = Annotated[StrictInt, Field(ge=0)]


class _Frame(BaseModel):
    model_config = ConfigDict(frozen=True)


class MessageStyle(_Frame):
    """MSN sent one font style per message: a colour, bold, italic. Every key
    is optional; anything else in the object is refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    color: Annotated[str, Field(strict=True, pattern=r"^#[0-9A-Fa-f]{6}$")] = "#000000"
    bold: StrictBool = False
    italic: StrictBool = False

    def stored(self) -> str:
        """The canonical form kept with the message (chat.wire reads it back)."""
        return f'{{"color":"{self.color.lower()}","bold":{str(self.bold).lower()},"italic":{str(self.italic).lower()}}}'


class ChatFrame(_Frame):
    type: Literal["chat"]
    clientId: ClientId
    text: Text
    style: MessageStyle | None = None


class NudgeFrame(_Frame):
    type: Literal["nudge"]
    clientId: ClientId


class WinkFrame(_Frame):
    type: Literal["wink"]
    clientId: ClientId
    winkId: WinkId


class TypingFrame(_Frame):
    type: Literal["typing"]
    typing: StrictBool


class HistoryFrame(_Frame):
    type: Literal["history"]
    before: Seq | None = None
    limit: Annotated[StrictInt, Field(ge=1, le=100)] = 50


class PingFrame(_Frame):
    type: Literal["ping"]
    nonce: Annotated[str, Field(strict=True, max_length=128)] = ""


class ReadFrame(_Frame):
    type: Literal["read"]
    seq: Seq


RoomFrame = Annotated[
    ChatFrame | NudgeFrame | WinkFrame | TypingFrame | HistoryFrame | PingFrame | ReadFrame,
    Field(discriminator="type"),
]
ROOM_FRAMES: TypeAdapter = TypeAdapter(RoomFrame)
