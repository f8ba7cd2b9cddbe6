"""Client frames of the presence socket (contract 2.3), one schema per type."""

import unicodedata
from typing import Annotated, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from messenger import errors
from messenger.models import ChosenStatus
from messenger.platform import text_rules

PERSONAL_MESSAGE_MAX = 128

def personal_message_clean(value: str) -> str:
    """Trimmed, single-line printable text of at most 128 characters, bidi
    overrides removed (messenger.platform.text_rules); may be empty (clears it)."""
    text = text_rules.clean_name(value)
    if len(text) > PERSONAL_MESSAGE_MAX:
        raise PydanticCustomError(
            "too_long",
            "personalMessage: at most {limit} characters",
            {"code": errors.TOO_LONG, "limit": PERSONAL_MESSAGE_MAX},
        )
    if any(unicodedata.category(ch) == "Cc" for ch in text):
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
