"""What presence plugs into messenger.hooks (registered in PresenceConfig.ready)."""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from messenger.accounts.users import public_user
from messenger.operations.export import epoch_ms
from messenger.platform import fanout

from . import liveness, selectors, services
from .models import Contact


def dm_allowed(sender, other) -> bool:
    """A user blocked by the other can't DM them."""
    return not selectors.has_blocked(owner_id=other.pk, other_id=sender.pk)


def blockers_of(user_id: int) -> set[str]:
    """Usernames of the users who block user_id."""
    return set(Contact.objects.filter(contact_id=user_id, blocked=True).values_list("owner__username", flat=True))


def account_deleted(user) -> None:
    """Contacts see the user sign out for good; their lists and presence state go."""
    watchers = selectors.interested_in(user.pk)
    event = fanout.frame_event({"type": "presence", "user": public_user(user, online=False)})
    transaction.on_commit(lambda: [fanout.group_send_sync(fanout.presence_group(uid), event) for uid in watchers])
    Contact.objects.filter(Q(owner=user) | Q(contact=user)).delete()
    liveness.forget_sync(user.pk)
    cache.delete(services.auto_away_key(user.pk))


def contacts_export(user) -> list[dict]:
    """export_user: the user's own list (contacts and blocks)."""
    rows = Contact.objects.filter(owner=user).select_related("contact").order_by("contact__username")
    return [{"username": c.contact.username, "listed": c.listed, "blocked": c.blocked, "since": epoch_ms(c.created_at)} for c in rows]


def listed_by_export(user) -> list[str]:
    """export_user: who has the user on their list."""
    return sorted(Contact.objects.filter(contact=user, listed=True).values_list("owner__username", flat=True))
