"""Presence and contact-list writes. Each does the database write and the
frames that announce it, so views and the socket stay thin."""

from django.db import transaction

from messenger import errors
from messenger.accounts.users import public_user, users_with_profiles
from messenger.models import Profile
from messenger.platform import db_async, fanout, process_cache

from . import broadcast, liveness, selectors
from .models import Contact


def _other_user(*, owner, username: str):
    other = selectors.user_by_username(username)
    if other is None:
        raise errors.Refused(errors.NOT_FOUND, f"No user {username!r}.")
    if other.pk == owner.pk:
        raise errors.Refused(errors.INVALID_REQUEST, "That is you; pick another user.", field="username")
    return other


@db_async.pooled
def _listing_add(*, owner, username: str):
    other = _other_user(owner=owner, username=username)
    with transaction.atomic():
        entry, created = Contact.objects.select_for_update().get_or_create(owner=owner, contact=other)
        if not created and entry.listed:
            raise errors.Refused(errors.CONFLICT, f"{other.username} is already in your contacts.")
        if not created:
            entry.listed = True
            entry.save(update_fields=["listed"])
    notify = not selectors.has_blocked(owner_id=other.pk, other_id=owner.pk)
    return other, notify


async def contact_add(*, owner, username: str) -> dict:
    """Add username to owner's list; they get `contactAdded` (unless they blocked owner).
    Returns the contact as owner sees them."""
    other, notify = await _listing_add(owner=owner, username=username)
    if notify:
        await broadcast.contact_added(adder=owner, target_id=other.pk)
    view = await contact_view(viewer=owner, user=other)
    # The adder's other pages (tabs, devices) list the new contact at once.
    await broadcast.send_to([owner.pk], {"type": "presence", "user": view})
    return view


async def contact_view(*, viewer, user) -> dict:
    hidden = await db_async.run(selectors.has_blocked, owner_id=user.pk, other_id=viewer.pk)
    return selectors.shown_to(viewer.pk, user, online=await liveness.is_online(user.pk), blocked_viewer=hidden)


@db_async.pooled
def contact_remove(*, owner, username: str) -> None:
    other = _other_user(owner=owner, username=username)
    with transaction.atomic():
        entry = Contact.objects.select_for_update().filter(owner=owner, contact=other, listed=True).first()
        if entry is None:
            raise errors.Refused(errors.NOT_FOUND, f"{other.username} is not in your contacts.")
        if entry.blocked:
            entry.listed = False
            entry.save(update_fields=["listed"])
        else:
            entry.delete()


@db_async.pooled
def _block_set(*, owner, username: str, blocked: bool):
    """Returns the other user and whether they list owner (so see owner's presence)."""
    other = _other_user(owner=owner, username=username)
    with transaction.atomic():
        if blocked:
            entry, created = Contact.objects.select_for_update().get_or_create(
                owner=owner, contact=other, defaults={"listed": False, "blocked": True}
            )
            if not created and entry.blocked:
                raise errors.Refused(errors.CONFLICT, f"{other.username} is already blocked.")
            if not created:
                entry.blocked = True
                entry.save(update_fields=["blocked"])
        else:
            entry = Contact.objects.select_for_update().filter(owner=owner, contact=other, blocked=True).first()
            if entry is None:
                raise errors.Refused(errors.CONFLICT, f"{other.username} is not blocked.")
            if entry.listed:
                entry.blocked = False
                entry.save(update_fields=["blocked"])
            else:
                entry.delete()
    watching = Contact.objects.filter(owner=other, contact=owner, listed=True).exists()
    return other, watching


def blockers_event(*, blocker: str, blocked: bool) -> dict:
    """To the blocked user's sockets: their open room sockets show the blocker
    offline from now on (or again as they are, after an unblock)."""
    return {"type": "room.blockers", "blocker": blocker, "blocked": blocked}


async def contact_block(*, owner, username: str) -> None:
    """Owner now looks offline to username, who gets one `presence` frame saying so."""
    other, watching = await _block_set(owner=owner, username=username, blocked=True)
    if watching:
        await broadcast.shown_to_one(other.pk, owner.pk, hidden=True)
    await fanout.group_send(fanout.user_group(other.pk), blockers_event(blocker=owner.username, blocked=True))


