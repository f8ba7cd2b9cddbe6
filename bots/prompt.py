"""The messages sent to the model: the persona's system prompt, then the
room's last few messages. Other people's words always travel in `user`
turns, never in the system prompt, so a message saying "ignore your
instructions" is just something someone said."""

from datetime import UTC, datetime

from django.conf import settings

from chat.crypto import decrypt_text

from .models import Persona
from .selectors import recent_messages


def system_message(persona: Persona, *, room_id: str, room_kind: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    where = "a private conversation" if room_kind == "dm" else f"the public chat room #{room_id}"
    return (
        f"{persona.system_prompt}\n"
        f"Your name is {persona.display_name} and your handle is @{persona.user.username}."
        f" You are in {where}. It is {now:%A %d %B %Y, %H:%M} UTC."
    )


def build_messages(persona: Persona, *, room_id: str, room_kind: str, up_to_seq: int) -> list[dict]:
    messages = [{"role": "system", "content": system_message(persona, room_id=room_id, room_kind=room_kind)}]
    for message in recent_messages(room_id=room_id, up_to_seq=up_to_seq, limit=settings.BOT_CONTEXT_MESSAGES):
        text = decrypt_text(message.text, message.room_id, message.seq)
        if message.sender_id == persona.user_id:
            messages.append({"role": "assistant", "content": text})
        else:
            name = message.sender.profile.display_name if message.sender else "someone"
            messages.append({"role": "user", "content": f"{name}: {text}"})
    return messages
