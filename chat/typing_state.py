"""Typing indicators: a `typing:true` holds for TYPING_TTL_S unless renewed,
then the server itself announces `typing:false` (contract 2.5).

The timer lives in the process that heard the `typing:true` (the sender's
socket, or the bot worker), which is also where that user's chat or
disconnect is handled, so it can end the indicator at once.
"""

import asyncio

from django.conf import settings

from messenger.accounts.users import public_user
from messenger.platform import fanout

_timers: dict[tuple[str, int], asyncio.TimerHandle] = {}
# Expiry broadcasts in flight (the loop keeps only weak references to tasks).
_sending: set[asyncio.Task] = set()


def _frame(user, typing: bool) -> dict:
    return {"type": "typing", "user": public_user(user), "typing": typing}


async def _broadcast(room_id: str, user, typing: bool) -> None:
    await fanout.group_send(fanout.room_group(room_id), fanout.frame_event(_frame(user, typing)))


async def start(room_id: str, user) -> None:
    key = (room_id, user.pk)
    previous = _timers.pop(key, None)
    if previous is not None:
        previous.cancel()
    loop = asyncio.get_running_loop()
    _timers[key] = loop.call_later(settings.TYPING_TTL_S, _expire, key, room_id, user)
    await _broadcast(room_id, user, True)


def _expire(key: tuple[str, int], room_id: str, user) -> None:
    # Forget the timer synchronously, so a renewal racing this expiry starts a fresh one.
    _timers.pop(key, None)
    task = asyncio.get_running_loop().create_task(_broadcast(room_id, user, False))
    _sending.add(task)
    task.add_done_callback(_sending.discard)


async def stop(room_id: str, user, *, only_if_active: bool) -> None:
    """End the indicator; with only_if_active, say so only when one was showing."""
    handle = _timers.pop((room_id, user.pk), None)
    if handle is not None:
        handle.cancel()
    if handle is not None or not only_if_active:
        await _broadcast(room_id, user, False)