async def contact_unblock(*, owner, username: str) -> None:
    other, watching = await _block_set(owner=owner, username=username, blocked=False)
    if watching:
        await broadcast.shown_to_one(other.pk, owner.pk, hidden=False)
    await fanout.group_send(fanout.user_group(other.pk), blockers_event(blocker=owner.username, blocked=False))


@db_async.pooled
def _profile_update(*, user_id: int, online: bool, changes: dict) -> dict:
    """Write the new values; return the user as others saw them before."""
    previous = public_user(users_with_profiles().get(pk=user_id), online=online)
    Profile.objects.filter(user_id=user_id).update(**changes)
    return previous


async def presence_set(*, user_id: int, status: str | None = None, personal_message: str | None = None) -> None:
    """Change the chosen status and/or personal message. Contacts get a frame
    if what they see changed; the user's own presence sockets always do."""
    changes = {"status": status, "personal_message": personal_message}
    changes = {field: value for field, value in changes.items() if value is not None}
    online = await liveness.is_online(user_id)
    previous = await _profile_update(user_id=user_id, online=online, changes=changes)
    await broadcast.announce(user_id, previous=previous, echo_self=True)


def auto_away_key(user_id: int) -> str:
    return f"presence:autoaway:{user_id}"


async def presence_auto_away(*, user_id: int) -> None:
    """The client has been idle PRESENCE_IDLE_AWAY_S: `online` becomes `away`
    (other statuses are the user's explicit choice and stay)."""
    changed = await Profile.objects.filter(user_id=user_id, status="online").aupdate(status="away")
    if changed:
        await process_cache.shared().aset(auto_away_key(user_id), 1, None)
        await broadcast.announce(user_id, previous=await _shown_with_status(user_id, "online"), echo_self=True)


async def presence_auto_back(*, user_id: int) -> None:
    """The user is active again: undo an automatic away (not one they chose)."""
    if not await process_cache.shared().aget(auto_away_key(user_id)):
        return
    await process_cache.shared().adelete(auto_away_key(user_id))
    changed = await Profile.objects.filter(user_id=user_id, status="away").aupdate(status="online")
    if changed:
        await broadcast.announce(user_id, previous=await _shown_with_status(user_id, "away"), echo_self=True)


def auto_away_undo(user_id: int) -> None:
    """A sign-in starts active: an automatic away left from last time is undone
    (before the sign-in is announced, so no extra frame). Sync: a presence
    connect runs it on its one trip to a database thread (presence.consumers)."""
    if process_cache.shared().get(auto_away_key(user_id)):
        process_cache.shared().delete(auto_away_key(user_id))
        Profile.objects.filter(user_id=user_id, status="away").update(status="online")


async def _shown_with_status(user_id: int, status: str) -> dict:
    user = await users_with_profiles().aget(pk=user_id)
    user.profile.status = status
    return public_user(user, online=await liveness.is_online(user_id))


async def _as_seen_by(viewer_id: int, users: list) -> list[dict]:
    blockers = await db_async.run(selectors.blockers_among, viewer_id=viewer_id, user_ids=[user.pk for user in users])
    return await roster_shown(viewer_id=viewer_id, users=users, blockers=blockers)


def roster_read(*, viewer_id: int) -> tuple[list, set[int]]:
    """The viewer's contacts and those of them who block the viewer (sync: a database thread)."""
    contacts = selectors.contacts_of(viewer_id)
    return contacts, selectors.blockers_among(viewer_id=viewer_id, user_ids=[user.pk for user in contacts])


async def roster_shown(*, viewer_id: int, users: list, blockers: set[int]) -> list[dict]:
    """`users` as the viewer sees them (the `roster` frame): live status, and offline where they block the viewer."""
    online = await liveness.online_among([user.pk for user in users])
    return [
        selectors.shown_to(viewer_id, user, online=user.pk in online, blocked_viewer=user.pk in blockers)
        for user in users
    ]


@db_async.pooled
def _lists(owner_id: int):
    return selectors.contacts_of(owner_id), selectors.blocked_by(owner_id), selectors.pending_for(owner_id)


async def contact_lists(*, owner) -> dict:
    """`GET /api/contacts`: every list with live status as the owner sees it."""
    contacts, blocked, pending = await _lists(owner.pk)
    return {
        "contacts": await _as_seen_by(owner.pk, contacts),
        "blocked": await _as_seen_by(owner.pk, blocked),
        "pending": await _as_seen_by(owner.pk, pending),
    }
