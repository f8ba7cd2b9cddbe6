"""What presence plugs into messenger.hooks (registered in PresenceConfig.ready)."""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from messenger import fanout, hooks
from messenger.users import public_user

from . import broadcast, liveness, selectors, services
from .models import Contact
from .seed import contacts_seed


def dm_allowed(sender, other) -> bool:
    """A user blocked by the other can't DM them."""
    return not selectors.has_blocked(owner_id=other.pk, other_id=sender.pk)


def account_deleted(user) -> None:
    """Contacts see the user sign out for good; their lists and presence state go."""
    watchers = selectors.interested_in(user.pk)
    event = fanout.frame_event({"type": "presence", "user": public_user(user, online=False)})
    transaction.on_commit(lambda: [fanout.group_send_sync(fanout.presence_group(uid), event) for uid in watchers])
    Contact.objects.filter(Q(owner=user) | Q(contact=user)).delete()
    liveness.forget_sync(user.pk)
    cache.delete(services.auto_away_key(user.pk))


def register() -> None:
    hooks.dm_allowed.append(dm_allowed)
    hooks.profile_changed.append(broadcast.profile_changed)
    hooks.account_deleted.append(account_deleted)
    hooks.seeders.append(contacts_seed)
