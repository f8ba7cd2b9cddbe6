"""Client frames of the presence socket (contract 2.3), one schema per type."""

import unicodedata
from typing import Annotated, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from messenger import errors
from messenger.models import CHOSEN_STATUSES

ChosenStatus = Literal[CHOSEN_STATUSES]
PERSONAL_MESSAGE_MAX = 128

# Bidirectional overrides can make a personal message render as something else.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def personal_message_clean(value: str) -> str:
    """Trimmed, single-line printable text of at most 128 characters; may be empty (clears it)."""
    text = value.strip()
    if len(text) > PERSONAL_MESSAGE_MAX:
        raise PydanticCustomError(
            "too_long",
            "personalMessage: at most {limit} characters",
            {"code": errors.TOO_LONG, "limit": PERSONAL_MESSAGE_MAX},
        )
    if any(unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS for ch in text):
        raise ValueError("must not contain control characters")
    return text


PersonalMessage = Annotated[str, Field(max_length=4096), pydantic.AfterValidator(personal_message_clean)]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PresenceFrame(_Frame):
    type: Literal["presence"]
    status: ChosenStatus | None = None
    personalMessage: PersonalMessage | None = None

    @pydantic.model_validator(mode="after")
    def _something_to_change(self):
        if self.status is None and self.personalMessage is None:
            raise ValueError("give a status, a personalMessage or both")
        return self


class PingFrame(_Frame):
    type: Literal["ping"]
    nonce: str | None = Field(default=None, max_length=64)


class IdleFrame(_Frame):
    """Extension: the client's user stopped (idle=true) or resumed (idle=false) using it."""

    type: Literal["idle"]
    idle: bool


ClientFrame = Annotated[PresenceFrame | PingFrame | IdleFrame, Field(discriminator="type")]
client_frames = pydantic.TypeAdapter(ClientFrame)
