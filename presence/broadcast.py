"""Presence frames out: to the presence sockets of interested users, on every
process, through the channel layer.

Presence sockets join their own per-user group (messenger.platform.fanout.presence_group,
not the user group that room sockets share), so these frames reach presence
sockets only.
"""

import asyncio

from messenger.accounts.users import public_user, users_with_profiles
from messenger.platform import db_async, fanout

from . import liveness, selectors


async def send_to(user_ids, frame: dict) -> None:
    event = fanout.frame_event(frame)
    await asyncio.gather(*(fanout.group_send(fanout.presence_group(uid), event) for uid in user_ids))


async def _load(user_id: int):
    return await users_with_profiles().filter(pk=user_id, is_active=True).afirst()


async def announce(
    user_id: int, *, previous: dict | None = None, was_online: bool | None = None, echo_self: bool = False
) -> None:
    """Tell interested users how user_id looks now, unless it looks as it did.

    `previous` is the user as others saw them before the change; `was_online`
    builds it from the current profile (sign-in / sign-out). With neither, the
    frame goes out unconditionally. `echo_self` also sends the user's own view
    (status `invisible` included) to their own presence sockets: other tabs
    follow, and the sender learns the change was applied.
    """
    user = await _load(user_id)
    if user is None:
        return
    online = await liveness.is_online(user_id)
    now_shown = public_user(user, online=online)
    if was_online is not None:
        previous = public_user(user, online=was_online)
    if previous != now_shown:
        watchers = await db_async.run(selectors.interested_in, user_id)
        await send_to(watchers, {"type": "presence", "user": now_shown})
    if echo_self:
        await send_to([user_id], {"type": "presence", "user": public_user(user, online=online, to_self=True)})


async def profile_changed(user_id: int) -> None:
    """messenger.hooks.profile_changed: another app changed the profile."""
    await announce(user_id, echo_self=True)


async def shown_to_one(viewer_id: int, user_id: int, *, hidden: bool) -> None:
    """Send one viewer how user_id looks to them (after a block or unblock)."""
    user = await _load(user_id)
    if user is None:
        return
    online = await liveness.is_online(user_id)
    frame = {"type": "presence", "user": selectors.shown_to(viewer_id, user, online=online, blocked_viewer=hidden)}
    await send_to([viewer_id], frame)


async def contact_added(*, adder, target_id: int) -> None:
    online = await liveness.is_online(adder.pk)
    await send_to([target_id], {"type": "contactAdded", "user": public_user(adder, online=online)})
